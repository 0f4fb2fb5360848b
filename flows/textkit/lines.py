"""Lines with their offsets, inline markup, bullets, and table rows (pipe rows and the
whitespace-aligned rows PDFs give)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

# --- lines -------------------------------------------------------------------------------


class Line(NamedTuple):
    """One line of a document with its character span in the document text.

    A NamedTuple, not a frozen dataclass: documents split into millions of lines, and a
    tuple is several times cheaper to build.
    """

    start: int
    end: int
    text: str


_new_tuple = tuple.__new__


def iter_lines(text: str) -> Iterator[Line]:
    """Yield every line (without its newline) with offsets into `text`."""
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        # The Line that Line(pos, end, raw) makes, without its Python-level __new__.
        yield _new_tuple(Line, (pos, end, raw))
        pos = end + 1


_EMPHASIS = re.compile(r"\*\*|__|`")


def clean_inline(value: str) -> str:
    """Strip markdown emphasis and collapse whitespace."""
    if "**" in value or "__" in value or "`" in value:
        value = _EMPHASIS.sub("", value)
    return " ".join(value.split())


_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+(.*)$")


def strip_bullet(line: str) -> tuple[bool, str]:
    """Return (is_list_item, text without its bullet or number marker)."""
    body = line.lstrip()
    first = body[:1]
    # Only a bullet character or a digit can start a list marker: skip the regex otherwise.
    if first and (first in "-*•·" or first.isdigit()):
        m = _BULLET.match(line)
        if m:
            return True, m.group(1).strip()
    return False, body.rstrip()


# --- table rows --------------------------------------------------------------------------

_ALIGN_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_CELL_GAP = re.compile(r"\t+|\s{2,}")


def split_pipe_row(line: str) -> list[str] | None:
    """Split a pipe-table row (`| a | b |` or `a | b`) into stripped cells, else None."""
    if "|" not in line:
        return None
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    parts = body.split("|")
    if len(parts) < 2 and not line.strip().startswith("|"):
        return None
    if "**" in body or "__" in body or "`" in body:
        return [clean_inline(c) for c in parts]
    # No cell holds emphasis when the row holds none: clean_inline is a whitespace collapse.
    return [" ".join(c.split()) for c in parts]


def is_pipe_row(line: str) -> bool:
    """`split_pipe_row(line) is not None`, without cleaning the cells."""
    if "|" not in line:
        return False
    body = line.strip()
    if body.startswith("|"):
        return True
    return "|" in (body[:-1] if body.endswith("|") else body)


def is_alignment_row(cells: list[str]) -> bool:
    """True for a markdown alignment row such as `|:---|:---:|`."""
    for cell in cells:  # a loop, not all() over a generator: most rows fail at cell one
        if cell and not _ALIGN_CELL.match(cell):
            return False
    return any(cells)


def split_aligned_row(line: str) -> list[str] | None:
    """Split a whitespace-aligned row (cells separated by 2+ spaces or tabs), as PDFs give."""
    if "\t" not in line and "  " not in line and line.isascii() and line.isprintable():
        return None  # no gap of two or more whitespace characters: one cell at most
    cells = [c.strip() for c in _CELL_GAP.split(line.strip()) if c.strip()]
    return cells if len(cells) >= 2 else None
