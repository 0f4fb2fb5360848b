"""Extract a payer medical policy (Aetna CPB, Cigna, UnitedHealthcare, BCBS, Medicare MCD,
or a generic layout) into `payer_policies`, `policy_codes` and `policy_revisions` rows.

Works on `DocumentText` as the readers render it (headings as `#` lines, tables as pipe
rows or whitespace-aligned PDF rows, list items as `- x`), so no format code lives here.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from flows.extract import policy_layouts as pl
from flows.extract.sections import Section, split_sections
from flows.model import DOC_KIND_PAYER_POLICY, STAGE_PARSE, DocumentText, Extraction, Problem
from flows.text import (
    CODE_RANGE_IN_TEXT,
    DATE_IN_TEXT,
    ICD10_IN_TEXT,
    MEMO_CHARS,
    PROCEDURE_CODE_IN_TEXT,
    Line,
    clean_inline,
    code_system_of,
    find_dates,
    heading_key,
    is_alignment_row,
    iter_lines,
    split_aligned_row,
    split_pipe_row,
    strip_bullet,
    text_memo,
)
from schemas.reference import PayerMention, payer_registry, trie_pattern

COVERED = "covered"
NOT_COVERED = "not_covered"
INVESTIGATIONAL = "investigational"
UNSPECIFIED = "unspecified"
_NEGATIVE = frozenset({NOT_COVERED, INVESTIGATIONAL})

#: Ranges longer than this keep only their endpoints (a HCPCS `J0000-J9999` span is a
#: family of drugs, not a list the policy means code by code).
MAX_RANGE_EXPANSION = 50
#: Payer and policy-number detection look only at the header area: its first characters,
#: and for the title lines that name the issuer, its first non-empty lines.
HEADER_CHARS = 3000
HEADER_LINES = 12

REASON_UNKNOWN_PAYER = "unknown_payer"
REASON_NO_POLICY_ID = "no_policy_id"
REASON_UNPARSED_DATE = "unparsed_date"
REASON_BAD_CODE_RANGE = "bad_code_range"


# --- memoisation -----------------------------------------------------------------------------
# Policies repeat themselves (boilerplate, table headers, coverage statements, and most of
# the text of a policy's next version), so pure functions of a line or a statement are
# memoised. Only texts up to `MEMO_CHARS` long are cached, in caches of bounded size, so
# the memory they hold stays small whatever the documents look like.

_memo = text_memo


#: `split_pipe_row`, memoised (table rows repeat); the cells are shared, never changed.
_pipe_cells = _memo(16384)(split_pipe_row)

#: `code_system_of`, memoised (codes repeat within and across documents).
_system_of = lru_cache(maxsize=16384)(code_system_of)


# --- coverage vocabulary -------------------------------------------------------------------

_INVESTIGATIONAL_RE = re.compile(
    r"\b(?:experimental|investigational|unproven|not\s+(?:been\s+)?proven)\b", re.IGNORECASE
)
_NOT_COVERED_RE = re.compile(
    r"\bnon-?\s?covered\b"
    r"|\bnot\s+(?:(?:be|been|considered|deemed|separately|otherwise|generally)\s+){0,2}"
    r"(?:covered|medically\s+necessary|reasonable\s+and\s+necessary"
    r"|eligible\s+for\s+(?:coverage|reimbursement)|a\s+covered)\b"
    r"|\b(?:does|do)\s+not\s+(?:support|cover)\b"
    r"|\bexcluded\s+from\s+coverage\b|\bno\s+coverage\b",
    re.IGNORECASE,
)
_COVERED_RE = re.compile(
    r"\bmedically\s+necessary\b|\bcovered\b|\bcovers\b|\breasonable\s+and\s+necessary\b"
    r"|\bproven\b|\bsupports?\s+medical\s+necessity\b|\beligible\s+for\s+coverage\b",
    re.IGNORECASE,
)


_SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\"'])")


def _split_sentences(text: str) -> list[str]:
    return _SENTENCE_BREAK.split(text)


# Sentences that talk about coverage without granting or denying it ("Listing a code does
# not mean the service is covered or not covered", "for reference purposes only").
_DISCLAIMER_RE = re.compile(
    r"\b(?:does|do|shall|will)\s+not\s+(?:mean|imply|guarantee|indicate|ensure|assure"
    r"|constitute)\b|\bcovered\s+or\s+(?:not|non)[\s-]?covered\b"
    r"|\bfor\s+reference\s+(?:purposes\s+)?only\b",
    re.IGNORECASE,
)


#: A statement the three coverage patterns can match holds one of these words.
_COVERAGE_HINT = re.compile(r"cover|necess|proven|experimental|investigational|support|eligible")
# The patterns for ASCII text in lower case (their literals are all lower case): the same
# matches, found faster than with IGNORECASE.
_DISCLAIMER_LOW = re.compile(_DISCLAIMER_RE.pattern)
_INVESTIGATIONAL_LOW = re.compile(_INVESTIGATIONAL_RE.pattern)
_NOT_COVERED_LOW = re.compile(_NOT_COVERED_RE.pattern)
_COVERED_LOW = re.compile(_COVERED_RE.pattern)
# Words that every match of a pattern holds (in lower case): where none is in a statement,
# the pattern is not tried. A search tries each alternative at every position of the text,
# ~10 us for one sentence, and most statements need only `_COVERED_LOW`.
_DISCLAIMER_WORDS = ("not", "non", "reference")
_INVESTIGATIONAL_WORDS = ("experimental", "investigational", "proven")
_NOT_COVERED_WORDS = ("not", "non", "excluded", "coverage")


def _holds(low: str, words: tuple[str, ...]) -> bool:
    return any(word in low for word in words)


def coverage_of(statement: str) -> str | None:
    """The coverage a grouping statement or heading gives the codes under it, else None.

    Negations are checked first so that "not medically necessary" never reads as covered;
    "unproven and not medically necessary" (UnitedHealthcare) is `investigational`.
    Disclaimer sentences ("does not mean the service is covered or not covered") count
    for nothing.
    """
    if statement.isascii():
        low = statement.lower()
        if not _COVERAGE_HINT.search(low):
            return None  # most lines name no coverage at all
        if not (_holds(low, _DISCLAIMER_WORDS) and _DISCLAIMER_LOW.search(low)):
            if _holds(low, _INVESTIGATIONAL_WORDS) and _INVESTIGATIONAL_LOW.search(low):
                return INVESTIGATIONAL
            if _holds(low, _NOT_COVERED_WORDS) and _NOT_COVERED_LOW.search(low):
                return NOT_COVERED
            return COVERED if _COVERED_LOW.search(low) else None
    if _DISCLAIMER_RE.search(statement):
        statement = " ".join(s for s in _split_sentences(statement) if not _DISCLAIMER_RE.search(s))
    if _INVESTIGATIONAL_RE.search(statement):
        return INVESTIGATIONAL
    if _NOT_COVERED_RE.search(statement):
        return NOT_COVERED
    if _COVERED_RE.search(statement):
        return COVERED
    return None


#: `coverage_of`, memoised: statements and headings repeat within and across documents.
_coverage = _memo(8192)(coverage_of)


# --- payer ----------------------------------------------------------------------------------

# A line naming a payer together with one of these words says who issued the document
# ("Cigna Medical Coverage Policy", "Aetna considers ...").
_ISSUER_WORDS = re.compile(
    r"\b(?:polic(?:y|ies)|bulletins?|guidelines?|determinations?|considers?|covers)\b",
    re.IGNORECASE,
)
_MEDICARE_MARKERS = re.compile(
    r"\b(?:LCD\s+ID|Article\s+ID|NCD\s+ID|Local\s+Coverage\s+(?:Determination|Article)"
    r"|National\s+Coverage\s+Determination|Medicare\s+Coverage\s+Database)\b"
)


def _issuer_of(line: str, mentions: list[PayerMention]) -> str | None:
    """The payer a header line names as its issuer: its only payer, or the one it starts
    with ("Humana Medicare Advantage Medical Policy")."""
    if len({m.payer_id for m in mentions}) == 1 or not line[: mentions[0].start].strip(" #*|-•"):
        return mentions[0].payer_id
    return None


def detect_payer(text: str, payer_hint: str | None) -> str | None:
    """The payer that issued the document: the folder hint when it is a registry id, else
    the issuer named by the first title line that names a payer, or by the first line with
    an issuer word ("Aetna considers", "Cigna Medical Coverage Policy"), else Medicare by
    its MCD markers, else the only payer the header names.

    Returns None when the header names no payer, or several and none as the issuer.
    """
    if payer_hint and payer_hint in payer_registry().payer_ids:
        return payer_hint
    head = text[:HEADER_CHARS]
    # Title lines are short and not sentences; lines further down ("Line of Business:
    # Commercial; Medicare Advantage") do not count.
    top = [ln for ln in head.split("\n") if ln.strip()][:HEADER_LINES]
    titles = [ln for ln in top if len(ln) <= 100 and not ln.rstrip().endswith(".")]
    issuer_lines = [ln for ln in head.split("\n") if _ISSUER_WORDS.search(ln)]
    for lines in (titles, issuer_lines):
        for line in lines:
            mentions = payer_registry().find(line)
            if mentions:
                issuer = _issuer_of(line, mentions)
                if issuer is not None:
                    return issuer
                break  # several payers on the line, none as its issuer: try the next clue
    if _MEDICARE_MARKERS.search(head):
        return "medicare"
    ids = {m.payer_id for m in payer_registry().find(head)}
    return ids.pop() if len(ids) == 1 else None


# --- header fields --------------------------------------------------------------------------

_LABELS_BY_KEY = {" ".join(label.text.lower().split()): label for label in pl.LABELS}
# Every label, longest first, as a prefix trie (a flat alternation of ~60 labels is tried
# label by label at every word of a line): the trie takes the longest label that matches,
# as the alternation did. A space between words (NUL in the trie) matches any whitespace.
_LABEL_RE = re.compile(
    r"(?<![\w])("
    + trie_pattern("\x00".join(label.text.lower().split()) for label in pl.LABELS).replace(
        "\x00", r"\s+"
    )
    + r")(?![\w])",
    re.IGNORECASE,
)
#: `_LABEL_RE` for lower-cased text (its literals are lower case).
_LABEL_LOW = re.compile(_LABEL_RE.pattern)
_STRONG_SEP = re.compile(r"[ \t]*(?::|\.{2,}|…+|\|)[ \t]*|\t+[ \t]*|[ \t]{2,}")
_WEAK_SEP = re.compile(r"[ \t]+")
_POLICY_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/#-]*")
_VALUE_END = re.compile(r"[ \t]{3,}|\t")
_NOT_AVAILABLE = re.compile(r"^(?:n/?a|none|tbd|-+|—)?$", re.IGNORECASE)


@dataclass(slots=True)
class _Found:
    """A labelled header value and where its text sits in the document."""

    label: pl.Label
    value: str
    start: int
    end: int


def _label_of(text: str) -> pl.Label | None:
    return _LABELS_BY_KEY.get(" ".join(text.lower().split()))


def _label_hint() -> re.Pattern[str]:
    """A pattern that matches the ASCII-lower-cased text of every line holding a label:
    a word one of most labels holds, or the whole label (a cheap test that a line cannot
    hold any label)."""
    common = (
        *("number", "effective", "date", "review", "title", "name", "subject"),
        *("bulletin", "origin", "type", "#", "bcbsa"),
    )
    parts = dict.fromkeys(common)
    for label in pl.LABELS:
        text = label.text.lower()
        if not any(word in text for word in common):
            parts[r"\s+".join(re.escape(w) for w in text.split())] = None
    return re.compile("|".join(re.escape(p) if p in common else p for p in parts))


_LABEL_HINT = _label_hint()


def _may_hold_label(text: str) -> bool:
    """False when `text` cannot match `_LABEL_RE` (exact for ASCII; non-ASCII text may
    case-fold onto a label's letters, so it always gets the full search)."""
    return not text.isascii() or _LABEL_HINT.search(text.lower()) is not None


def _labels_at(text: str) -> tuple[tuple[pl.Label, str, int], ...]:
    """Every `Label: value` in one line or table cell (a PDF header line may hold two), as
    (label, value, offset of the value in `text`)."""
    if not _may_hold_label(text):
        return ()
    hits: list[tuple[re.Match[str], pl.Label, int]] = []
    # ASCII text lower-cased keeps its offsets, and the case-sensitive pattern is faster.
    matches = _LABEL_LOW.finditer(text.lower()) if text.isascii() else _LABEL_RE.finditer(text)
    for m in matches:
        label = _label_of(m.group(1))
        if label is None:
            continue
        at_start = not text[: m.start()].strip(" \t*_#-•·")
        after = text[m.end() :]
        strong = _STRONG_SEP.match(after)
        weak = _WEAK_SEP.match(after)
        if strong:
            value_at = m.end() + strong.end()
        elif not after.strip():
            value_at = len(text)  # the value may sit on the next line
        elif at_start and not label.strict and weak:
            value_at = m.end() + weak.end()
        else:
            continue
        if label.strict and not at_start:
            continue
        if not at_start and not (strong and ":" in strong.group()):
            # Mid-line labels count only with a colon ("... 2026T0123A Effective Date: ...").
            continue
        hits.append((m, label, value_at))
    found = []
    for i, (_m, label, value_at) in enumerate(hits):
        stop = hits[i + 1][0].start() if i + 1 < len(hits) else len(text)
        raw = _VALUE_END.split(text[value_at:stop], maxsplit=1)[0]
        value = raw.strip(" \t*_|")
        offset = value_at + (len(raw) - len(raw.lstrip(" \t*_|")))
        found.append((label, value, offset))
    return tuple(found)


#: `_labels_at`, memoised (the hot caller checks `MEMO_CHARS` itself).
_LABELS_AT = lru_cache(maxsize=16384)(_labels_at)


@_memo(8192)
def _cell_starts(raw: str) -> list[int]:
    """Offset in `raw` where each cell of `split_pipe_row(raw)` begins (after its padding)."""
    offset = len(raw) - len(raw.lstrip())
    body = raw.strip()
    if body.startswith("|"):
        body, offset = body[1:], offset + 1
    if body.endswith("|"):
        body = body[:-1]
    starts = []
    for segment in body.split("|"):
        starts.append(offset + len(segment) - len(segment.lstrip()))
        offset += len(segment) + 1
    return starts


@_memo(8192)
def _row_label(cell: str) -> pl.Label | None:
    return _label_of(cell.rstrip(":").strip(" *_")) if cell else None


def _header_values(
    lines: list[Line], modes: list[str], row_cells: list[list[str] | None]
) -> list[_Found]:
    """Labelled values from every non-narrative line, in document order.

    Handles `Label: value`, dot leaders (Cigna PDFs), label/value table cells, a header row
    of labels over a row of values, and a label alone on its line with the value below.
    `row_cells` is `split_pipe_row` of each line.
    """
    out: list[_Found] = []
    pending: pl.Label | None = None
    header_row: tuple[pl.Label | None, ...] | None = None
    for line, mode, cells in zip(lines, modes, row_cells, strict=True):
        if mode == "narrative":
            continue
        text = line.text
        if cells is None:
            if not text or text.isspace():
                continue
            header_row = None
            found = _LABELS_AT(text) if len(text) <= MEMO_CHARS else _labels_at(text)
            if not found:
                if pending is not None and len(text.strip()) <= 120:
                    start = line.start + len(text) - len(text.lstrip())
                    out.append(
                        _Found(pending, clean_inline(text), start, start + len(text.strip()))
                    )
                pending = None
                continue
            pending = None
            for label, value, at in found:
                if value:
                    start = line.start + at
                    out.append(_Found(label, value, start, start + len(value)))
                elif not label.strict or ":" in text:
                    pending = label
            continue
        if header_row is None and not _may_hold_label(" | ".join(cells)):
            # No cell is a label or holds one (most code table rows): skip the row facts, and
            # keep their memo for rows that repeat. The hint reads the cells, not the line:
            # cells are cleaned of emphasis (`| **Policy** **ID** |` holds "Policy ID").
            if not is_alignment_row(cells):
                pending = None
            continue
        row = _row_facts(text)
        if row is None:
            continue  # an alignment row
        pending = None
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


@_memo(8192)
def _row_facts(
    raw: str,
) -> (
    tuple[tuple[int, ...], tuple[pl.Label | None, ...], bool, tuple[tuple[pl.Label, str, int], ...]]
    | None
):
    """What `_header_values` reads in a pipe row, memoised: None for an alignment row, else
    the offset of each cell, the label each cell is, whether the row is all labels (a
    header row over a row of values), and the (label, value, offset) pairs the row holds
    on its own (`Label | value` cells, `Label: value` inside a cell)."""
    cells = _pipe_cells(raw)
    if cells is None or is_alignment_row(cells):
        return None
    starts = tuple(_cell_starts(raw))
    labels = tuple(_row_label(c) for c in cells)
    filled = [c for c in cells if c]
    is_header = len(filled) >= 2 and all(_row_label(c) for c in filled)
    values: list[tuple[pl.Label, str, int]] = []
    for i, cell in enumerate(cells):
        label = labels[i]
        if label and i + 1 < len(cells) and cells[i + 1] and labels[i + 1] is None:
            values.append((label, cells[i + 1], starts[i + 1]))
        elif label is None and (i == 0 or labels[i - 1] is None):
            values.extend((lab, value, starts[i] + at) for lab, value, at in _labels_at(cell))
    return starts, labels, is_header, tuple(values)


def _policy_id_of(value: str) -> str | None:
    m = _POLICY_ID_TOKEN.search(value)
    if not m:
        return None
    token = m.group().rstrip(".-/#")
    return token if any(c.isdigit() for c in token) and len(token) <= 40 else None


# --- line classification --------------------------------------------------------------------

_CODE = r"(?:\d{4}[0-9FT]|[A-CEGHJ-MP-V]\d{4}|[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)"
_MARK = r"[*+®†‡]*"
_CODE_ITEM = re.compile(
    rf"(?P<a>{_CODE}){_MARK}(?:[ \t]*(?:-|–|—|through|to)[ \t]*(?P<b>{_CODE}){_MARK})?"
    r"(?![\w]|\.\d)"
)
_CODE_SEP = re.compile(r"[ \t]*(?:[,;/&]|\band\b|\bor\b)?[ \t]*")
_DESC_SEP = re.compile(r"^(?:\s|[:\-–—)]|$)")
_CODE_WORDS = re.compile(
    r"\b(?:cpt|hcpcs|icd|10|9|cm|pcs|codes?|descriptions?|descriptors?|level|ii|iii|i"
    r"|category|diagnosis|diagnoses|procedures?|and|or|long|short|type|modifiers?)\b"
    r"|[®*†‡/&:()\-–—,.]",
    re.IGNORECASE,
)
#: Text made only of `_CODE_WORDS` and whitespace: what `_CODE_WORDS.sub(" ", text).strip()`
#: leaves empty (each word alternative is a whole word between `\b`s, so the words tile the
#: text one way only), rejected at the first other word instead of after a pass over all of it.
_ONLY_CODE_WORDS = re.compile(rf"(?:{_CODE_WORDS.pattern}|\s)*", re.IGNORECASE)
_SYSTEM_WORDS = re.compile(r"\b(cpt|hcpcs|icd)", re.IGNORECASE)
_MENTIONS_CODES = re.compile(r"\bcodes?\b|\bCPT\b|\bHCPCS\b|\bICD", re.IGNORECASE)
_GROUP_LINE = re.compile(
    r"^Group\s+\d+\s+(?P<part>Paragraph|Codes)\b\s*:?\s*(?P<rest>.*)$", re.IGNORECASE
)
_GROUP_HEADING = re.compile(r"^Group\s+\d+\s*$", re.IGNORECASE)


_CODES_WORD = re.compile(r"\bcodes?\b", re.IGNORECASE)
_DESCR = re.compile(r"descr", re.IGNORECASE)


@_memo(8192)
def is_code_label(text: str) -> bool:
    """True for a bare code-list label or table header ("CPT®* Codes", "Code Description")."""
    if text.isascii():
        low = text.lower()
        if "code" not in low and "cpt" not in low and "hcpcs" not in low and "icd" not in low:
            return False
    names_codes = _SYSTEM_WORDS.search(text) or _CODES_WORD.search(text)
    return bool(names_codes) and _ONLY_CODE_WORDS.fullmatch(text) is not None


def _label_systems(text: str) -> int:
    return len({m.group(1).lower() for m in _SYSTEM_WORDS.finditer(text)})


def _sub_label(text: str) -> bool:
    """A label inside a code group ("CPT®* Codes", "ICD-10-CM Diagnosis Codes Description",
    "Code Code Description"), as opposed to a code section heading ("Codes", "CPT Codes /
    HCPCS Codes / ICD-10 Codes") that opens a new part of the policy."""
    if not is_code_label(text):
        return False
    systems = _label_systems(text)
    return systems == 1 or (systems == 0 and bool(_DESCR.search(text)))


@dataclass(frozen=True, slots=True)
class _Code:
    """A code, or a range from `first` to `last`, as written."""

    first: str
    last: str | None = None


def leading_codes(text: str, *, whole_cell: bool = False) -> tuple[list[_Code], str] | None:
    """Codes (and ranges) a code-list line or cell starts with, and the descriptor after them.

    `47383 Ablation, liver`, `0581T-0583T: Ablation`, `47370, 47371 and 47380`. Undotted
    ICD-10 categories (`C22`) count only when they fill a table cell on their own, so a line
    starting "A1C testing" is not a code.
    """
    # Every code starts with a digit or capital letter followed by a digit.
    if len(text) < 3 or not text[1].isdigit():
        return None
    first = text[0]
    if not (first.isdigit() or "A" <= first <= "Z"):
        return None
    codes: list[_Code] = []
    pos, end = 0, 0
    while True:
        m = _CODE_ITEM.match(text, pos)
        if not m:
            break
        a, b = m.group("a", "b")  # `a` is never empty
        if not _valid_token(a, whole_cell) or (b and not _valid_token(b, whole_cell)):
            break
        codes.append(_Code(a, b))
        end = m.end()
        sep = _CODE_SEP.match(text, end)
        if sep and sep.end() > end and _CODE_ITEM.match(text, sep.end()):
            pos = sep.end()
            continue
        break
    if not codes:
        return None
    rest = text[end:]
    if not _DESC_SEP.match(rest):
        return None
    description = rest.strip(" \t:-–—)")
    if whole_cell and description and len(codes) == 1 and not codes[0].last:
        if _system_of(codes[0].first) == "ICD10CM" and "." not in codes[0].first:
            return None  # "C22 liver" in a cell: an undotted category needs the cell alone
    return codes, clean_inline(description)


def _valid_token(token: str, whole_cell: bool) -> bool:
    system = _system_of(token)
    if system is None:
        return False
    return not (system == "ICD10CM" and "." not in token and not whole_cell)


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
    end: int = -1  # end of the last line (the line's own unless wrapped lines merge in)


#: What `_classify` makes of a line's text: the `_Item` fields after `line`, in order
#: (kind, text, level, codes, description, label, single_cell, pipe, bullet).
_Kind = tuple[str, str, int, list[_Code], str | None, str | None, bool, bool, bool]


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
) -> _Kind:
    return (kind, text, level, codes or [], description, label, single_cell, pipe, bullet)


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
    if parsed is not None:
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


