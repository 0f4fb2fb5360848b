"""The statements that group a policy's code lists: coverage headings, grouping lines ("CPT
codes covered if selection criteria are met:") and Medicare group paragraphs, which of them
is in force, and when a heading ends them."""

from __future__ import annotations

from dataclasses import dataclass

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import _NEGATIVE, UNSPECIFIED, _memo
from flows.extract.payer_policy.codes import (
    _GROUP_HEADING,
    _MENTIONS_CODES,
    _sub_label,
    is_code_label,
)
from flows.extract.payer_policy.coverage import _coverage, prior_auth_of
from flows.extract.payer_policy.lines import _Item
from flows.textkit.headings import heading_key


@dataclass(slots=True)
class _Group:
    """A grouping statement in force: its coverage (None when it states none), text, and
    the prior authorization it states (None when it states none)."""

    coverage: str | None
    text: str
    level: int
    prior_auth: str | None = None


def _group(text: str, level: int, coverage: str | None = None) -> _Group:
    return _Group(coverage or _coverage(text), text, level, prior_auth_of(text))


@dataclass(slots=True)
class _Groups:
    """The statements a code row sits under, outermost first: a coverage heading
    ("Considered Experimental/Investigational/Unproven"), a grouping line below it ("CPT
    codes covered if selection criteria are met:"), and a Medicare group paragraph."""

    heading: _Group | None = None
    statement: _Group | None = None
    paragraph: _Group | None = None

    def innermost(self) -> _Group | None:
        return self.paragraph or self.statement or self.heading

    def prior_auth(self, default: str) -> str:
        """The prior authorization the innermost statement that states one gives."""
        for g in (self.paragraph, self.statement, self.heading):
            if g is not None and g.prior_auth is not None:
                return g.prior_auth
        return default

    def resolve(self, heading_decides: bool) -> tuple[str, str | None]:
        """(coverage, coverage_text) for a code here.

        A negative statement at any level wins, so a code under "not covered" or
        "experimental" is never published as covered. In Medicare the code section's own
        title ("ICD-10-CM Codes that Support Medical Necessity") outranks the group
        paragraph beneath it.
        """
        inner_first = [g for g in (self.paragraph, self.statement, self.heading) if g]
        if heading_decides:
            for g in reversed(inner_first):
                if g.coverage is not None:
                    return g.coverage, g.text
        for g in inner_first:
            if g.coverage in _NEGATIVE:
                return g.coverage, g.text
        for g in inner_first:
            if g.coverage is not None:
                return g.coverage, g.text
        return UNSPECIFIED, inner_first[0].text if inner_first else None


@_memo(4096)
def _heading_text_resets(text: str) -> bool | None:
    """What a heading's text alone says about `_heading_resets` (None: it depends on the
    heading's level and the group in force)."""
    if _GROUP_HEADING.match(text):
        return False
    if is_code_label(text):
        return not _sub_label(text)
    key = heading_key(text)
    if any(
        p.search(key) for p in (pl.NARRATIVE_SECTION, pl.REVISION_SECTION, pl.STRUCTURAL_SECTION)
    ):
        return True
    return None


def _heading_resets(text: str, level: int, group: _Group | None, raw: str) -> bool:
    """Whether a heading without coverage ends the grouping statement in force.

    Marked headings nest by level. An unmarked (PDF) heading is taken as a new section,
    so "Nationally Non-Covered Indications" does not reach the code list two headings on,
    unless it ends with a colon and so introduces the lines under it."""
    resets = _heading_text_resets(text)
    if resets is not None:
        return resets
    if level > 0:
        return group is None or group.level == 0 or level <= group.level
    return not raw.rstrip(" *_").endswith(":")


def _is_grouping(item: _Item, items: list[_Item], idx: int) -> bool:
    """Whether a text line is a grouping statement for the code rows that follow it."""
    facts = _grouping_facts(item.text)
    if facts is None:
        return False
    has_coverage, short, ends_with_colon, speaks_of_codes = facts
    structural = item.single_cell or ends_with_colon
    if not has_coverage:
        # "Other CPT codes related to the CPB:" ends the group above it.
        return structural and speaks_of_codes and short
    if short and (structural or (speaks_of_codes and not item.text.endswith("."))):
        return True
    return _codes_follow(items, idx)


@_memo(8192)
def _grouping_facts(text: str) -> tuple[bool, bool, bool, bool] | None:
    """What `_is_grouping` reads in a line's text: None when it never groups (too long, or
    a code label), else whether it states a coverage, is short, ends with a colon, and
    speaks of codes."""
    if len(text) > 600 or is_code_label(text):
        return None
    return (
        _coverage(text) is not None,
        len(text) <= 300,
        text.endswith(":"),
        bool(_MENTIONS_CODES.search(text)),
    )


def _codes_follow(items: list[_Item], idx: int) -> bool:
    for j in range(idx + 1, len(items)):
        item = items[j]
        if item.kind in ("blank", "header") or (item.kind == "heading" and _sub_label(item.text)):
            continue
        return item.kind == "codes"
    return False
