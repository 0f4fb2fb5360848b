"""PDF reader: page text and offsets, and every refusal reason."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fpdf import FPDF
from reader_builders import build_pdf

from flows.model import DocumentError, Limits
from flows.readers import PDF, read_document
from flows.readers.pdf import looks_truncated

TWO_PAGES = [
    ["Clinical Policy Bulletin 0123", "Ablation of Liver Tumors"],
    ["Page two: Revision History", "02/03/2025 Reviewed"],
]


def read(data: bytes, limits: Limits | None = None) -> str:
    return read_document(data, PDF, limits or Limits()).text


def reason_of(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(DocumentError) as info:
        read_document(data, PDF, limits or Limits())
    assert info.value.message.endswith(".")
    return info.value.reason


def test_two_pages_with_page_offsets() -> None:
    doc = read_document(build_pdf(TWO_PAGES), PDF, Limits())
    assert doc.text.split("\n") == [
        "Clinical Policy Bulletin 0123",
        "Ablation of Liver Tumors",
        "Page two: Revision History",
        "02/03/2025 Reviewed",
    ]
    assert "\r" not in doc.text
    second = doc.text.index("Page two")
    assert doc.page_starts == [0, second]
    assert doc.page_at(0) == 1
    assert doc.page_at(doc.text.index("Liver")) == 1
    assert doc.page_at(second) == 2
    assert doc.page_at(len(doc.text) - 1) == 2
    assert doc.media_type == PDF


def test_empty_page_still_gets_an_offset() -> None:
    doc = read_document(build_pdf([["First"], [], ["Third"]]), PDF, Limits())
    assert doc.text == "First\n\nThird"
    assert doc.page_starts == [0, 6, 7]
    assert doc.page_at(doc.text.index("Third")) == 3


def test_table_row_stays_on_one_line() -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    pdf.add_page()
    with pdf.table() as table:
        for values in [("Code", "Description", "Coverage"), ("47383", "Ablation", "Covered")]:
            row = table.row()
            for value in values:
                row.cell(value)
    lines = read(bytes(pdf.output())).split("\n")
    assert "47383 Ablation Covered" in lines
    assert "Code Description Coverage" in lines


def test_encrypted_pdf() -> None:
    assert reason_of(build_pdf([["secret"]], user_password="user")) == "pdf_encrypted"


def test_truncated_pdf() -> None:
    data = build_pdf(TWO_PAGES)
    assert reason_of(data[: len(data) // 2]) == "pdf_truncated"


def test_cut_off_incremental_update_is_truncated() -> None:
    data = build_pdf(TWO_PAGES) + b"\n5 0 obj\n<< /Type /Page >>\nendobj\nxref\n0 1\n"
    assert looks_truncated(data)
    assert reason_of(data) == "pdf_truncated"


def test_corrupt_pdf_with_end_marker() -> None:
    assert reason_of(b"%PDF-1.7\nthis is not a pdf body\n%%EOF\n") == "pdf_unreadable"


def test_not_a_pdf_at_all() -> None:
    assert reason_of(b"<html>saved error page</html>") == "pdf_unreadable"


def test_scanned_pdf_without_text_layer() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    assert reason_of(bytes(pdf.output())) == "no_text_layer"


def test_too_many_pages() -> None:
    data = build_pdf([["one"], ["two"], ["three"]])
    assert reason_of(data, Limits(max_pdf_pages=2)) == "too_many_pages"
    assert read(data, Limits(max_pdf_pages=3)).startswith("one")


def test_timeout_is_checked_between_pages() -> None:
    assert reason_of(build_pdf(TWO_PAGES), Limits(pdf_seconds=-1)) == "timeout"


def test_text_limit() -> None:
    assert reason_of(build_pdf(TWO_PAGES), Limits(max_text_chars=20)) == "text_too_large"


def test_empty_file() -> None:
    assert reason_of(b"") == "empty_file"


def test_concurrent_reads_from_threads() -> None:
    # PDFium is not thread-safe; the reader serialises it, so threads get correct text.
    documents = [build_pdf([[f"Policy {i}"], [f"Page two of {i}"]]) for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(read, documents))
    assert texts == [f"Policy {i}\nPage two of {i}" for i in range(8)]
