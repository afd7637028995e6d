from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_001 = ROOT / "seeds" / "001_bfbf4fadcc674ada.txt"
SEED_000 = ROOT / "seeds" / "000_7e119fa42f57fb54.txt"


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.name.split("_")[0]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))}


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus; tests that need it skip cleanly on a user's machine without it."""
    from zhaoshang_ner.gold import default_corpus_dir

    d = default_corpus_dir()
    if not (d / "texts").is_dir():
        pytest.skip(f"shared corpus not found at {d}")
    return d
