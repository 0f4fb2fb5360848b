"""Format readers: raw file bytes to DocumentText (normalised text lines with provenance).

Format conversion only; field extraction lives in flows.extract. `sniff_media_type` names
the format from the bytes (then the file name), `read_document` converts, raising only
DocumentError with a stable reason code for the quarantine table.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from flows.model import DocumentError, DocumentText, Limits
from flows.readers.decode import bom_encoding, decode_cp1252, utf16_without_bom
from flows.readers.docx import read_docx
from flows.readers.html import read_html
from flows.readers.limits import check_file_size
from flows.readers.pdf import read_pdf
from flows.readers.text import read_text

TEXT = "text/plain"
MARKDOWN = "text/markdown"
HTML = "text/html"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES: tuple[str, ...] = (TEXT, MARKDOWN, HTML, PDF, DOCX)

__all__ = [
    "DOCX",
    "HTML",
    "MARKDOWN",
    "MEDIA_TYPES",
    "PDF",
    "TEXT",
    "read_document",
    "sniff_media_type",
]

_HTML_EXTENSIONS = frozenset({".htm", ".html", ".xhtml", ".xht"})
_MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
_TEXT_EXTENSIONS = frozenset({".txt", ".text"})
# Text-based formats that are not documents we read (yet): structured data, not prose.
_REFUSED_EXTENSIONS = frozenset(
    {".csv", ".tsv", ".xml", ".json", ".xsd", ".xsl", ".xslt", ".rtf", ".doc", ".xls", ".ppt"}
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"BM",
    b"RIFF",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!",
    b"\xfd7zXZ",
    b"\x7fELF",
    b"MZ",
    b"%!PS",
    b"{\\rtf",
    b"\x00\x00\x01\x00",  # ICO
    b"SQLite format 3",
)
_SNIFF_BYTES = 1024
_TEXT_SAMPLE = 65536
_HTML_START = re.compile(r"<!doctype\s+html|<html[\s>/]|<head[\s>]|<body[\s>]")
_HTML_ANYWHERE = re.compile(r"<html[\s>/]|<!doctype\s+html")
_LEADING_COMMENTS = re.compile(r"\A(?:\s*<!--.*?-->)*\s*", re.DOTALL)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in name.strip("."):
        return ""
    return "." + name.rsplit(".", 1)[-1].lower()


def _head_text(data: bytes) -> str:
    """The first ~1 KB as text, lower-cased, for markup sniffing (BOM or UTF-16 aware)."""
    head = data[: _SNIFF_BYTES * 4]
    bom = bom_encoding(head)
    if bom is not None:
        text = head[bom[1] :].decode(bom[0], errors="replace")
    elif (utf16 := utf16_without_bom(head)) is not None:
        text = head.decode(utf16, errors="replace")
    else:
        text = decode_cp1252(head[:_SNIFF_BYTES])  # one byte, one character: decode no more
    return text[:_SNIFF_BYTES].lower().lstrip("\ufeff \t\r\n\x0c")


def _is_html(head: str) -> bool:
    if head.startswith("<?xml"):
        return _HTML_ANYWHERE.search(head) is not None
    comments = _LEADING_COMMENTS.match(head)
    rest = head[comments.end() :] if comments else head
    return _HTML_START.match(rest) is not None


def _sniff_zip(data: bytes, ext: str) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        # A damaged .docx still goes to the DOCX reader, which says what is wrong.
        return DOCX if ext == ".docx" else None
    return DOCX if "word/document.xml" in names else None


def _looks_like_text(data: bytes) -> bool:
    sample = data[:_TEXT_SAMPLE]
    bom = bom_encoding(sample)
    if bom is not None:
        text = sample[bom[1] :].decode(bom[0], errors="replace")
    elif (utf16 := utf16_without_bom(sample)) is not None:
        text = sample.decode(utf16, errors="replace")
    elif b"\x00" in sample:
        return False
    else:
        text = decode_cp1252(sample)
    if "\x00" in text:
        return False
    controls = len(text) - len(_CONTROL.sub("", text))
    return controls <= 0.01 * len(text)


def sniff_media_type(data: bytes, filename: str) -> str | None:
    """The media type to read `data` as, or None when the format is not supported.

    Magic bytes decide first (PDF, DOCX, HTML/XHTML, known binary formats), then the
    extension (.md, .txt, .html, .pdf, .docx), then the content: text that decodes with
    no NUL bytes and few control characters is text/plain. Never raises.
    """
    ext = _extension(filename)
    if not data:
        # Name the format so read_document reports `empty_file` rather than unsupported.
        by_ext = {e: HTML for e in _HTML_EXTENSIONS} | {e: MARKDOWN for e in _MARKDOWN_EXTENSIONS}
        by_ext |= {e: TEXT for e in _TEXT_EXTENSIONS} | {".pdf": PDF, ".docx": DOCX, "": TEXT}
        return by_ext.get(ext)
    head_bytes = data[:_SNIFF_BYTES]
    if head_bytes.lstrip(b" \t\r\n\x0c").startswith(b"%PDF-"):
        return PDF
    if ext == ".pdf" and b"%PDF-" in head_bytes:
        return PDF  # junk before the header: PDF readers accept it within the first 1 KB
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _sniff_zip(data, ext)
    if data.startswith(_OLE_MAGIC):
        # A password-protected .docx is an OLE container: let the DOCX reader explain.
        return DOCX if ext == ".docx" else None
    if data.startswith(_BINARY_MAGIC):
        return None
    head = _head_text(data)
    if _is_html(head):
        return HTML
    if head.startswith("<?xml"):
        return None  # XML that is not XHTML
    if ext in _HTML_EXTENSIONS:
        return HTML
    if ext in _MARKDOWN_EXTENSIONS:
        return MARKDOWN
    if ext in _TEXT_EXTENSIONS:
        return TEXT
    if ext == ".pdf":
        return PDF  # no PDF header: the reader reports it as unreadable
    if ext == ".docx":
        return DOCX
    if ext in _REFUSED_EXTENSIONS:
        return None
    return TEXT if _looks_like_text(data) else None


def _read_pdf(data: bytes, media_type: str, limits: Limits) -> DocumentText:
    return read_pdf(data, limits)


def _read_docx(data: bytes, media_type: str, limits: Limits) -> DocumentText:
    return read_docx(data, limits)


_READERS: dict[str, Callable[[bytes, str, Limits], DocumentText]] = {
    TEXT: read_text,
    MARKDOWN: read_text,
    HTML: read_html,
    PDF: _read_pdf,
    DOCX: _read_docx,
}
_ALIASES = {"application/xhtml+xml": HTML, "text/x-markdown": MARKDOWN}


def read_document(data: bytes, media_type: str, limits: Limits) -> DocumentText:
    """Convert a file's bytes to DocumentText according to `media_type`.

    Raises only DocumentError; `reason` is one of `unsupported_type`, `file_too_large`,
    `empty_file`, `decode_error`, `binary_content`, `text_too_large`, `pdf_encrypted`,
    `pdf_truncated`, `pdf_unreadable`, `no_text_layer`, `too_many_pages`, `timeout`,
    `zip_bomb`, `docx_unreadable`.
    """
    normalised = (media_type or "").split(";", 1)[0].strip().lower()
    normalised = _ALIASES.get(normalised, normalised)
    reader = _READERS.get(normalised)
    if reader is None:
        raise DocumentError(
            "unsupported_type",
            f"Files of type {media_type!r} are not supported; convert the document to PDF, "
            "DOCX, HTML or plain text.",
        )
    check_file_size(len(data), limits)
    if not data:
        raise DocumentError(
            "empty_file",
            "The file is empty (0 bytes); re-export or re-download it from its source.",
        )
    return reader(data, normalised, limits)
