"""Bytes to text, exactly as the file holds it.

Offsets in a record index the decoded text, so decoding is the one place where
they can silently shift: Python's text mode turns ``\\r\\n`` into ``\\n`` (one
character lost per line) and keeps a UTF-8 BOM as character 0. Everything that
reads a user's file goes through :func:`decode_bytes`: a BOM is dropped and
named, newlines stay as they are, the encoding is the one given, else UTF-8,
else what charset-normalizer detects; bytes that are no text are an error.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

#: BOMs, longest first (UTF-32-LE's BOM starts with UTF-16-LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Encodings detection may answer with for Chinese reports; anything else is
#: more likely a wrong guess on binary data than a real report.
_DETECTABLE = ("gb18030", "gbk", "gb2312", "big5", "big5hkscs", "utf-16", "utf-16-le", "utf-16-be",
               "utf-32", "hz", "iso2022_jp", "euc_jp", "shift_jis", "cp950", "cp936", "ascii", "utf_8")


class DecodeError(ValueError):
    """Bytes that cannot be read as text; the message says what to do."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bom: bool = False


def _canonical(name: str) -> str:
    return codecs.lookup(name).name


def decode_bytes(data: bytes, encoding: str | None = None, *, name: str = "input") -> Decoded:
    """Decode ``data`` without translating newlines; see the module docstring for the order."""
    if encoding:
        try:
            enc = _canonical(encoding)
        except LookupError:
            raise DecodeError(f"{name}: unknown encoding {encoding!r}") from None
        bom = next((b for b, e in _BOMS if data.startswith(b) and _canonical(e) == enc), b"")
        try:
            return Decoded(data[len(bom):].decode(enc), enc, bool(bom))
        except UnicodeDecodeError as exc:
            raise DecodeError(f"{name}: not valid {enc} at byte {exc.start} ({exc.reason}); "
                              "check --encoding") from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(enc), _canonical(enc), True)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"{name}: starts with a {enc} byte-order mark but is not valid {enc} "
                                  f"at byte {exc.start}") from None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _canonical(best.encoding) in {_canonical(e) for e in _DETECTABLE}:
        text = str(best)
        if "\x00" not in text:
            return Decoded(text, _canonical(best.encoding))
    raise DecodeError(f"{name}: not text in any encoding this tool can tell (binary file?); "
                      "if it is text, give its encoding with --encoding, e.g. --encoding gb18030")


def read_document(path: str | Path, encoding: str | None = None) -> Decoded:
    """A text file's content as :func:`decode_bytes` reads it; a clear error for folders and missing files."""
    p = Path(path)
    if p.is_dir():
        raise DecodeError(f"{p}: is a folder; name the files in it (e.g. {p}/*.txt)")
    if not p.exists():
        raise DecodeError(f"{p}: no such file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DecodeError(f"{p}: cannot be read ({exc.strerror})") from None
    return decode_bytes(data, encoding, name=str(p))
