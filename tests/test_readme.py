"""Every Python example in the README runs, and prints exactly the output the README shows.

A ```python block is executed (blocks share one namespace, top to bottom, in the
repository root); a ```text block right after it is the output it must print.
So a figure or entity in the README cannot drift from what the package does.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def readme_examples() -> list[tuple[str, str | None]]:
    """(code, expected output or None) for each python block, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in BLOCK.finditer(text)]
    out = []
    for i, (lang, body, _, end) in enumerate(blocks):
        if lang != "python":
            continue
        expected = None
        if i + 1 < len(blocks) and blocks[i + 1][0] == "text" and not text[end:blocks[i + 1][2]].strip():
            expected = blocks[i + 1][1]
        out.append((body, expected))
    return out


def test_readme_has_examples():
    assert len(readme_examples()) >= 2


def test_readme_python_blocks_run_and_print_what_the_readme_shows(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "__readme__"}
    for code, expected in readme_examples():
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(code, "README.md", "exec"), namespace)
        if expected is not None:
            assert buf.getvalue() == expected, f"README output drifted for:\n{code}"
