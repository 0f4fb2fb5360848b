"""Which codes a policy lists, and the statement or heading that governs each list:
one `policy_codes` row per code and coverage."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    _NEGATIVE,
    PA_REQUIRED,
    PA_UNKNOWN,
    REASON_BAD_CODE_RANGE,
    UNSPECIFIED,
    _system_of,
)
from flows.extract.payer_policy.codes import (
    _GROUP_LINE,
    _Code,
    _codes_in_pa_statement,
    _codes_in_statement,
    _expand,
    _named_in_statements,
    _sub_label,
    is_code_label,
)
from flows.extract.payer_policy.coverage import (
    _coverage,
    _split_sentences,
    mentions_prior_auth,
    prior_auth_flag,
    prior_auth_of,
)
from flows.extract.payer_policy.grouping import (
    _Group,
    _group,
    _Groups,
    _heading_resets,
    _heading_text_resets,
    _is_grouping,
)
from flows.extract.payer_policy.lines import (
    _Item,
)
from flows.extract.payer_policy.sections import _column_after
from flows.model import STAGE_PARSE, DocumentText, Problem

# --- records --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    """What every record of one document shares, and where record-level problems go."""

    doc: DocumentText
    payer_id: str
    policy_id: str | None
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
        scope: tuple[str, str | None] = (PA_UNKNOWN, None),
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
        codes, bad, whole = _expand(code)
        from_range = code.last is not None and not (bad or whole)
        range_end = code.last.upper() if whole and code.last else None
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
                "prior_auth": scope[0],
                "listed_under": scope[1],
                "from_range": from_range,
                "range_end": range_end,
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


@dataclass(slots=True)
class Listing:
    """The `policy_codes` rows of a document, and whether it states any coverage or prior
    authorization at all."""

    rows: list[dict[str, Any]]
    states_coverage: bool


def _policy_code_rows(
    ctx: _Context, items: list[_Item], modes: list[str], pa_list: bool
) -> Listing:
    """`policy_codes` rows: codes in tables and lists under the grouping statements in
    force, plus codes named in coverage or prior-authorization statements; one row per
    (code, coverage, listed_under). `pa_list`: the document is a prior-authorization list
    (`is_prior_auth_list`)."""
    walk = _Walk(ctx, items, pa_list)
    step = walk.step
    for idx, (item, mode) in enumerate(zip(items, modes, strict=True)):
        kind = item.kind
        if kind == "merged":
            continue
        if kind == "blank" or (mode != "codes" and kind != "heading"):
            # Most lines (blank, or prose of a narrative section): what `step` does with
            # them, without the call.
            previous = walk.last_rows
            walk.previous_rows = previous
            keep = kind == "blank" and mode == "codes" and previous
            walk.last_rows = previous if keep and previous[0]["description"] is None else []
            continue
        step(idx, item, mode)
    return Listing(_dedupe_codes(walk.candidates), walk.states_coverage)


class _Walk:
    """The state of one pass over a document's items: the statements in force, the
    heading a prior-authorization list puts codes under, and the rows found so far."""

    def __init__(self, ctx: _Context, items: list[_Item], pa_list: bool) -> None:
        self.ctx, self.items, self.pa_list = ctx, items, pa_list
        self.candidates: list[dict[str, Any]] = []
        # Coverage that statements gave each code, which a reference-only code table
        # (UHC's "Applicable Codes") borrows.
        self.named: dict[str, list[tuple[str, str | None]]] = {}
        self.decides = ctx.layout.heading_decides
        self.groups = _Groups()
        self.paragraph: list[str] | None = None  # a Medicare group paragraph being read
        self.section_level = 0
        self.last_rows: list[dict[str, Any]] = []
        self.previous_rows: list[dict[str, Any]] = []
        self.states_coverage = False
        # A list's default: what a prior-authorization list or a policy-wide statement says.
        self.default_pa = PA_REQUIRED if pa_list else PA_UNKNOWN
        self.under: str | None = None  # the heading codes are listed under (lists only)
        self.rows_since_statement = 0
        # Whether the statement in force ends with a colon, and the level of the unknown
        # subheadings taken as its parts (see `introduces`).
        self.opener_open = False
        self.subheadings: int | None = None
        # The table rows read since the last statement or heading, which a statement
        # after them ("the codes above ...") may govern.
        self.block: list[dict[str, Any]] = []
        self.previous_heading: str | None = None

    def scope(self, lead: str | None = None, flag: str | None = None) -> tuple[str, str | None]:
        """(prior_auth, listed_under) for a code here; `flag` is what its row says."""
        if self.pa_list and lead:
            self.under = lead  # a category cell stands for the rows below it left blank
        under = self.under if self.pa_list else None
        return flag or self.groups.prior_auth(self.default_pa), under

    def add(
        self,
        item: _Item,
        codes: list[_Code],
        coverage: str,
        text: str | None,
        flag: str | None = None,
    ) -> None:
        cursor, added = 0, []
        for code in codes:
            found, cursor = self.ctx.code_rows(
                code, item, cursor, [(coverage, text)], None, self.scope(None, flag)
            )
            added.extend(found)
            for row in found:
                if coverage != UNSPECIFIED and (coverage, text) not in self.named.get(
                    row["code"], []
                ):
                    self.named.setdefault(row["code"], []).append((coverage, text))
        self.candidates.extend(added)
        self.rows_since_statement += len(added)

    def add_pa_segments(self, item: _Item) -> bool:
        """Codes listed after prior-authorization sentences ("Prior authorization required.
        23470 23472 ..."), each with what the last such sentence said, sentence by
        sentence (a PDF may flatten a whole list onto one line). Whether any was found."""
        current: str | None = None
        found = False
        for sentence in _split_sentences(item.text):
            current = prior_auth_of(sentence) or current
            codes = _codes_in_pa_statement(sentence) if current else []
            if codes:
                self.groups.statement = _group(sentence, self.section_level)
                coverage, text = self.groups.resolve(self.decides)
                self.add(item, codes, coverage, text, flag=current)
                found = True
        return found

    def add_named_in_statements(self, item: _Item) -> None:
        """Codes named in a coverage sentence ("... (CPT 0581T) is unproven ...") take its
        coverage, unless a negative coverage heading is in force."""
        for coverage, codes, text in _named_in_statements(item.text):
            self.states_coverage = True
            heading = self.groups.heading
            if heading and heading.coverage in _NEGATIVE and coverage not in _NEGATIVE:
                coverage, text = heading.coverage, heading.text
            self.add(item, codes, coverage, text)

    def close_paragraph(self) -> None:
        if self.paragraph is not None:
            text = " ".join(self.paragraph).strip()
            if text and not _NA_PARAGRAPH.fullmatch(text):
                self.groups.paragraph = _group(text, self.section_level)
                self.states_coverage |= self.groups.paragraph.coverage is not None
            self.paragraph = None

    def set_statement(self, group: _Group) -> None:
        self.block = []
        self.groups.statement = group
        self.groups.paragraph = None
        self.rows_since_statement, self.subheadings = 0, None
        self.opener_open = group.text.endswith(":")
        self.states_coverage |= group.coverage is not None or group.prior_auth is not None

    def step(self, idx: int, item: _Item, mode: str) -> None:
        """One item that is not blank: a heading in any section, or a line of a code
        section (`_policy_code_rows` passes over the others itself)."""
        # Rows of the line just above, which a wrapped PDF descriptor may continue.
        self.previous_rows, self.last_rows = self.last_rows, []
        if mode != "codes":
            if item.kind == "heading":
                self.groups, self.paragraph = _Groups(), None
                self.section_level, self.under = item.level, None
            return
        if item.kind == "heading" and (
            (item.text[:1] in _PAGE_INITIALS and _PAGE_FURNITURE.match(item.text))
            or (self.ctx.policy_id and self.ctx.policy_id in item.text)
        ):
            # A page break inside a table, or the running header that repeats the
            # policy number on every page: furniture, not a new section.
            self.last_rows = self.previous_rows
            return
        probe = item.label or "" if item.kind == "codes" else item.text
        group_line = _GROUP_LINE.match(probe) if probe[:1] in ("G", "g") else None
        if group_line and group_line.group("part").lower() == "paragraph":
            rest = group_line.group("rest")
            self.paragraph = [rest] if rest else []
            self.groups.paragraph = None
            return
        if (
            self.paragraph is not None
            and item.kind == "heading"
            and not item.level
            and not group_line
        ):
            self.paragraph.append(item.text)  # "N/A" reads as an ALL-CAPS heading
            return
        if self.paragraph is not None and (group_line or item.kind != "text"):
            self.close_paragraph()
        if group_line and item.kind != "codes":
            return  # "Group 1 Codes:" with the codes on the lines below
        if item.kind == "heading":
            self.heading(item)
        elif item.kind == "text":
            self.text(idx, item)
        elif item.kind == "codes":
            self.code_row(item, group_line is not None)

    def heading(self, item: _Item) -> None:
        previous, self.previous_heading = self.previous_heading, item.text
        if previous is not None and _column_after(previous, item.text):
            return  # "Procedure Code" then "Description": a PDF table's header, a cell a line
        self.block = []
        group = _group(item.text, item.level)
        if group.coverage is not None or group.prior_auth is not None:
            self.groups = _Groups(heading=group)
            self.states_coverage = True
            self.rows_since_statement, self.subheadings = 0, None
            self.opener_open = _ends_open(item.line.text)
        elif _sub_label(item.text):
            return  # "CPT®* Codes" inside a group
        elif self.introduces(item):
            self.subheadings = item.level  # "Musculoskeletal System" under "Unproven:"
        elif _heading_resets(item.text, item.level, self.groups.innermost(), item.line.text):
            self.groups, self.section_level = _Groups(), item.level
            self.subheadings = None
        elif item.level:
            self.section_level = item.level
        if not is_code_label(item.text):
            self.under = item.text

    def introduces(self, item: _Item) -> bool:
        """Whether an unknown heading is a subheading of the statement in force: the
        statement ends with a colon and no code followed it yet, or an earlier subheading
        of the same level was taken as one ("... considered unproven:" then "Musculoskeletal
        System", its table, "Nervous System", its table)."""
        group = self.groups.innermost()
        if group is None or _heading_text_resets(item.text) is not None:
            return False
        if item.level and group.level and item.level <= group.level:
            return False  # a marked heading no deeper than the statement's own section
        if self.subheadings is not None:
            return item.level == self.subheadings
        return self.opener_open and self.rows_since_statement == 0

    def text(self, idx: int, item: _Item) -> None:
        previous = self.previous_rows
        if (
            previous
            and self.pa_list
            and (flag := prior_auth_flag(item.text))
            and len(item.text) < 40
        ):
            for row in previous:  # a list's "Y" / "N" cell on a line of its own
                row["prior_auth"] = flag
            self.last_rows = previous
            return
        if (
            previous
            and not item.pipe
            and (
                item.text[:1].islower()
                or (
                    previous[0]["description"] is None
                    and len(item.text) <= 200
                    and _coverage(item.text) is None
                    and prior_auth_of(item.text) is None
                )
            )
        ):
            # A PDF descriptor wrapped onto the next line, or a code alone on its line
            # with its descriptor below.
            for row in previous:
                row["description"] = f"{row['description'] or ''} {item.text}".strip()
            self.last_rows = previous
            return
        if self.paragraph is not None:
            self.paragraph.append(item.text)
            return
        if (
            self.block
            and "above" in item.text
            and _LOOKS_BACK.search(item.text)
            and (coverage := _coverage(item.text))
        ):
            # "The diagnosis codes above support medical necessity ...": the statement
            # governs the list it follows.
            for row in self.block:
                if row["coverage"] == UNSPECIFIED:
                    row["coverage"], row["coverage_text"] = coverage, item.text
            self.states_coverage = True
        pa = prior_auth_of(item.text)
        if _is_grouping(item, self.items, idx) or (pa and _ends_open(item.text)):
            group = _group(item.text, self.section_level)
            held = self.groups.statement
            if group.coverage is None and held and held.coverage and not self.rows_since_statement:
                # "When services are Not Medically Necessary:" then "For the codes listed
                # above for the following diagnoses:": the second narrows the first.
                group = _Group(held.coverage, f"{held.text} {item.text}", held.level, pa)
            self.set_statement(group)
            self.add_named_in_statements(item)
            return
        if not self.states_coverage and _coverage(item.text) is not None:
            self.states_coverage = True  # a coverage sentence, with or without codes
        if pa is not None or mentions_prior_auth(item.text):
            self.states_coverage = True
            if self.add_pa_segments(item):
                return
            if pa is not None:
                self.default_pa = pa  # a policy-wide statement
        if item.bullet and self.groups.innermost() and _coverage(item.text) is None:
            # "The following are unproven ...:" then "- Ultrasound guidance (CPT 0213T)".
            self.add(item, _codes_in_statement(item.text), *self.groups.resolve(self.decides))
            return
        self.add_named_in_statements(item)

    def code_row(self, item: _Item, group_line: bool) -> None:
        if item.label and not group_line and not is_code_label(item.label):
            self.set_statement(_group(item.label, self.section_level))
        coverage, text = self.groups.resolve(self.decides)
        lead, row_coverage, row_prior_auth = item.row or (None, None, None)
        if row_coverage is not None:
            coverage, text = row_coverage, item.description
        rows: list[dict[str, Any]] = []
        cursor = 0
        scope = self.scope(lead, row_prior_auth)
        stated = [(coverage, text)]
        for code in item.codes:
            # A reference-only list borrows the coverage a statement gave the code.
            named = self.named.get(code.first.upper()) if coverage == UNSPECIFIED else None
            found, cursor = self.ctx.code_rows(
                code, item, cursor, named or stated, item.description, scope
            )
            rows.extend(found)
        self.candidates.extend(rows)
        self.block.extend(rows)
        self.rows_since_statement += len(rows)
        self.last_rows = [] if item.pipe else rows


#: A statement about the list above it ("The diagnosis codes above support ...").
_LOOKS_BACK = re.compile(
    r"\b(?:codes?|diagnos\w*|services?|procedures?)\s+(?:listed\s+|shown\s+)?above\b", re.I
)
#: A page number a PDF prints between the rows of a table ("Page 1 of 2"): furniture.
_PAGE_FURNITURE = re.compile(r"^(?:page\s+)?\d{1,4}\s*(?:of|/)\s*\d{1,4}$|^page\s+\d{1,4}$", re.I)


#: What a `_PAGE_FURNITURE` match starts with.
_PAGE_INITIALS = frozenset("0123456789Pp")


def _ends_open(text: str) -> bool:
    """A statement that introduces what follows ("... require prior authorization:")."""
    return text.rstrip(" *_").endswith(":")


def _dedupe_codes(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (code, coverage, listed_under), the first in the text, with the first
    descriptor found. A code that some statement or list gives a coverage has no
    `unspecified` row besides (a code named in a prior-authorization sentence, then listed
    in the coverage table); what the dropped row knew of prior authorization is kept."""
    rows: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    stated: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    unspecified = []
    for row in sorted(candidates, key=lambda r: r["char_start"]):
        key = (row["code"], row["coverage"], row["listed_under"])
        kept = rows.setdefault(key, row)
        if kept is not row:
            if kept["description"] is None and row["description"]:
                kept["description"] = row["description"]
        elif key[1] == UNSPECIFIED:
            unspecified.append(row)
        else:
            stated.setdefault((key[0], key[2]), []).append(row)
    dropped = set()
    for row in unspecified:
        others = stated.get((row["code"], row["listed_under"]))
        if others:
            dropped.add(id(row))
            for other in others:
                if other["prior_auth"] == PA_UNKNOWN:
                    other["prior_auth"] = row["prior_auth"]
                other["description"] = other["description"] or row["description"]
    if not dropped:
        return list(rows.values())
    return [row for row in rows.values() if id(row) not in dropped]
