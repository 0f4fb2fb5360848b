"""Plain text and markdown reader: lines kept, tab tables to pipe rows, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.model import DocumentError, Limits
from flows.readers import MARKDOWN, TEXT, read_document
from flows.readers.text import tabs_to_pipe_rows

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_cd0088245f7f7ca7.txt"


def test_lines_are_kept_as_decoded() -> None:
    data = b"# CPT 47383\r\n\r\nSummary & Overview\r\n  indented  line  \r\n| a | b |\r\n"
    doc = read_document(data, MARKDOWN, Limits())
    assert doc.text == "# CPT 47383\n\nSummary & Overview\n  indented  line  \n| a | b |\n"
    assert doc.media_type == MARKDOWN
    assert doc.page_starts is None and doc.page_at(3) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a run of tab-separated lines becomes pipe rows
        (
            "Codes:\nCode\tDescriptor\tStatus\n47383\tAblation | cryo\tCovered\nend",
            "Codes:\n| Code | Descriptor | Status |\n| 47383 | Ablation / cryo | Covered |\nend",
        ),
        # TSV semantics: two tabs in a row make an empty cell
        ("a\t\tc\nd\te\tf", "| a |  | c |\n| d | e | f |"),
        # a single line with tabs is alignment, not a table
        ("Effective:\t\t01/01/2025\nnext", "Effective:\t\t01/01/2025\nnext"),
        # one tab per line is not enough
        ("a\tb\nc\td", "a\tb\nc\td"),
        # lines that already hold pipes are never rewritten
        ("| a\tb\tc |\n| d\te\tf |", "| a\tb\tc |\n| d\te\tf |"),
    ],
)
def test_tabs_to_pipe_rows(text: str, expected: str) -> None:
    assert tabs_to_pipe_rows(text) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_file"),
        (b" \r\n\t\n", "empty_file"),
        (b"\x00\x01\x02\x03\x04\x05" * 50, "binary_content"),
    ],
)
def test_rejected_text(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as info:
        read_document(data, TEXT, Limits())
    assert info.value.reason == reason


def test_text_limit() -> None:
    with pytest.raises(DocumentError) as info:
        read_document(b"x" * 101, TEXT, Limits(max_text_chars=100))
    assert info.value.reason == "text_too_large"
    assert read_document(b"x" * 100, TEXT, Limits(max_text_chars=100)).text == "x" * 100


def test_file_size_limit() -> None:
    with pytest.raises(DocumentError) as info:
        read_document(b"x" * 101, TEXT, Limits(max_file_bytes=100))
    assert info.value.reason == "file_too_large"


def test_unsupported_media_type() -> None:
    with pytest.raises(DocumentError) as info:
        read_document(b"a,b\n", "text/csv", Limits())
    assert info.value.reason == "unsupported_type"


def test_media_type_parameters_are_ignored() -> None:
    assert read_document(b"ok", "text/plain; charset=utf-8", Limits()).text == "ok"


@pytest.mark.skipif(not SEED.exists(), reason="shared seed report not present")
def test_seed_code_report_reads_unchanged() -> None:
    raw = SEED.read_bytes()
    doc = read_document(raw, TEXT, Limits())
    assert doc.text == raw.decode("utf-8").replace("\r\n", "\n")
    assert "47383" in doc.text
