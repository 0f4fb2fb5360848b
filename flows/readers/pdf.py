"""PDF files to DocumentText with pypdfium2: the text layer page by page, with page offsets.

Lines are kept as PDFium gives them (table rows stay whitespace-separated; the extractors
handle those). Scanned PDFs without a text layer are refused, not OCR'd.
"""

from __future__ import annotations

import re
import threading
import time

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from flows.model import DocumentError, DocumentText, Limits
from flows.readers.decode import normalise_text
from flows.readers.limits import check_text_size

MEDIA_TYPE = "application/pdf"

# PDFium is not thread-safe (pypdfium2 says so): one document at a time per process.
# Parallelism belongs in processes, which each get their own PDFium.
_PDFIUM_LOCK = threading.Lock()
# Objects or an xref after the last %%EOF mean an incremental update was cut off.
_AFTER_EOF = re.compile(rb"\bendobj\b|\bxref\b|\bstream\b|\bstartxref\b")


def looks_truncated(data: bytes) -> bool:
    """True when a file with a PDF header has no %%EOF marker, or content after the last
    one was cut off (an incremental update).
    """
    if b"%PDF-" not in data[:1024]:
        return False  # not a PDF at all: unreadable, not truncated
    last = data.rfind(b"%%EOF")
    if last == -1:
        return True
    return _AFTER_EOF.search(data, last + 5) is not None


def _open_error(exc: pdfium.PdfiumError, truncated: bool) -> DocumentError:
    if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
        return DocumentError(
            "pdf_encrypted",
            "The PDF is password-protected; ask the payer for an unprotected copy or save "
            "it without a password (for example with 'Print to PDF').",
        )
    if truncated:
        return _truncated_error()
    return DocumentError(
        "pdf_unreadable",
        f"The PDF cannot be opened ({exc}); it is corrupt or not a PDF. "
        "Download it again from the source.",
    )


def _truncated_error() -> DocumentError:
    return DocumentError(
        "pdf_truncated",
        "The PDF is incomplete (its end-of-file marker is missing), probably an interrupted "
        "download; download it again from the source.",
    )


def _page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            # get_text_bounded gives full Unicode (get_text_range is limited to UCS-2).
            return textpage.get_text_bounded()
        finally:
            textpage.close()
    finally:
        page.close()


_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:page\s+)?\d{1,4}\s*(?:(?:of|/)\s*\d{1,4})?\s*$", re.I)


def drop_page_furniture(text: str) -> str:
    """Remove page-number lines ("Page 3 of 12", "3 / 12") from a page's first and last
    lines: they are running headers/footers that would split paragraphs and tables."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    for index in (-1, 0):
        if lines and _PAGE_NUMBER_LINE.match(lines[index]) and re.search(r"\d", lines[index]):
            lines.pop(index)
    return "\n".join(lines)


def _extract(pdf: pdfium.PdfDocument, limits: Limits) -> DocumentText:
    pages = len(pdf)
    if pages > limits.max_pdf_pages:
        raise DocumentError(
            "too_many_pages",
            f"The PDF has {pages:,} pages, over the {limits.max_pdf_pages:,}-page limit; "
            "split it or raise the max_pdf_pages limit if it is genuine.",
        )
    deadline = time.monotonic() + limits.pdf_seconds
    texts: list[str] = []
    page_starts: list[int] = []
    offset = 0
    for index in range(pages):
        if time.monotonic() > deadline:
            raise DocumentError(
                "timeout",
                f"Reading the PDF took longer than {limits.pdf_seconds:g} s (stopped at page "
                f"{index + 1} of {pages}); it may be malformed. Re-save it with a PDF tool "
                "or raise the pdf_seconds limit.",
            )
        text = drop_page_furniture(normalise_text(_page_text(pdf, index)))
        page_starts.append(offset)
        texts.append(text)
        offset += len(text) + 1
        check_text_size(offset, limits, "PDF")
    if not any(t.strip() for t in texts):
        raise DocumentError(
            "no_text_layer",
            "The PDF has no text layer (it is probably scanned images); obtain a text PDF "
            "from the payer or run it through OCR first.",
        )
    return DocumentText(text="\n".join(texts), media_type=MEDIA_TYPE, page_starts=page_starts)


def read_pdf(data: bytes, limits: Limits) -> DocumentText:
    """Extract the text of every page, pages joined by "\\n", with `page_starts`.

    Raises DocumentError: `empty_file`, `pdf_encrypted`, `pdf_truncated`, `pdf_unreadable`,
    `too_many_pages`, `timeout` (checked between pages), `no_text_layer`, `text_too_large`.
    """
    if not data:
        raise DocumentError("empty_file", "The PDF file is empty (0 bytes); download it again.")
    truncated = looks_truncated(data)
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise _open_error(exc, truncated) from None
        try:
            if truncated:
                # PDFium may open a cut-off file and silently miss its last pages.
                raise _truncated_error()
            return _extract(pdf, limits)
        except DocumentError:
            raise
        except Exception as exc:  # a malformed page must not crash the batch
            raise DocumentError(
                "pdf_unreadable",
                f"The PDF could not be read ({type(exc).__name__}: {exc}); it is probably "
                "corrupt. Download it again or re-save it with a PDF tool.",
            ) from exc
        finally:
            pdf.close()