def _classify_row(cells: list[str]) -> _Kind:
    filled = [(i, c) for i, c in enumerate(cells) if c]
    if not filled:
        return _kind("blank")
    candidates = filled[:1]
    if len(filled) >= 2 and is_code_label(filled[0][1]):
        candidates = filled[:2]  # "| CPT | 47383 | Ablation |"
    for i, cell in candidates:
        parsed = leading_codes(cell, whole_cell=True)
        if parsed is None:
            continue
        codes, rest = parsed
        after = [c for j, c in filled if j > i]
        description = rest or (after[0] if after else None)
        return _kind("codes", cell, codes=codes, description=description, pipe=True)
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
                    and (item.description is None or item.description[:1].islower())
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
    for s in sections:
        if s.heading is not None:
            known = _section_mode(s.heading)
            if known is not None:
                mode, mode_level = known, s.level
            elif s.level and (mode_level == 0 or s.level <= mode_level):
                mode, mode_level = "codes", s.level
        modes.append(mode)
    return modes


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


@_memo(8192)
def _named_in_statements(
    text: str,
) -> tuple[tuple[str, list[_Code], str | None], ...]:
    """(coverage, codes, cleaned sentence) of each sentence of `text` that gives a
    coverage to codes it names (memoised; the code lists are shared, never changed)."""
    out: list[tuple[str, list[_Code], str | None]] = []
    for sentence in _split_sentences(text):
        coverage = _coverage(sentence)
        codes = _codes_in_statement(sentence) if coverage else []
        if coverage is None or not codes:
            continue
        out.append((coverage, codes, clean_inline(sentence)))
    return tuple(out)


