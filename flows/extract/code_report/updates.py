"""`code_policy_updates` rows: the dated lines of a policy-updates section."""

from __future__ import annotations

import re

from flows.extract.code_report.base import _Locator, _row_cells
from flows.extract.sections import Section
from flows.model import Extraction
from flows.textkit.dates import first_date
from flows.textkit.lines import clean_inline, is_alignment_row, strip_bullet
from flows.textkit.memo import text_memo
from schemas.datasets import CODE_POLICY_UPDATES
from schemas.reference import payer_registry

_DIGIT = re.compile(r"\d")
_UPDATE_EDGES = re.compile(r"^[\s|:–—-]+|[\s|]+$")
_CELL_SEPARATOR = re.compile(r"\s*\|\s*")
#: Every character `\s` matches (those `str.isspace` accepts; none is above U+3000), and
#: the edges `_UPDATE_EDGES` strips on each side, for str.strip.
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_UPDATE_LEAD = _WHITESPACE + "|:–—-"
_UPDATE_TRAIL = _WHITESPACE + "|"


def _extract_updates(out: Extraction, code: str, section: Section, where: _Locator) -> None:
    for line in section.lines:
        cells = _row_cells(line.text)
        if cells is not None and is_alignment_row(cells):
            continue
        text = " | ".join(cells) if cells else line.text
        if not _DIGIT.search(text):
            continue  # every date spelling has a digit; the date pattern is the costly part
        dated = first_date(text)
        if dated is None:
            continue
        when, start, end = dated
        summary = (text[:start] + text[end:]).strip()
        summary = _strip_update_edges(strip_bullet(summary)[1])
        if "|" in summary:
            summary = _CELL_SEPARATOR.sub(" | ", summary)
        out.add(
            CODE_POLICY_UPDATES.name,
            {
                "code": code,
                "update_date": when,
                "payer_id": _first_payer_id(summary),
                "summary": clean_inline(summary) or None,
                **where.provenance(line.start, line.end),
            },
        )


@text_memo(4096)
def _first_payer_id(text: str) -> str | None:
    """The payer of the first payer mention in `text` (memoised: update lines repeat)."""
    mention = payer_registry().first(text)
    return mention.payer_id if mention else None


def _strip_update_edges(summary: str) -> str:
    """`_UPDATE_EDGES.sub("", summary)` as two strips: the pattern's trailing alternative
    is tried at every position of the line."""
    return summary.lstrip(_UPDATE_LEAD).rstrip(_UPDATE_TRAIL)
