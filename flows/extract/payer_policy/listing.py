"""Which codes a policy lists, and the statement or heading that governs each list:
one `policy_codes` row per code and coverage."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from flows.extract import policy_layouts as pl
from flows.extract.payer_policy.base import (
    _NEGATIVE,
    REASON_BAD_CODE_RANGE,
    UNSPECIFIED,
    _memo,
    _system_of,
)
from flows.extract.payer_policy.codes import (
    _GROUP_HEADING,
    _GROUP_LINE,
    _MENTIONS_CODES,
    _Code,
    _codes_in_statement,
    _expand,
    _named_in_statements,
    _sub_label,
    is_code_label,
)
from flows.extract.payer_policy.coverage import (
    _coverage,
)
from flows.extract.payer_policy.lines import (
    _Item,
)
from flows.model import STAGE_PARSE, DocumentText, Problem
from flows.text import (
    heading_key,
)

# --- code grouping --------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """A grouping statement in force: its coverage (None when it states none) and text."""

    coverage: str | None
    text: str
    level: int


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


# --- records --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    """What every record of one document shares, and where record-level problems go."""

    doc: DocumentText
    payer_id: str
    policy_id: str
    layout: pl.Layout
    section_starts: list[int]
    problems: list[Problem]

    def ordinal_at(self, offset: int) -> int | None:
        if not self.section_starts:
            return None
        return max(0, bisect.bisect_right(self.section_starts, offset) - 1)

    def code_rows(
        self,
        code: _Code,
        item: _Item,
        cursor: int,
        coverages: list[tuple[str, str | None]],
        description: str | None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Rows for one code or range found in `item`'s text at or after `cursor` (one per
        code of an expanded range and per coverage), and the cursor past it."""
        base = item.line.start
        text, limit = self.doc.text, item.end
        at = text.find(code.first, base + cursor, limit) - base
        if at < 0:
            at = cursor
        end = at + len(code.first)
        if code.last is not None:
            last_at = text.find(code.last, base + end, limit) - base
            end = last_at + len(code.last) if last_at >= 0 else end
        start, stop = base + at, base + end
        codes, bad = _expand(code)
        if bad:
            self.problems.append(
                Problem(
                    STAGE_PARSE,
                    REASON_BAD_CODE_RANGE,
                    f"Code range {code.first}-{code.last} cannot be expanded; kept its endpoints.",
                    {"code_range": f"{code.first}-{code.last}", "char_start": start},
                )
            )
        ordinal = self.ordinal_at(start)
        page = self.doc.page_at(start)
        rows = [
            {
                "payer_id": self.payer_id,
                "policy_id": self.policy_id,
                "code": one,
                "code_system": _system_of(one),
                "coverage": coverage,
                "coverage_text": coverage_text,
                "description": description or None,
                "section_ordinal": ordinal,
                "char_start": start,
                "char_end": stop,
                "page": page,
            }
            for one in codes
            for coverage, coverage_text in coverages
        ]
        return rows, end


_NA_PARAGRAPH = re.compile(r"n/?a\.?", re.IGNORECASE)


