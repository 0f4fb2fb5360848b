"""Builders for reader tests: small PDFs (fpdf2) and DOCX files (python-docx) made in memory.

A plain module (not conftest) so tests can import the functions directly.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence

import docx
from docx.document import Document as WordDocument
from fpdf import FPDF


def build_pdf(pages: Sequence[Sequence[str]], *, user_password: str | None = None) -> bytes:
    """A PDF with one text line per string, one page per inner sequence."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


def build_docx(fill: Callable[[WordDocument], object]) -> bytes:
    """A .docx made by python-docx after `fill(document)` added content."""
    document = docx.Document()
    fill(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The same zip with member `name` replaced by `content`."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = content if info.filename == name else source.read(info.filename)
            target.writestr(info.filename, body)
    return out.getvalue()
