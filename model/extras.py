"""Optional dependencies: one message that names the extra to install.

The base install serves ``predict`` (ONNX Runtime, jieba, numpy); training,
evaluation, Parquet output and Ray are extras, so a missing one must say which
``pip install`` brings it back instead of failing deep inside an import.
"""
from __future__ import annotations

import importlib.util

#: What each extra of pyproject.toml brings (the modules this package imports from it).
EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("torch", "transformers", "datasets", "safetensors", "seqeval", "matplotlib"),
    "eval": ("seqeval", "matplotlib"),
    "table": ("pyarrow", "pandas"),
    "ray": ("ray",),
}


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it: torch alone takes seconds)."""
    return importlib.util.find_spec(module) is not None


def require(modules: tuple[str, ...] | list[str], extra: str, purpose: str) -> None:
    """Raise ModuleNotFoundError naming the extra when any of ``modules`` is not installed."""
    missing = [m for m in modules if not installed(m)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ModuleNotFoundError(f"{purpose} needs {', '.join(missing)}, which {verb} not installed: "
                                  f"pip install 'zhaoshang-ner[{extra}]'")
