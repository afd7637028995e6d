"""Reports on other filesystems: ``s3://``, ``gs://``, ``hdfs://`` ... through pyarrow's filesystems.

The table pipeline (local or on Ray) takes such URIs wherever it takes a path.
A remote report is fetched to a temporary file of the same name and read like a
local one, so every format and encoding rule of :mod:`zhaoshang_ner.readers`
holds for it unchanged. pyarrow comes with the ``table`` and ``ray`` extras.
"""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from .readers import DOCUMENT_FORMATS, DecodeError


def is_uri(item: object) -> bool:
    """``scheme://...`` with a scheme of letters (a Windows path ``C:\\`` is not one)."""
    s = str(item)
    head, sep, _ = s.partition("://")
    return bool(sep) and len(head) > 1 and head.isalpha()


def _filesystem(uri: str):
    try:
        from pyarrow import fs as pafs
    except ImportError:
        raise ImportError(f'{uri}: reading URIs needs pyarrow: pip install "zhaoshang-ner[table]"') from None
    try:
        return pafs, *pafs.FileSystem.from_uri(uri)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a bad URI or missing credentials
        raise FileNotFoundError(f"{uri}: cannot be opened ({str(exc).splitlines()[0]})") from None


def expand_uri(uri: str) -> list[str]:
    """The report files a URI names: itself if a file, else a folder's report files (recursive, sorted)."""
    pafs, filesystem, root = _filesystem(uri)
    try:
        info = filesystem.get_file_info(root)
        if info.type == pafs.FileType.File:
            return [uri]
        if info.type != pafs.FileType.Directory:
            raise FileNotFoundError(f"{uri}: no such file or folder")
        found = filesystem.get_file_info(pafs.FileSelector(root, recursive=True))
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise FileNotFoundError(f"{uri}: cannot be listed ({str(exc).splitlines()[0]})") from None
    base = uri.rstrip("/")
    root = root.rstrip("/")
    out = []
    for f in sorted(found, key=lambda f: f.path):
        rel = f.path[len(root):].lstrip("/")
        name = PurePosixPath(rel).name
        if (f.type == pafs.FileType.File and not any(p.startswith((".", "~$")) for p in PurePosixPath(rel).parts)
                and PurePosixPath(name).suffix.lower() in DOCUMENT_FORMATS):
            out.append(f"{base}/{rel}")
    return out


@contextlib.contextmanager
def fetched(uri: str) -> Iterator[Path]:
    """A temporary local copy of a remote file, named like it (its extension decides the reader)."""
    _, filesystem, path = _filesystem(uri)
    try:
        with filesystem.open_input_stream(path) as fh:
            data = fh.read()
    except Exception as exc:  # noqa: BLE001
        raise DecodeError(f"{uri}: cannot be fetched ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") \
            from None
    with tempfile.TemporaryDirectory(prefix="zhaoshang-") as tmp:
        local = Path(tmp) / (PurePosixPath(path).name or "document")
        local.write_bytes(data)
        yield local