#: Where a code in running text can start: every match of `PROCEDURE_CODE_IN_TEXT`,
#: `CODE_RANGE_IN_TEXT` and `ICD10_IN_TEXT` starts with a digit or capital letter followed
#: by a digit, after no word character. A pattern that starts with a character class is
#: searched at C speed; those three start with a lookbehind, tried at every position.
_CODE_START = re.compile(r"[\dA-Z]\d")


def _code_starts(sentence: str) -> list[int]:
    """Offsets where a code match may start, in order. The 2-character matches do not
    overlap, but no start is lost: the character before a real start is no word
    character, so no match of `_CODE_START` covers it."""
    return [m.start() for m in _CODE_START.finditer(sentence)]


def _matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """`list(pattern.finditer(text))` for a pattern whose matches can only begin at
    `starts`: tried there alone, left to right, never inside the previous match."""
    found = []
    end = 0
    for at in starts:
        if at >= end and (m := pattern.match(text, at)) is not None:
            found.append(m)
            end = m.end()
    return found


@_memo(8192)
def _codes_in_statement(sentence: str) -> list[_Code]:
    """Codes named in a coverage sentence. Bare five-digit numbers count only when the
    sentence speaks of codes, so "tumors under 10000 mm3" is not CPT 10000."""
    starts = _code_starts(sentence)
    if not starts:
        return []
    keyword = bool(_MENTIONS_CODES.search(sentence))
    found: list[tuple[int, int, _Code]] = []
    for m in _matches_from(CODE_RANGE_IN_TEXT, sentence, starts):
        found.append((m.start(), m.end(), _Code(m.group(1), m.group(2))))
    for m in _matches_from(PROCEDURE_CODE_IN_TEXT, sentence, starts):
        inside = any(s <= m.start() < e for s, e, _ in found)
        if not inside and (keyword or not m.group(1).isdigit()):
            found.append((m.start(), m.end(), _Code(m.group(1))))
    for m in _matches_from(ICD10_IN_TEXT, sentence, starts):
        found.append((m.start(), m.end(), _Code(m.group(1))))
    return [c for _, _, c in sorted(found, key=lambda f: f[0])]


