"""Plain text and markdown files to DocumentText: decoded, LF line endings, lines kept as-is.

The one rewrite: a run of two or more lines that each hold two or more tabs (a pasted
spreadsheet) becomes pipe rows, so extractors see one table convention.
"""

from __future__ import annotations

from flows.model import DocumentError, DocumentText, Limits
from flows.readers.decode import decode_text
from flows.readers.limits import check_text_size

_MIN_TABS = 2
_MIN_ROWS = 2


def _is_tab_row(line: str) -> bool:
    tabs = line.count("\t")
    if tabs < _MIN_TABS:
        return False
    stripped = line.strip()
    # Pipe rows (with or without outer pipes) are already in the table convention.
    is_pipe_row = stripped.startswith("|") or stripped.endswith("|") or line.count("|") >= tabs
    return bool(stripped) and not is_pipe_row


def pipe_row(cells: list[str]) -> str:
    """`| a | b |` with cell text whitespace-collapsed and `|` inside a cell written as `/`."""
    cleaned = [" ".join(cell.replace("|", "/").split()) for cell in cells]
    return "| " + " | ".join(cleaned) + " |"


def tabs_to_pipe_rows(text: str) -> str:
    """Rewrite runs of >= 2 consecutive tab-separated lines (>= 2 tabs each) as pipe rows.

    A lone line with tabs is usually alignment ("Effective:\\t\\t01/01/2025"), not a table,
    so it is left alone. Each tab separates two cells (TSV semantics: `a\\t\\tb` has an
    empty middle cell) and the line count never changes, so line numbers stay valid.
    """
    if "\t" not in text:
        return text
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not _is_tab_row(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and _is_tab_row(lines[j]):
            j += 1
        if j - i >= _MIN_ROWS:
            for k in range(i, j):
                lines[k] = pipe_row(lines[k].rstrip("\r ").split("\t"))
        i = j
    return "\n".join(lines)


def read_text(data: bytes, media_type: str, limits: Limits) -> DocumentText:
    """Decode a text/plain or text/markdown file.

    Raises DocumentError: `empty_file` (no bytes or only whitespace), `decode_error`,
    `binary_content`, `text_too_large`.
    """
    # A character takes at most 4 bytes and CRLF -> LF halves at most: a cheap early refusal.
    check_text_size(len(data) // 8, limits, "text")
    text = decode_text(data)
    if not text or text.isspace():  # what `not text.strip()` says, without a copy
        raise DocumentError(
            "empty_file",
            "The file holds only whitespace, no text; re-export it from its source.",
        )
    text = tabs_to_pipe_rows(text)
    check_text_size(len(text), limits, "text")
    return DocumentText(text=text, media_type=media_type)