def _policy_code_rows(ctx: _Context, items: list[_Item], modes: list[str]) -> list[dict[str, Any]]:
    """`policy_codes` rows: codes in tables and lists under the grouping statements in
    force, plus codes named in coverage statements; one row per (code, coverage)."""
    candidates: list[dict[str, Any]] = []
    # Coverage that statements gave each code, which a reference-only code table (UHC's
    # "Applicable Codes") borrows.
    named: dict[str, list[tuple[str, str | None]]] = {}
    decides = ctx.layout.heading_decides
    groups = _Groups()
    paragraph: list[str] | None = None  # a Medicare group paragraph being read
    section_level = 0
    last_rows: list[dict[str, Any]] = []

    def add(item: _Item, codes: list[_Code], coverage: str, text: str | None) -> None:
        cursor = 0
        for code in codes:
            found, cursor = ctx.code_rows(code, item, cursor, [(coverage, text)], None)
            candidates.extend(found)
            for row in found:
                if coverage != UNSPECIFIED and (coverage, text) not in named.get(row["code"], []):
                    named.setdefault(row["code"], []).append((coverage, text))

    def add_named_in_statements(item: _Item) -> None:
        """Codes named in a coverage sentence ("... (CPT 0581T) is unproven ...") take its
        coverage, unless a negative coverage heading is in force."""
        for coverage, codes, text in _named_in_statements(item.text):
            heading = groups.heading
            if heading and heading.coverage in _NEGATIVE and coverage not in _NEGATIVE:
                coverage, text = heading.coverage, heading.text
            add(item, codes, coverage, text)

    def close_paragraph() -> None:
        nonlocal paragraph
        if paragraph is not None:
            text = " ".join(paragraph).strip()
            if text and not _NA_PARAGRAPH.fullmatch(text):
                groups.paragraph = _Group(_coverage(text), text, section_level)
            paragraph = None

    for idx, (item, mode) in enumerate(zip(items, modes, strict=True)):
        if item.kind == "merged":
            continue
        # Rows of the line just above, which a wrapped PDF descriptor may continue.
        previous_rows, last_rows = last_rows, []
        if mode != "codes":
            if item.kind == "heading":
                groups, paragraph, section_level = _Groups(), None, item.level
            continue
        if item.kind == "blank":
            continue
        probe = item.label or "" if item.kind == "codes" else item.text
        group_line = _GROUP_LINE.match(probe) if probe[:1] in ("G", "g") else None
        if group_line and group_line.group("part").lower() == "paragraph":
            paragraph = [group_line.group("rest")] if group_line.group("rest") else []
            groups.paragraph = None
            continue
        if paragraph is not None and item.kind == "heading" and not item.level and not group_line:
            paragraph.append(item.text)  # "N/A" reads as an ALL-CAPS heading
            continue
        if group_line or item.kind in ("heading", "header", "codes"):
            close_paragraph()
        if group_line and item.kind != "codes":
            continue  # "Group 1 Codes:" with the codes on the lines below
        if item.kind == "heading":
            coverage = _coverage(item.text)
            if coverage is not None:
                groups = _Groups(heading=_Group(coverage, item.text, item.level))
            elif _sub_label(item.text):
                pass  # "CPT®* Codes" inside a group
            elif _heading_resets(item.text, item.level, groups.innermost(), item.line.text):
                groups, section_level = _Groups(), item.level
            elif item.level:
                section_level = item.level
            continue
        if item.kind == "header":
            continue
        if item.kind == "text":
            if previous_rows and not item.pipe and item.text[:1].islower():
                # A PDF descriptor wrapped onto the next line.
                for row in previous_rows:
                    row["description"] = f"{row['description'] or ''} {item.text}".strip()
                last_rows = previous_rows
                continue
            if paragraph is not None:
                paragraph.append(item.text)
            elif _is_grouping(item, items, idx):
                groups.statement = _Group(_coverage(item.text), item.text, section_level)
                groups.paragraph = None
            elif item.bullet and groups.innermost() and _coverage(item.text) is None:
                # "The following are unproven ...:" then "- Ultrasound guidance (CPT 0213T)".
                add(item, _codes_in_statement(item.text), *groups.resolve(decides))
                continue
            add_named_in_statements(item)
            continue
        # a code row
        if item.label and not group_line and not is_code_label(item.label):
            groups.statement = _Group(_coverage(item.label), item.label, section_level)
            groups.paragraph = None
        coverage, text = groups.resolve(decides)
        rows: list[dict[str, Any]] = []
        cursor = 0
        for code in item.codes:
            first = code.first.upper()
            # A reference-only list borrows the coverage a statement gave the code.
            coverages = named[first] if coverage == UNSPECIFIED and first in named else None
            found, cursor = ctx.code_rows(
                code, item, cursor, coverages or [(coverage, text)], item.description
            )
            rows.extend(found)
        candidates.extend(rows)
        last_rows = [] if item.pipe else rows
    return _dedupe_codes(candidates)


def _dedupe_codes(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(candidates, key=lambda r: r["char_start"]):
        kept = rows.setdefault((row["code"], row["coverage"]), row)
        if kept is not row and kept["description"] is None and row["description"]:
            kept["description"] = row["description"]
    return list(rows.values())
