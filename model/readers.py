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
    data = read_document_bytes(path)
    return decode_bytes(data, encoding, name=str(Path(path)))


# ---------------------------------------------------------------- other document formats
# Word, PDF and HTML hold text in markup; the text a record's offsets index is the
# one these readers return (its SHA-256 is what the bulk table saves), so each
# reader is deterministic: the same file always gives the same string.

#: Extensions :func:`read_any` reads as something other than plain text.
DOCUMENT_FORMATS = {".txt": "txt", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}


def read_any(path: str | Path, encoding: str | None = None) -> Decoded:
    """The text of a .txt, .docx, .pdf or .html file (any other name is read as text).

    ``encoding`` applies to text and HTML files only; a .docx or .pdf carries
    its own, so their :class:`Decoded` has ``encoding`` "" (none chosen).
    """
    p = Path(path)
    fmt = DOCUMENT_FORMATS.get(p.suffix.lower(), "txt")
    if p.suffix.lower() == ".doc":
        raise DecodeError(f"{p}: old Word .doc files cannot be read; save it as .docx (or .txt)")
    if fmt == "txt":
        return read_document(p, encoding)
    data = read_document_bytes(p)
    if fmt == "html":
        page = _decode_html(data, encoding, str(p))
        return Decoded(html_text(page.text), page.encoding, page.bom)
    return Decoded(read_docx(p) if fmt == "docx" else read_pdf(p), "")


def read_document_bytes(path: str | Path) -> bytes:
    """A file's bytes, with :func:`read_document`'s errors for folders and missing files."""
    p = Path(path)
    if p.is_dir():
        raise DecodeError(f"{p}: is a folder; name the files in it (e.g. {p}/*.txt)")
    if not p.exists():
        raise DecodeError(f"{p}: no such file")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise DecodeError(f"{p}: cannot be read ({exc.strerror})") from None


def read_docx(path: str | Path) -> str:
    """Paragraphs and table rows of a .docx in document order, one per line (cells joined by tabs)."""
    try:
        import docx
        from docx.table import Table
    except ImportError:
        raise ImportError("reading .docx needs python-docx: pip install python-docx") from None
    p = Path(path)
    try:
        document = docx.Document(str(p))
    except Exception as exc:  # noqa: BLE001 - zip, XML and package errors all mean "not a readable .docx"
        raise DecodeError(f"{p}: not a readable .docx (corrupt, or not a Word file: {_reason(exc)})") from None
    lines: list[str] = []

    def walk(container) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    lines.append("\t".join(cell.text for cell in row.cells))
            else:
                lines.append(block.text)

    walk(document)
    return "\n".join(lines)


def read_pdf(path: str | Path) -> str:
    """The text layer of a PDF, pages joined by a blank line; a PDF without one is an error, not an empty text."""
    import logging

    try:
        from pypdf import PdfReader
    except ImportError:
        raise ImportError("reading .pdf needs pypdf: pip install pypdf") from None
    p = Path(path)
    pdf_log = logging.getLogger("pypdf")
    level = pdf_log.level
    pdf_log.setLevel(logging.ERROR)  # pypdf warns on every slightly odd file; one error line per file is ours
    try:
        reader = PdfReader(str(p))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DecodeError(f"{p}: the PDF is password-protected; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        raise DecodeError(f"{p}: not a readable PDF (corrupt or truncated: {_reason(exc)})") from None
    finally:
        pdf_log.setLevel(level)
    if pages and not any(t.strip() for t in pages):
        raise DecodeError(f"{p}: the PDF has no text layer (a scan?); run OCR on it first")
    return "\n\n".join(pages)


def _reason(exc: BaseException) -> str:
    msg = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {msg}"[:160] if msg else type(exc).__name__


def _decode_html(data: bytes, encoding: str | None, name: str) -> Decoded:
    """An HTML page's characters: ``encoding`` if given, else its <meta charset>, else as :func:`decode_bytes`."""
    import re

    if encoding:
        return decode_bytes(data, encoding, name=name)
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", data[:4096], re.I)
    if m:
        declared = m.group(1).decode("ascii").lower()
        if declared in ("gb2312", "gbk", "x-gbk", "cp936"):
            declared = "gb18030"  # pages labelled gb2312 routinely hold GBK/GB18030 characters
        try:
            return decode_bytes(data, declared, name=name)
        except DecodeError:
            pass  # a wrong declaration is common; detect instead
    return decode_bytes(data, None, name=name)


def html_text(markup: str) -> str:
    """The visible text of an HTML page: title and body, blocks on their own lines, scripts and styles dropped."""
    from html.parser import HTMLParser
    import re

    skip = {"script", "style", "noscript", "template", "svg", "head"}
    blocks = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table",
              "ul", "ol", "header", "footer", "blockquote", "pre", "hr", "dd", "dt", "dl", "title", "main",
              "nav", "aside", "figure", "figcaption", "form", "address", "caption", "tbody", "thead"}

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.hidden = 0
            self.in_title = False
            self.pre = 0

        def handle_starttag(self, tag, attrs):
            if tag == "body":
                self.hidden = 0  # a page that never closes its <head> still shows its body
            if tag == "title":
                self.in_title = True
            elif tag in skip:
                self.hidden += 1
            if tag == "pre":
                self.pre += 1
            if tag in blocks:
                self.parts.append("\n")
            elif tag in ("td", "th"):
                self.parts.append("\t")

        def handle_startendtag(self, tag, attrs):
            if tag in blocks:
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag == "title":
                self.in_title = False
            elif tag in skip and self.hidden:
                self.hidden -= 1
            if tag == "pre" and self.pre:
                self.pre -= 1
            if tag in blocks:
                self.parts.append("\n")

        def handle_data(self, data):
            if self.hidden and not self.in_title:
                return
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))

    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = [re.sub(r"[ \t]+", lambda m: "\t" if "\t" in m.group() else " ", line).strip(" \t")
             for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
