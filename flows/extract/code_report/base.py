"""What the code-report section extractors share: the section roles, memoised row and label
parsers, and the map from character offsets to sections."""

from __future__ import annotations

import bisect
from typing import Any

from flows.extract.sections import Section
from flows.textkit.labels import label_value
from flows.textkit.lines import split_pipe_row
from flows.textkit.memo import text_memo

# Canonical section roles, keyed by normalised heading text (see
# flows.textkit.headings.heading_key).
SECTION_ROLES: dict[str, str] = {
    "summary and overview": "summary",
    "summary": "summary",
    "overview": "summary",
    "executive summary": "summary",
    "payer coverage considerations": "coverage",
    "payer coverage": "coverage",
    "coverage considerations": "coverage",
    "payer coverage and policies": "coverage",
    "payer policies": "coverage",
    "payer considerations": "coverage",
    "coverage by payer": "coverage",
    "policy updates": "updates",
    "recent policy updates": "updates",
    "policy changes": "updates",
    "policy updates and changes": "updates",
    "benchmarks": "benchmarks",
    "payment benchmarks": "benchmarks",
    "reimbursement benchmarks": "benchmarks",
    "benchmarks and payment": "benchmarks",
    "financial benchmarks": "benchmarks",
    "documentation requirements": "documentation",
    "documentation elements": "documentation",
    "documentation": "documentation",
    "required documentation": "documentation",
    "billing considerations": "documentation",
    "modifiers": "modifiers",
    "common modifiers": "modifiers",
    "billing modifiers": "modifiers",
    "modifier guidance": "modifiers",
    "coding specifications": "modifiers",
}

#: `split_pipe_row` and `label_value`, memoised: reports repeat their table rows and
#: labelled lines. The cells are shared, never changed.
_pipe_row_cells = text_memo(8192)(split_pipe_row)
_label_value = text_memo(16384)(label_value)


def _row_cells(line: str) -> list[str] | None:
    """`split_pipe_row(line)`; only lines with a pipe reach the memo (prose would churn it)."""
    return _pipe_row_cells(line) if "|" in line else None


def _role(section: Section) -> str | None:
    return SECTION_ROLES.get(section.key)


class _Locator:
    """Maps character offsets to the section that holds them."""

    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections
        self.starts = [s.char_start for s in sections]

    def section_at(self, offset: int) -> Section | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.sections[i] if i >= 0 else None

    def provenance(self, start: int, end: int) -> dict[str, Any]:
        i = bisect.bisect_right(self.starts, start) - 1  # section_at, inlined: a hot path
        return {
            "section_ordinal": self.sections[i].ordinal if i >= 0 else None,
            "char_start": start,
            "char_end": end,
        }
