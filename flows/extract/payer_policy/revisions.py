"""Revision-history entries: dated rows of the history sections."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flows.extract.payer_policy.base import (
    _memo,
)
from flows.extract.payer_policy.labels import (
    _row_facts,
    _row_label,
)
from flows.extract.payer_policy.listing import (
    _Context,
)
from flows.textkit.dates import DATE_IN_TEXT, find_dates
from flows.textkit.lines import Line, clean_inline, split_aligned_row, strip_bullet

_ALNUM = re.compile(r"[A-Za-z0-9]")


@_memo(8192)
def _date_cell(cell: str) -> date | None:
    """The date when a cell holds nothing but a date (`02/01/2026`, `01/2026`)."""
    found = find_dates(cell)
    if len(found) != 1:
        return None
    when, start, end = found[0]
    rest = cell[:start] + cell[end:]
    return when if not _ALNUM.search(rest) else None


@_memo(8192)
def _leading_date(text: str) -> tuple[date, str] | None:
    """(date, rest) for a line that starts with a date ("02/01/2026: Revised ...")."""
    m = DATE_IN_TEXT.match(text)
    found = find_dates(m.group()) if m else []
    return (found[0][0], text[m.end() :].strip(" \t:-–—|")) if m and found else None


def _revision_rows(
    ctx: _Context,
    lines: list[Line],
    modes: list[str],
    row_cells: list[list[str] | None],
    headings: dict[int, tuple[int, str]],
) -> list[dict[str, Any]]:
    """Dated rows of revision-history sections: table rows (date in any column), aligned
    PDF rows, or lines starting with a date; undated lines continue the row above."""
    rows: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    parts: list[str] = []

    def close() -> None:
        nonlocal current, parts
        if current is not None:
            current["summary"] = "".join(parts).strip(" ;") or None
            rows.append(current)
        current, parts = None, []

    def start(when: date, line: Line) -> dict[str, Any]:
        close()
        return {
            "payer_id": ctx.payer_id,
            "policy_id": ctx.policy_id,
            "revision_date": when,
            "summary": None,
            "section_ordinal": ctx.ordinal_at(line.start),
            "char_start": line.start,
            "char_end": line.end,
        }

    for line, mode, cells in zip(lines, modes, row_cells, strict=True):
        if mode != "revisions":
            if current is not None:
                close()
            continue
        raw = line.text
        if not raw or raw.isspace():
            close()  # a paragraph after the history ("Physicians should check ...")
            continue
        if cells is None and line.start in headings:
            close()
            continue
        if cells is not None and _row_facts(raw) is None:
            continue  # an alignment row
        if cells is None:
            aligned = split_aligned_row(raw)
            if aligned and any(_date_cell(c) for c in aligned):
                cells = aligned
        if cells is not None:
            filled = [c for c in cells if c]
            if 0 < len(filled) <= 2 and _row_label(filled[0]):
                continue  # a header field ("| Last Review | 02/14/2026 |"), not a revision
            dated = [(i, d) for i, c in enumerate(cells) if c and (d := _date_cell(c))]
            if dated:
                at, when = dated[0]
                current = start(when, line)
                parts = ["; ".join(c for i, c in enumerate(cells) if c and i != at)]
            elif current is not None:
                parts.append("; " + "; ".join(filled))
                current["char_end"] = line.end
            continue
        bullet, text = strip_bullet(raw)
        text = clean_inline(text)
        lead = _leading_date(text)
        if lead:
            current = start(lead[0], line)
            parts = [lead[1]]
        elif current is not None:
            # A wrapped line continues the sentence; a list item is a change of its own.
            parts.append(("; " if bullet else " ") + text)
            current["char_end"] = line.end
    close()
    unique: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in rows:
        unique.setdefault((row["revision_date"], row["summary"]), row)
    return list(unique.values())
