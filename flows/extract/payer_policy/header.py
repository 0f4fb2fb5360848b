"""Header fields: labelled values (policy number, dates), the policy type and the title."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    HEADER_CHARS,
    REASON_UNPARSED_DATE,
    _memo,
    _pipe_cells,
    holds_any,
)
from flows.extract.payer_policy.codes import (
    _GROUP_LINE,
    is_code_label,
)
from flows.extract.payer_policy.coverage import (
    _coverage,
)
from flows.extract.payer_policy.labels import (
    _NOT_AVAILABLE,
    _Found,
    _labels_at,
    _may_hold_label,
    _policy_id_of,
    _row_facts,
    line_labels,
)
from flows.extract.payer_policy.sections import (
    _section_mode,
)
from flows.model import STAGE_PARSE, DocumentText, Problem
from flows.textkit.dates import DATE_IN_TEXT, labelled_date
from flows.textkit.lines import Line, clean_inline, is_alignment_row, strip_bullet
from schemas.reference import payer_registry

_VALUE_GAP = re.compile(r"[ \t]{2,}|\t")


def _pending_values(pending: list[pl.Label], text: str, base: int) -> list[_Found]:
    """Values for the labels waiting: a row of as many values as labels gives each its
    own; else the line is the value of the first label waiting (taken off `pending`)."""
    body = text.strip()
    lead = len(text) - len(text.lstrip())
    parts = _VALUE_GAP.split(body)
    if len(pending) > 1 and len(parts) == len(pending):
        out, at = [], lead
        for label, part in zip(pending, parts, strict=True):
            at = text.index(part, at)
            out.append(_Found(label, clean_inline(part), base + at, base + at + len(part)))
            at += len(part)
        pending.clear()
        return out
    label = pending.pop(0)
    return [_Found(label, clean_inline(body), base + lead, base + lead + len(body))]


def _narrative_id(line: Line) -> list[_Found]:
    """A `Policy Number: ...` line that opens a second header block inside a narrative
    section near the top (a policy page that repeats its header after its description),
    ranked below every header label."""
    if ":" not in line.text:
        return []
    _run, found = line_labels(line.text)
    if not found or found[0][0].field != pl.POLICY_ID or found[0][0].strict:
        return []
    label, value, at = found[0]
    if not value or line.text[:at].strip(" \t*_#-•·:").lower() != label.text.lower():
        return []  # not at the start of the line, or no value
    start = line.start + at
    return [_Found(replace(label, rank=label.rank + 3), value, start, start + len(value))]


def _header_values(
    lines: list[Line], modes: list[str], row_cells: list[list[str] | None]
) -> list[_Found]:
    """Labelled values from every non-narrative line, in document order.

    Handles `Label: value`, dot leaders (Cigna PDFs), label/value table cells, a header row
    of labels over a row of values, and a label alone on its line with the value below.
    `row_cells` is `split_pipe_row` of each line.
    """
    out: list[_Found] = []
    # Labels waiting for their values: a label alone on its line, a column of labels
    # (one per line) followed by a column of values, or a row of labels over a row of
    # values ("Origination  Last CAP Review" then "04/2005  10/2024").
    pending: list[pl.Label] = []
    in_run = False  # the line above was labels only: a column of labels may go on
    header_row: tuple[pl.Label | None, ...] | None = None
    for line, mode, cells in zip(lines, modes, row_cells, strict=True):
        if mode == "narrative":
            if line.start < HEADER_CHARS and cells is None:
                out.extend(_narrative_id(line))
            continue
        text = line.text
        if cells is None:
            if not text or text.isspace():
                continue
            header_row = None
            run, found = line_labels(text)
            if run:
                pending = [*pending, *run] if in_run else [*run]
                in_run = True
                continue
            in_run = False
            if not found:
                if pending and len(text.strip()) <= 120:
                    out.extend(_pending_values(pending, text, line.start))
                else:
                    pending = []
                continue
            pending = []
            for label, value, at in found:
                if value:
                    start = line.start + at
                    out.append(_Found(label, value, start, start + len(value)))
                elif not label.strict or ":" in text:
                    pending = [label]
            continue
        in_run = False
        if header_row is None and not _may_hold_label(" | ".join(cells)):
            # No cell is a label or holds one (most code table rows): skip the row facts, and
            # keep their memo for rows that repeat. The hint reads the cells, not the line:
            # cells are cleaned of emphasis (`| **Policy** **ID** |` holds "Policy ID").
            if not is_alignment_row(cells):
                pending = []
            continue
        row = _row_facts(text)
        if row is None:
            continue  # an alignment row
        pending = []
        starts, labels, is_header, values = row
        if header_row is not None and len(header_row) == len(cells):
            for head, cell, at in zip(header_row, cells, starts, strict=True):
                if head and cell:
                    start = line.start + at
                    out.append(_Found(head, cell, start, start + len(cell)))
            header_row = None
            continue
        if is_header:
            header_row = labels  # labels over a row of values (DOCX header tables)
            continue
        header_row = None
        for label, value, at in values:
            start = line.start + at
            out.append(_Found(label, value, start, start + len(value)))
    return out


_DOC_TYPE_HEADING = re.compile(
    r"\b(?:medical|clinical|coverage|payment|reimbursement)\s+polic(?:y|ies)\b"
    r"|\bpolicy\s+(?:bulletins?|guidelines?)\b|\bcoverage\s+(?:determination|article)\b"
    r"|^billing\s+and\s+coding(?:\s+article)?$",
    re.IGNORECASE,
)


@_memo(4096)
def _is_payer_name(text: str) -> bool:
    """A line that names the payer ("Humana", "UnitedHealthcare® Commercial", "Blue Cross
    Blue Shield of Vermont"), or is its banner ("Kaiser Permanente Washington Clinical
    Review Criteria"): it starts with a payer, and at most three words follow or the
    words that follow name a kind of document."""
    mentions = payer_registry().find(text)
    if not mentions or text[: mentions[0].start].strip(" #*_"):
        return False
    rest = text[mentions[0].end :]
    return len(_WORD2.findall(rest)) <= 3 or _BANNER_WORDS.search(rest) is not None


_BANNER_WORDS = re.compile(
    r"\b(?:polic(?:y|ies)|criteria|guidelines?|bulletins?|determinations?|manual)\s*$",
    re.IGNORECASE,
)


_WORD2 = re.compile(r"[A-Za-z]{2,}")
_WORD3 = re.compile(r"[A-Za-z]{3}")
_NUMBER_TOKEN = re.compile(r"\S*\d\S*")


@_memo(4096)
def _opens_known_section(heading: str) -> bool:
    """A known section heading that is not the document type or the payer's name: the
    header zone (where titles are looked for) ends there."""
    return bool(
        _section_mode(heading)
        and not (_DOC_TYPE_HEADING.search(heading) or _is_payer_name(heading))
    )


#: The longest title: a longer line or labelled value is body text a PDF flattened.
_TITLE_MAX = 200
# A title line that a PDF wrapped: it ends with a comma, a connective or a dash.
_TITLE_WRAPS = re.compile(r"(?:,|\b(?:and|or|of|for|the|in|with|to|on|a|an)|[-–—/])$")


@_memo(4096)
def _title_line(raw: str) -> str | None:
    """The line as a title, or None when it is a label, the payer, the document type, a
    section heading, a sentence or a bare number."""
    if not raw.strip() or _pipe_cells(raw) is not None or _labels_at(raw):
        return None
    text = clean_inline(strip_bullet(raw)[1].lstrip("#"))
    if len(text) > _TITLE_MAX or text.endswith(".") or not _WORD3.search(text):
        return None
    if (
        _is_payer_name(text)
        or pl.TITLE_FURNITURE.match(text)
        or _DOC_TYPE_HEADING.search(text)
        or _section_mode(text) is not None
        or _coverage(text)
        or is_code_label(text)
        or _GROUP_LINE.match(text)
        or _NUMBER_TOKEN.fullmatch(text)
    ):
        return None
    return text


def _title_of(
    lines: list[Line], zone_end: int, found: list[_Found], headings: dict[int, tuple[int, str]]
) -> str | None:
    """A labelled title, else the header's first title-like line (a `# Title` preferred),
    joined with its wrapped second line. The header zone ends at the first known section."""
    for f in found:
        if f.label.field == pl.TITLE and f.value and len(f.value) <= _TITLE_MAX:
            return clean_inline(f.value)
    candidates: list[tuple[int, int]] = []  # (heading level, line index)
    for i, line in enumerate(lines):
        if line.start >= zone_end:
            break
        if _title_line(line.text) is not None:
            found_heading = headings.get(line.start)
            candidates.append((found_heading[0] if found_heading else 0, i))
    if not candidates:
        return None
    _, i = next((c for c in candidates if c[0] == 1), candidates[0])
    title = _title_line(lines[i].text) or ""
    last = min(len(lines), i + 3)  # a title wraps onto two more lines at the most
    while _TITLE_WRAPS.search(title) and i + 1 < last:
        i += 1
        more = _title_line(lines[i].text)
        if more is None:
            break
        title = f"{title} {more}"
    return title


_POLICY_TYPE_WORDS = (
    (
        re.compile(r"\bmedical\s+coverage\s+polic(?:y|ies)\b", re.IGNORECASE),
        "medical_coverage_policy",
    ),
    (re.compile(r"\bmedical\s+polic(?:y|ies)\b", re.IGNORECASE), "medical_policy"),
)


def _generic_policy_type(head: str) -> str:
    """A payer without its own layout: the type its header names, else `policy`."""
    for pattern, kind in _POLICY_TYPE_WORDS:
        if pattern.search(head):
            return kind
    return pl.GENERIC.policy_type


@dataclass(slots=True)
class HeaderFields:
    """What a policy's header says: the value of each field (dates with their precision),
    where the policy number sits, the policy type, and the problems met on the way."""

    values: dict[str, Any] = field(default_factory=dict)
    precision: dict[str, str] = field(default_factory=dict)
    id_span: tuple[int, int] | None = None
    policy_type: str = ""
    problems: list[Problem] = field(default_factory=list)


#: A value a person reads as no date at all (a label word used in prose or a table row
#: title, "Annual Review | Revised the statement"): it starts with no digit or month.
_DATE_LIKE = re.compile(
    r"^\W*(?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)", re.IGNORECASE
)


def _header_fields(
    doc: DocumentText, layout: pl.Layout, found: list[_Found], source_path: str
) -> HeaderFields:
    """Policy number (with its span), dates and policy type from the labelled values. Of
    the labels that fill one field, the lowest `rank` wins, then the first (headers come
    before footers and tables)."""
    out = HeaderFields(policy_type=layout.policy_type)
    ranks: dict[str, int] = {}
    for f in found:
        name = layout.fields.get(f.label.text, f.label.field)
        if name in (pl.IGNORE, pl.TITLE) or ranks.get(name, 99) <= f.label.rank:
            continue
        if name == pl.POLICY_ID:
            token = _policy_id_of(f.value, slug=f.label.slug)
            if token is None:
                continue
            # Where the token is in the text as read: the value may be cleaned of emphasis
            # or spacing ("| **0315** |"), so its own offsets can be off.
            raw_at = doc.text.find(token, f.start, f.start + len(f.value) + 64)
            at = raw_at - f.start if raw_at >= 0 else max(0, f.value.find(token))
            out.values[name] = token
            out.id_span = (f.start + at, f.start + at + len(token))
            out.policy_type = f.label.policy_type or layout.policy_type
            ranks[name] = f.label.rank
        elif parsed := labelled_date(f.value):
            out.values[name], out.precision[name] = parsed[0], parsed[1]
            ranks[name] = f.label.rank
        elif _NOT_AVAILABLE.match(f.value.strip(" .")) or not _DATE_LIKE.search(f.value):
            continue
        else:
            out.problems.append(
                Problem(
                    STAGE_PARSE,
                    REASON_UNPARSED_DATE,
                    f"{f.label.text} value {f.value!r} in {source_path} is not a date.",
                    {"label": f.label.text, "value": f.value, "char_start": f.start},
                )
            )
    if pl.POLICY_ID not in out.values:
        head = doc.text[:HEADER_CHARS]
        for pattern, kind in layout.fallback_id:
            m = pattern.search(head)
            if m:
                out.values[pl.POLICY_ID] = m.group(1)
                out.id_span = (m.start(1), m.end(1))
                out.policy_type = kind or out.policy_type
                break
    return out


#: A phone number, never a policy number ("800-555-0100").
_PHONE = re.compile(r"1?[-.]?\d{3}[-.]\d{3}[-.]\d{4}")


#: A word each match of `UNLABELLED_EFFECTIVE` holds, lower-cased: where none is in the
#: header, the pattern is not tried (most headers have a labelled effective date anyway).
_PHRASE_WORDS = (
    *("or after", "dates of service", "starting", "beginning", "effective as", "effective on"),
)


def unlabelled_fields(text: str, header: HeaderFields, zone_end: int) -> None:
    """Fill what the header states without a label, where no label gave it: the effective
    date after words that name it ("For services performed on or after 10/01/2015",
    "Starting May 1, 2019") in the header, and a policy number alone on a line between the
    title and the first known section (`zone_end`)."""
    if pl.EFFECTIVE not in header.values:
        head = text[:HEADER_CHARS]
        low = head.lower()
        found = pl.UNLABELLED_EFFECTIVE.finditer(head) if holds_any(low, _PHRASE_WORDS) else ()
        for m in found:
            parsed = labelled_date(head[m.end() : m.end() + 40])
            if parsed and parsed[2] == 0:
                header.values[pl.EFFECTIVE], header.precision[pl.EFFECTIVE] = parsed[:2]
                break
    if pl.POLICY_ID not in header.values:
        for m in pl.UNLABELLED_ID_LINE.finditer(text, 0, zone_end):
            token = m.group(1)
            if (
                sum(c.isdigit() for c in token) >= 2
                and not DATE_IN_TEXT.fullmatch(token)
                and not _PHONE.fullmatch(token)
            ):
                header.values[pl.POLICY_ID] = token
                header.id_span = m.span(1)
                break
