"""What each line of a policy is (heading, code row, table header, prose), and prose that
a PDF wrapped over several lines joined back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from flows.extract.payer_policy.base import (
    _memo,
    _pipe_cells,
)
from flows.extract.payer_policy.codes import (
    _GROUP_LINE,
    _MENTIONS_CODES,
    _Code,
    is_code_label,
    leading_codes,
)
from flows.extract.payer_policy.coverage import _coverage, prior_auth_flag
from flows.extract.payer_policy.labels import (
    _label_of,
)
from flows.textkit.lines import (
    Line,
    clean_inline,
    is_alignment_row,
    split_aligned_row,
    strip_bullet,
)
from flows.textkit.memo import MEMO_CHARS


@dataclass(slots=True)
class _Item:
    """One classified line (or wrapped paragraph) of a code-bearing section."""

    line: Line  # the first line
    kind: str  # blank | heading | header | codes | text | merged (wrapped into the item above)
    text: str = ""
    level: int = 0
    codes: list[_Code] = field(default_factory=list)
    description: str | None = None
    label: str | None = None  # "Covered codes:" before a code list on the same line
    single_cell: bool = False
    pipe: bool = False
    bullet: bool = False
    # What a table row's other cells say, when they say anything: (the cell before its
    # code cell, "Cardiology"; a coverage cell, "Not Covered"; a prior-authorization cell,
    # "Y"). One field, as most rows have none: every line builds an item.
    row: tuple[str | None, str | None, str | None] | None = None
    end: int = -1  # end of the last line (the line's own unless wrapped lines merge in)


#: What `_classify` makes of a line's text: the `_Item` fields after `line`, in order
#: (kind, text, level, codes, description, label, single_cell, pipe, bullet, row).
_Kind = tuple[
    str,
    str,
    int,
    list[_Code],
    str | None,
    str | None,
    bool,
    bool,
    bool,
    tuple[str | None, str | None, str | None] | None,
]


def _kind(
    kind: str,
    text: str = "",
    *,
    level: int = 0,
    codes: list[_Code] | None = None,
    description: str | None = None,
    label: str | None = None,
    single_cell: bool = False,
    pipe: bool = False,
    bullet: bool = False,
    row: tuple[str | None, str | None, str | None] | None = None,
) -> _Kind:
    return (kind, text, level, codes or [], description, label, single_cell, pipe, bullet, row)


def _classify(line: Line, heading: tuple[int, str] | None) -> _Item:
    """One line as an item; `heading` is `heading_text(line.text)`."""
    raw = line.text
    if len(raw) > MEMO_CHARS:
        kind = _line_kind(raw, heading)
    elif heading is None:
        kind = _plain_line_kind(raw)  # most lines: a one-string memo, cheaper to look up
    else:
        kind = _LINE_KIND(raw, heading)
    return _Item(line, *kind, line.end)


def _prose(line: Line) -> _Item:
    """A line of a narrative or history section, not classified: blank or text."""
    text = line.text
    return _Item(line, "text" if text and not text.isspace() else "blank", text, end=line.end)


def _line_kind(raw: str, heading: tuple[int, str] | None) -> _Kind:
    """The classification of one line's text (memoised: boilerplate lines repeat across
    documents; the result is shared, so its `codes` list must never be changed)."""
    if not raw or raw.isspace():
        return _kind("blank")
    cells = _pipe_cells(raw)
    if cells is not None:
        return _kind("blank") if is_alignment_row(cells) else _classify_row(cells)
    bullet, body = strip_bullet(raw)
    body = body.lstrip("*_` ")
    parsed = leading_codes(body)
    if parsed is not None and not _not_a_code_context(parsed[1]):
        codes, rest = parsed
        return _kind("codes", clean_inline(body), codes=codes, description=rest or None)
    aligned = split_aligned_row(raw)
    # A PDF row whose first cell is an undotted ICD-10 category ("C73    Malignant ...").
    cell = leading_codes(aligned[0], whole_cell=True) if aligned else None
    if aligned and cell is not None:
        codes, rest = cell
        return _kind("codes", body, codes=codes, description=rest or aligned[1])
    if heading is not None:
        return _kind("heading", heading[1], level=heading[0])
    text = clean_inline(body)
    label, sep, after = text.partition(":")
    if sep:
        listed = leading_codes(after.strip())
        if (
            listed is not None
            and not listed[1]
            and (
                _GROUP_LINE.match(label)
                or (
                    not any(c.isdigit() for c in label)
                    and not _label_of(label)
                    and (_MENTIONS_CODES.search(label) or _coverage(label))
                )
            )
        ):
            return _kind("codes", text, codes=listed[0], label=label.strip() + ":")
    if aligned and is_code_label(" ".join(aligned)):
        return _kind("header", text)
    return _kind("text", text, bullet=bullet)


#: `_line_kind`, memoised (the caller checks `MEMO_CHARS` itself).
_LINE_KIND = lru_cache(maxsize=16384)(_line_kind)


@_memo(16384)
def _plain_line_kind(raw: str) -> _Kind:
    """`_line_kind` of a line that is not a heading."""
    return _line_kind(raw, None)


#: What follows a number that is a contractor, jurisdiction or bill type, not a code
#: ("04412 – MAC B", "| 12502 | J-L |").
_NOT_A_CODE_CONTEXT = re.compile(
    r"^\W*(?:MAC\b|J\s*-?\s*[A-Z0-9]{1,2}\b|Jurisdiction|Part\s+[AB]\b|DME\s+MAC|A\s+and\s+B)",
    re.IGNORECASE,
)


def _not_a_code_context(text: str) -> bool:
    """`_NOT_A_CODE_CONTEXT` matches `text` (tried only where its first letter can)."""
    first = text[:1]
    if not (first.isalnum() or first == "_"):
        first = next((c for c in text if c.isalnum() or c == "_"), "")  # where \W* stops
    return first in _CONTEXT_INITIALS and _NOT_A_CODE_CONTEXT.match(text) is not None


#: The letters `_NOT_A_CODE_CONTEXT` can start with (after punctuation it skips).
_CONTEXT_INITIALS = frozenset("MJPDAmjpda")


def _classify_row(cells: list[str]) -> _Kind:
    filled = [(i, c) for i, c in enumerate(cells) if c]
    if not filled:
        return _kind("blank")
    # The code cell is one of the first three ("| CPT | 47383 | Ablation |", "| Cardiology
    # | 93656 | Ablation |"); a grid row of code cells lists them all.
    for n, (i, cell) in enumerate(filled[:3]):
        parsed = leading_codes(cell, whole_cell=True)
        if parsed is None:
            continue
        codes, rest = list(parsed[0]), parsed[1]
        after = [c for j, c in filled if j > i]
        while after and not rest and (more := leading_codes(after[0], whole_cell=True)):
            codes.extend(more[0])
            rest = more[1]
            after = after[1:]
        context = [rest or (after[0] if after else ""), *(c for _, c in filled[:n])]
        if any(_not_a_code_context(c) for c in context):
            return _kind("text", " ".join(c for _, c in filled), pipe=True)
        description = rest or (after[0] if after else None)
        before = [c for _, c in filled[:n] if not is_code_label(c)]
        flags = [(c, prior_auth_flag(c)) for c in before]
        lead = " ".join(c for c, flag in flags if flag is None) or None
        row_coverage = next(
            (cov for c in after[1:] if len(c) <= 40 and (cov := _coverage(c))), None
        )
        row_prior_auth = next(
            (pa for c in after[1:] if (pa := prior_auth_flag(c))),
            next((flag for _, flag in flags if flag), None),
        )
        return _kind(
            "codes",
            cell,
            codes=codes,
            description=description,
            pipe=True,
            row=(lead, row_coverage, row_prior_auth)
            if lead or row_coverage or row_prior_auth
            else None,
        )
    joined = " ".join(c for _, c in filled)
    if len(filled) == 1:
        return _kind("text", joined, single_cell=True, pipe=True)
    kind = "header" if is_code_label(joined) else "text"
    return _kind(kind, joined, pipe=True)


def _terminated(text: str) -> bool:
    """Whether `text` ends a sentence: `[.:;!?]\\W*$`, read from the end."""
    for c in reversed(text):
        if c in ".:;!?":
            return True
        if c.isalnum() or c == "_":
            return False
    return False


_OPEN_CODES = re.compile(r"(?:\(|\b(?:codes?|and|or|cpt|hcpcs),?)\s*$", re.IGNORECASE)
_OPEN_END = re.compile(r"(?:,|\b(?:and|or|of|the|to|with|for|in|a|an|by|than))$", re.IGNORECASE)
#: Formats whose lines are whole paragraphs; only PDF (and text taken from PDFs) wraps.
_UNWRAPPED_MEDIA = frozenset(
    {
        "text/html",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)


def _merge_wrapped(items: list[_Item]) -> list[_Item]:
    """Join prose that a PDF wrapped over several lines into one text item, so a statement
    and the codes or colon it ends with are read together.

    A continuation is not a list item, follows a line that does not end a sentence, and
    starts in lower case or with a code ("64492) are proven ..."), unless the line above
    ends open ("... and"). It becomes `merged`. A lower-case line after a code row is that
    row's wrapped descriptor, not prose, and starts no paragraph.
    """
    head: _Item | None = None
    after_code_row = False
    for item in items:
        first: str | None = None  # first character of the line's text, when needed
        kind = item.kind
        if (
            head is not None
            and not item.pipe
            and not item.bullet
            and (
                (kind == "text" and not _GROUP_LINE.match(item.text))
                or (
                    kind == "codes"
                    and not item.label
                    and (
                        item.description[:1].islower()
                        if item.description is not None
                        # a code alone continues only a sentence left open ("CPT codes")
                        else bool(_OPEN_CODES.search(head.text[-12:]))
                    )
                )
            )
            and not _terminated(head.text)
        ):
            first = clean_inline(strip_bullet(item.line.text)[1])[:1]
            if first.islower() or first.isdigit() or _OPEN_END.search(head.text[-6:]):
                head.text = f"{head.text} {clean_inline(item.line.text)}"
                head.end = item.end
                item.kind = "merged"
                continue
        continues_row = False
        if after_code_row and kind == "text":
            if first is None:
                first = clean_inline(strip_bullet(item.line.text)[1])[:1]
            continues_row = first.islower()
        after_code_row = (item.kind == "codes" and not item.pipe) or continues_row
        is_prose = item.kind == "text" and not item.pipe and not continues_row
        head = item if is_prose else None
    return items