_CODE_SHAPE = re.compile(r"([A-Z]?)(\d+)([A-Z]?)")
_ICD_SHAPE = re.compile(r"(.*?)(\d+)()")


def _expand(code: _Code) -> tuple[list[str], bool]:
    """Codes of a range (its endpoints when long or not expandable); True for a bad range.
    The result is shared, never changed."""
    return _expand_range(code.first, code.last)


@lru_cache(maxsize=8192)
def _expand_range(first: str, last: str | None) -> tuple[list[str], bool]:
    """`_expand`, memoised by the strings (a `_Code` key would hash in Python)."""
    first = first.upper()
    if last is None:
        return [first], False
    last = last.upper()
    systems = (_system_of(first), _system_of(last))
    # CPT/HCPCS: letter, digits, letter (`0581T`); ICD-10-CM: everything up to the trailing
    # digits (`C34.10`-`C34.12`), which may name a few codes that do not exist.
    shape = _ICD_SHAPE if systems[0] == "ICD10CM" else _CODE_SHAPE
    a = shape.fullmatch(first)
    b = shape.fullmatch(last)
    if systems == ("ICD10CM", "ICD10CM") and not (a and b):
        return [first, last], False  # `S72.001A-S72.009A`: no numeric tail to count over
    if not (a and b and systems[0] == systems[1]):
        return [first, last], True
    if (a.group(1), a.group(3), len(a.group(2))) != (b.group(1), b.group(3), len(b.group(2))):
        return [first, last], True
    lo, hi = int(a.group(2)), int(b.group(2))
    if lo > hi:
        return [first, last], True
    if hi - lo + 1 > MAX_RANGE_EXPANSION:
        return [first, last], False
    width = len(a.group(2))
    return [f"{a.group(1)}{n:0{width}d}{a.group(3)}" for n in range(lo, hi + 1)], False


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
            if any(_row_label(c) for c in filled):
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


