"""Property tests: for any input, sniffing never raises and reading returns text or a reason."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_builders import build_docx, build_pdf

from flows.model import DocumentError, DocumentText, Limits
from flows.readers import (
    DOCX,
    HTML,
    MARKDOWN,
    MEDIA_TYPES,
    PDF,
    TEXT,
    read_document,
    sniff_media_type,
)

REASONS = {
    "empty_file",
    "decode_error",
    "binary_content",
    "text_too_large",
    "file_too_large",
    "pdf_encrypted",
    "pdf_truncated",
    "pdf_unreadable",
    "no_text_layer",
    "too_many_pages",
    "timeout",
    "zip_bomb",
    "docx_unreadable",
    "unsupported_type",
}
ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "cp1252",
    "latin-1",
]
MARKUP = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<table>",
        "<tr>",
        "<td colspan=3>",
        "<td rowspan=0>",
        "</td>",
        "<br>",
        "<li>",
        "<h2>",
        "</h2>",
        "<script>",
        "<!--",
        "-->",
        "<!DOCTYPE x [",
        "]>",
        "&amp;",
        "&#0;",
        "|",
        "\t",
        "\r\n",
        "<header>",
        "<form>",
        "<pre>",
        "<?xml ",
        "<th>",
    ]
)


def check(data: bytes, media_type: str) -> None:
    try:
        doc = read_document(data, media_type, Limits())
    except DocumentError as exc:
        assert exc.reason in REASONS
        assert exc.message
        return
    assert isinstance(doc, DocumentText)
    assert "\r" not in doc.text
    assert "\x00" not in doc.text


def encoded_text() -> st.SearchStrategy[bytes]:
    def encode(text: str, encoding: str) -> bytes:
        return text.encode(encoding, errors="replace")

    return st.builds(encode, st.text(), st.sampled_from(ENCODINGS))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2048) | encoded_text(), name=st.text(max_size=30))
def test_sniff_never_raises(data: bytes, name: str) -> None:
    assert sniff_media_type(data, name) in (None, *MEDIA_TYPES)


@pytest.mark.parametrize("media_type", [TEXT, MARKDOWN, HTML])
@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2048) | encoded_text())
def test_text_formats_read_or_refuse(media_type: str, data: bytes) -> None:
    check(data, media_type)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(MARKUP | st.text(max_size=10), max_size=60))
def test_html_soup_reads_or_refuses(pieces: list[str]) -> None:
    check("".join(pieces).encode(), HTML)


@pytest.mark.parametrize("media_type", [PDF, DOCX])
@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=4096))
def test_binary_formats_read_or_refuse(media_type: str, data: bytes) -> None:
    check(data, media_type)


VALID_PDF = build_pdf([["Policy 0123"], ["Page two"]])
VALID_DOCX = build_docx(lambda d: (d.add_heading("Policy", 1), d.add_paragraph("Text")))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(VALID_PDF)), flips=st.binary(max_size=8))
def test_damaged_pdfs_read_or_refuse(cut: int, flips: bytes) -> None:
    data = bytearray(VALID_PDF[:cut])
    for i, value in enumerate(flips):
        if data:
            data[(i * 7919) % len(data)] = value
    check(bytes(data), PDF)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(VALID_DOCX)), flips=st.binary(max_size=8))
def test_damaged_docx_read_or_refuse(cut: int, flips: bytes) -> None:
    data = bytearray(VALID_DOCX[:cut])
    for i, value in enumerate(flips):
        if data:
            data[(i * 7919) % len(data)] = value
    check(bytes(data), DOCX)
