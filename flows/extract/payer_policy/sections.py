"""What each section of a policy is for (codes, narrative, revision history), from the
heading lexicon."""

from __future__ import annotations

import bisect
import re

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    _memo,
)
from flows.extract.payer_policy.codes import (
    _GROUP_LINE,
    _MENTIONS_CODES,
    is_code_label,
)
from flows.extract.payer_policy.coverage import (
    _coverage,
)
from flows.extract.payer_policy.labels import (
    _label_of,
)
from flows.extract.sections import Section
from flows.textkit.headings import heading_key
from flows.textkit.lines import Line

# --- sections and modes ---------------------------------------------------------------------


@_memo(4096)
def _section_mode(heading: str) -> str | None:
    """`narrative`, `revisions` or `codes` for a known section heading, None if unknown."""
    if _coverage(heading) or _label_of(heading) or _GROUP_LINE.match(heading):
        return None
    key = heading_key(heading)
    if pl.REVISION_SECTION.search(key):
        return "revisions"
    if pl.NARRATIVE_SECTION.search(key):
        return "narrative"
    if pl.STRUCTURAL_SECTION.search(key) or _MENTIONS_CODES.search(heading):
        return "codes"
    return None


def _section_modes(sections: list[Section]) -> list[str]:
    """Mode of each section. Unknown sub-headings inherit their parent's mode; in PDFs
    (unmarked headings, level 0) nesting is unknown, so they inherit too."""
    modes: list[str] = []
    mode, mode_level = "codes", 0
    previous: str | None = None
    for s in sections:
        if s.heading is not None and previous is not None and _column_after(previous, s.heading):
            pass  # "Procedure Code" then "Description": a PDF table's header, one cell a line
        elif s.heading is not None:
            known = _section_mode(s.heading)
            if known is not None:
                mode, mode_level = known, s.level
            elif s.level and (mode_level == 0 or s.level <= mode_level):
                mode, mode_level = "codes", s.level
        modes.append(mode)
        previous = s.heading
    return modes


_COLUMN_WORDS = re.compile(r"^(?:code\s+)?(?:description|descriptor|comments?|notes?)s?$", re.I)


def _column_after(previous: str, heading: str) -> bool:
    """A heading that is a table column ("Description") right under a code column label."""
    return is_code_label(previous) and bool(_COLUMN_WORDS.match(heading.strip()))


def _line_modes(lines: list[Line], starts: list[int], section_modes: list[str]) -> list[str]:
    """The mode of the section each line sits in (`codes` before the first section)."""
    modes = []
    at = bisect.bisect_right(starts, lines[0].start) - 1 if lines else -1
    upcoming = starts[at + 1] if at + 1 < len(starts) else None
    for line in lines:
        while upcoming is not None and line.start >= upcoming:
            at += 1
            upcoming = starts[at + 1] if at + 1 < len(starts) else None
        modes.append(section_modes[at] if at >= 0 else "codes")
    return modes