_DOC_TYPE_HEADING = re.compile(
    r"\b(?:medical|clinical|coverage|payment|reimbursement)\s+polic(?:y|ies)\b"
    r"|\bpolicy\s+(?:bulletins?|guidelines?)\b|\bcoverage\s+(?:determination|article)\b"
    r"|^billing\s+and\s+coding(?:\s+article)?$",
    re.IGNORECASE,
)


@_memo(4096)
def _is_payer_name(text: str) -> bool:
    """A line that names the payer ("Humana", "UnitedHealthcare® Commercial", "Blue Cross
    Blue Shield of Vermont"): it starts with a payer and at most three words follow."""
    mentions = payer_registry().find(text)
    if not mentions or text[: mentions[0].start].strip(" #*_"):
        return False
    return len(_WORD2.findall(text[mentions[0].end :])) <= 3


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


# A title line that a PDF wrapped: it ends with a comma, a connective or a dash.
_TITLE_WRAPS = re.compile(r"(?:,|\b(?:and|or|of|for|the|in|with|to|on|a|an)|[-–—/])$")


@_memo(4096)
def _title_line(raw: str) -> str | None:
    """The line as a title, or None when it is a label, the payer, the document type, a
    section heading, a sentence or a bare number."""
    if not raw.strip() or _pipe_cells(raw) is not None or _labels_at(raw):
        return None
    text = clean_inline(strip_bullet(raw)[1].lstrip("#"))
    if len(text) > 200 or text.endswith(".") or not _WORD3.search(text):
        return None
    if (
        _is_payer_name(text)
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
        if f.label.field == pl.TITLE and f.value:
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
    while _TITLE_WRAPS.search(title) and i + 1 < len(lines):
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


# --- entry point ----------------------------------------------------------------------------


def _header_fields(
    doc: DocumentText, layout: pl.Layout, found: list[_Found], source_path: str
) -> tuple[dict[str, Any], tuple[int, int] | None, str, list[Problem]]:
    """Policy number (with its span), dates and policy type from the labelled values; the
    first value of each field wins (headers come before footers and tables)."""
    fields: dict[str, Any] = {}
    id_span: tuple[int, int] | None = None
    policy_type = layout.policy_type
    problems: list[Problem] = []
    for f in found:
        name = layout.fields.get(f.label.text, f.label.field)
        if name in fields or name in (pl.IGNORE, pl.TITLE):
            continue
        if name == pl.POLICY_ID:
            token = _policy_id_of(f.value)
            if token is None:
                continue
            at = f.value.find(token)
            fields[name] = token
            id_span = (f.start + at, f.start + at + len(token))
            policy_type = f.label.policy_type or policy_type
        elif (parsed := find_dates(f.value)) or _NOT_AVAILABLE.match(f.value.strip(" .")):
            if parsed:
                fields[name] = parsed[0][0]
        else:
            problems.append(
                Problem(
                    STAGE_PARSE,
                    REASON_UNPARSED_DATE,
                    f"{f.label.text} value {f.value!r} in {source_path} is not a date.",
                    {"label": f.label.text, "value": f.value, "char_start": f.start},
                )
            )
    if pl.POLICY_ID not in fields:
        head = doc.text[:HEADER_CHARS]
        for pattern, kind in layout.fallback_id:
            m = pattern.search(head)
            if m:
                fields[pl.POLICY_ID] = m.group(1)
                id_span = (m.start(1), m.end(1))
                policy_type = kind or policy_type
                break
    return fields, id_span, policy_type, problems


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


def extract_payer_policy(
    doc: DocumentText, *, source_path: str, payer_hint: str | None
) -> Extraction:
    """Parse one payer policy document into its policy, code and revision records.

    `payer_hint` is the sources folder name when it is a registry id. Whole-document
    failures (`unknown_payer`, `no_policy_id`) come back as problems with no policy
    records; record-level oddities (`unparsed_date`, `bad_code_range`) as problems with a
    record. `source_path` only appears in messages.
    """
    ex = Extraction(doc_kind=DOC_KIND_PAYER_POLICY)
    lines = list(iter_lines(doc.text))
    sections = split_sections(doc, lines)
    ex.records["document_sections"] = [s.row() for s in sections]
    for dataset in ("payer_policies", "policy_codes", "policy_revisions"):
        ex.records[dataset] = []
    section_modes = _section_modes(sections)
    starts = [s.char_start for s in sections]
    modes = _line_modes(lines, starts, section_modes)
    # `heading_text` of every heading line, by line start: the lines that open sections.
    headings = {s.char_start: (s.level, s.heading) for s in sections if s.heading is not None}
    row_cells = [_pipe_cells(line.text) if "|" in line.text else None for line in lines]

    payer_id = detect_payer(doc.text, payer_hint)
    layout = pl.layout_for(payer_id)
    found = _header_values(lines, modes, row_cells)
    fields, id_span, policy_type, problems = _header_fields(doc, layout, found, source_path)
    if policy_type == pl.GENERIC.policy_type:
        policy_type = _generic_policy_type(doc.text[:HEADER_CHARS])
    known = [s.char_start for s in sections if s.heading and _opens_known_section(s.heading)]
    title = _title_of(lines, min([HEADER_CHARS, *known[:1]]), found, headings)
    policy_id: str | None = fields.get(pl.POLICY_ID)
    version_date = next((fields[f] for f in layout.version_fields if f in fields), None)
    ex.document = {
        "title": title,
        "payer_id": payer_id,
        "policy_id": policy_id,
        "primary_code": None,
        "effective_date": fields.get(pl.EFFECTIVE),
        "series_key": f"payer_policy:{payer_id}:{policy_id}" if payer_id and policy_id else None,
        "version_date": version_date,
    }
    if payer_id is None:
        ex.problems.append(
            Problem(
                STAGE_PARSE,
                REASON_UNKNOWN_PAYER,
                f"Cannot tell which payer issued {source_path}: it is not in a payer folder "
                "and its header names no payer, or several.",
            )
        )
    if policy_id is None:
        ex.problems.append(
            Problem(STAGE_PARSE, REASON_NO_POLICY_ID, f"No policy number found in {source_path}.")
        )
    if payer_id is None or policy_id is None or id_span is None:
        return ex

    ctx = _Context(doc, payer_id, policy_id, layout, starts, problems)
    ex.records["payer_policies"] = [
        {
            "payer_id": payer_id,
            "policy_id": policy_id,
            "title": title,
            "policy_type": policy_type,
            "effective_date": fields.get(pl.EFFECTIVE),
            "original_effective_date": fields.get(pl.ORIGINAL),
            "last_reviewed_date": fields.get(pl.LAST_REVIEWED),
            "next_review_date": fields.get(pl.NEXT_REVIEW),
            "version_date": version_date,
            "section_ordinal": ctx.ordinal_at(id_span[0]),
            "char_start": id_span[0],
            "char_end": id_span[1],
        }
    ]
    items = [_classify(line, headings.get(line.start)) for line in lines]
    if doc.media_type not in _UNWRAPPED_MEDIA:
        items = _merge_wrapped(items)
    ex.records["policy_codes"] = _policy_code_rows(ctx, items, modes)
    ex.records["policy_revisions"] = _revision_rows(ctx, lines, modes, row_cells, headings)
    ex.problems.extend(problems)
    return ex
