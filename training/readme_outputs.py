"""Regenerate the outputs shown in the README from the package itself.

    python -m training.readme_outputs

Each ```python block of README.md is run (top to bottom, one namespace) and
the ```text block right after it is replaced by what it printed; the block
after the line naming ``predict seeds/001…txt --format table`` gets the first
lines of that command's table. ``tests/test_readme.py`` checks the python
outputs, so after a new model ships this script is how the README follows.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
TABLE_LINES = 14


def seed_table() -> str:
    from zhaoshang_ner.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["predict", "seeds/001_bfbf4fadcc674ada.txt", "--format", "table"])
    lines = buf.getvalue().splitlines()
    return "\n".join(lines[:TABLE_LINES] + ["..."]) + "\n"


def fill(text: str) -> str:
    namespace: dict = {"__name__": "__readme__"}
    out, pos, pending = [], 0, None
    for m in BLOCK.finditer(text):
        lang, body = m.group(1), m.group(2)
        new = m.group(0)
        between = text[pos:m.start()]
        if lang == "python":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(body, "README.md", "exec"), namespace)
            pending = buf.getvalue()
        elif lang == "text" and pending is not None and not between.strip():
            new = f"```text\n{pending}```"
            pending = None
        elif lang == "text" and "--format table`" in between.splitlines()[-2 if between.endswith("\n") else -1]:
            new = f"```text\n{seed_table()}```"
        else:
            pending = None
        out.append(between + new)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def main() -> int:
    import os

    os.chdir(ROOT)
    readme = ROOT / "README.md"
    readme.write_text(fill(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"outputs regenerated in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
