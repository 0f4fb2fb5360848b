"""The header-label lexicon at work: which labels a line or table cell holds and the values
they introduce."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    _memo,
    _pipe_cells,
)
from flows.textkit.dates import DATE_IN_TEXT, labelled_date
from flows.textkit.lines import is_alignment_row
from schemas.reference import trie_pattern

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
#: The labels without word boundaries, for lines where a PDF glued a label to the value
#: before it or after it ("SURG.00150Publish Date:", "Effective DateDec. 1, 2024").
_GLUED_LOW = re.compile(_LABEL_RE.pattern[len(r"(?<![\w])") : -len(r"(?![\w])")])
_GLUE = re.compile(r"[a-z0-9][A-Z]|[A-Z][A-Z][a-z]")
#: Labels read on one line at the most: a real header line holds a few; a hostile line of
#: thousands would cost a copy of the line each.
_MAX_LABELS = 32


def _label_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each label in `text`, left to right (the text as lower-cased:
    `_label_of` reads it case-blind). Where the line holds a
    glue point (a lower-case letter or digit right before a capital), a label may also
    start or end there: "...00150|Publish Date", "Effective Date|Dec. 1"."""
    low = text.lower()
    if not text.isascii() and len(low) != len(text):
        # Lower-casing moved the offsets (a rare letter such as "İ"): the plain scan.
        return [(m.start(1), m.end(1), m.group(1)) for m in _LABEL_RE.finditer(text)]
    if not _GLUE.search(text):
        return [(m.start(1), m.end(1), m.group(1)) for m in _LABEL_LOW.finditer(low)]
    spans = []
    pos = 0
    while (m := _GLUED_LOW.search(low, pos)) is not None:
        start, end = m.span(1)
        if _bounded(text, start, end):
            spans.append((start, end, m.group(1)))
            pos = end
        else:
            pos = start + 1
    return spans


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether a label found at text[start:end] stands apart from its neighbours: a
    non-alphanumeric character, the line's edge, or a glue point on each side."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    second = text[start + 1] if start + 1 < len(text) else ""
    # "...00150|Publish", "...Policy|Effective", "...REPLACEMENTS|Guideline"
    glued_left = text[start].isupper() and (
        before.isdigit() or before.islower() or (before.isupper() and second.islower())
    )
    # "Effective Date|Dec. 1", "Last Revised|Nov"
    glued_right = text[end - 1].islower() and (after.isupper() or after.isdigit())
    return (not before.isalnum() or glued_left) and (not after.isalnum() or glued_right)


_STRONG_SEP = re.compile(
    r"[ \t]*(?::|\.{2,}|…+|\|)[ \t]*|\t+[ \t]*|[ \t]{2,}|[ \t]+[-–—][ \t]+|[ \t]*\.[ \t]*(?=\d)"
)
_WEAK_SEP = re.compile(r"[ \t]+")
#: A value alone after a common-word label, shaped like a number or date ("7.01.548"):
#: these characters only, one of them a digit (tested apart: one pattern for both
#: backtracks quadratically on a long run of digits).
_ID_CHARS = re.compile(r"[A-Z0-9](?:[A-Z0-9._/-]|:(?=\d))*")


def _lone_id(value: str) -> bool:
    return _ID_CHARS.fullmatch(value) is not None and any(c.isdigit() for c in value)


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
            parts["\x00".join(text.split())] = None
    # One trie of the words and labels (a flat alternation is tried word by word).
    return re.compile(trie_pattern(parts).replace("\x00", r"\s+"))


_LABEL_HINT = _label_hint()


def _may_hold_label(text: str) -> bool:
    """False when `text` cannot match `_LABEL_RE` (exact for ASCII; non-ASCII text may
    case-fold onto a label's letters, so it always gets the full search)."""
    return not text.isascii() or _LABEL_HINT.search(text.lower()) is not None


def _value_start(
    text: str, start: int, end: int, label: pl.Label, at_start: bool, glued: bool, flat: bool
) -> tuple[pl.Label, int] | None:
    """Where the value of a label found at `text[start:end]` starts (and the label, ranked
    lower when only its place makes it one), or None when it is no label there. `flat`: the
    line holds a whole header a PDF flattened (three labels with colons or more)."""
    after = text[end:]
    strong = _STRONG_SEP.match(after)
    if at_start:
        weak = _WEAK_SEP.match(after)
        if strong:
            return label, end + strong.end()
        if not after.strip():
            return label, len(text)  # the value may sit on the next line
        if weak and (not label.strict or _lone_id(after.strip())):
            return label, end + weak.end()  # "Effective Date July 8, 2013", "Number 7.01.548"
        if after[:1].isalnum():
            return label, end  # glued to its value: "Effective DateDec. 1, 2024"
        return None
    # Mid-line, a label counts with a colon ("... 2026T0123A Effective Date: ..."), or with
    # a dot leader glued on or of three dots ("...PolicyEffective Date .10/15/2021",
    # "Effective Date ........ 9/15/2021"); a common word only glued on with a colon
    # ("SURG.00150Publish Date:"), or in a flattened header.
    colon = strong is not None and ":" in strong.group()
    leader = strong is not None and (glued or "..." in strong.group()) and "." in strong.group()
    if (
        strong is not None
        and (colon or leader)
        and (not label.strict or (colon and (glued or flat)))
    ):
        return label, end + strong.end()
    # A common word with a colon after a number or date, before a number: a header a PDF
    # flattened ("... Revised April 2014 Number: 0157 Policy Note ..."); after a word it is
    # the tail of another name ("Fax Number: 555-0100").
    if (
        strong is not None
        and colon
        and label.strict
        and _after_number(text, start)
        and _lone_id(after[strong.end() :].split(" ", 1)[0])
    ):
        return label, end + strong.end()
    # A date label right before a date, in a header a PDF flattened ("... Health Plans
    # Effective Feb. 1, 2021 ..."); a common word ranks below the labels proper.
    if label.field in pl.DATE_FIELDS and _starts_with_date(after.lstrip()):
        ranked = replace(label, rank=label.rank + 2) if label.strict else label
        return ranked, end + len(after) - len(after.lstrip())
    return None


def _starts_with_date(text: str) -> bool:
    """Whether `text` starts with a date, glued words aside ("01/01/2014List updated")."""
    if DATE_IN_TEXT.match(text):
        return True
    if not text[:1].isdigit():
        return False
    found = labelled_date(text[:_SHARED_DATE_REACH])
    return found is not None and found[2] == 0


def _after_number(text: str, at: int) -> bool:
    """Whether the last character before `text[at]`, spaces aside, is a digit."""
    at -= 1
    while at >= 0 and text[at] in " \t":
        at -= 1
    return at >= 0 and text[at].isdigit()


def _labels_at(text: str) -> tuple[tuple[pl.Label, str, int], ...]:
    """Every `Label: value` in one line or table cell (a PDF header line may hold two), as
    (label, value, offset of the value in `text`)."""
    if not _may_hold_label(text):
        return ()
    return _labels_in(text, _label_spans(text))


def _labels_in(
    text: str, spans: list[tuple[int, int, str]]
) -> tuple[tuple[pl.Label, str, int], ...]:
    """`_labels_at` of a line whose label spans are found."""
    hits: list[tuple[int, pl.Label, int]] = []
    in_run: set[int] = set()  # the hits taken only for following another label
    lead = len(text) - len(text.lstrip(" \t*_#-•·"))  # where a line's first label may start
    last_end = -1  # where the last label taken ends
    spans = spans[:_MAX_LABELS]
    flat = len(spans) >= 3 and sum(text[e : e + 2].lstrip()[:1] == ":" for _s, e, _t in spans) >= 3
    for start, end, spelled in spans:
        label = _label_of(spelled)
        if label is None:
            continue
        at_start = start <= lead
        glued = start > 0 and text[start - 1].isalnum()
        placed = _value_start(text, start, end, label, at_start, glued, flat)
        if placed is None and last_end >= 0 and _RUN_SEPARATORS.fullmatch(text, last_end, start):
            # Right after another label: a run of labels over a run of values on one line
            # ("LCD ID Original Effective Date L33777 For services ... 10/01/2015").
            placed = label, end + len(text[end:]) - len(text[end:].lstrip(" \t:|.…*_#-"))
            in_run.add(len(hits))
        if placed is not None:
            hits.append((start, *placed))
            last_end = end
        else:
            last_end = -1
    found: list[tuple[pl.Label, str, int]] = []
    waiting: list[tuple[pl.Label, int, bool]] = []  # (label, offset, taken for its place)
    for i, (_start, label, value_at) in enumerate(hits):
        stop = hits[i + 1][0] if i + 1 < len(hits) else len(text)
        raw = _VALUE_END.split(text[value_at:stop], maxsplit=1)[0]
        value = raw.strip(" \t*_|")
        offset = value_at + (len(raw) - len(raw.lstrip(" \t*_|")))
        if not value and i + 1 < len(hits) and _RUN_SEPARATORS.fullmatch(text, value_at, stop):
            waiting.append((label, offset, i in in_run))  # its value may come after the run
            continue
        shared = None
        if waiting:
            # The run of values ends where the next label starts, taken or not ("LCD Title
            # N/A Noncovered Services Retirement Date ...").
            end = next((b for b, _e, _t in spans if b > offset), len(text))
            run = [lab for lab, _at, _r in waiting]
            shared = _share_values([*run, label], value[: max(0, end - offset)], offset)
        if shared is not None:
            found.extend(shared)
        else:
            # No run of values fits the run of labels: each label keeps its own (none for
            # the labels taken only for their place in the run).
            found.extend((lab, "", at) for lab, at, placed in waiting if not placed)
            if i not in in_run:
                found.append((label, value, offset))
        waiting = []
    return tuple(found)


def _share_values(
    labels: list[pl.Label], value: str, offset: int
) -> list[tuple[pl.Label, str, int]] | None:
    """A run of labels' values, given in one run after them: each label but the last takes
    a date (with the words before it: "For services performed on or after 10/01/2015") if
    it is a date label, else one word; the last takes the rest. None when the values do not
    fit: a date label with no date close ahead, a policy-number label with no number."""
    out = []
    at = 0
    value = value.rstrip(" \t*_|")
    for n, label in enumerate(labels, 1):
        rest = value[at:]
        body = rest.lstrip()
        at += len(rest) - len(body)
        first = body.split(None, 1)[0] if body else ""
        if label.field in pl.DATE_FIELDS:
            date = labelled_date(body[:_SHARED_DATE_REACH])
            if date is None:
                return None
            size = date[3]
        elif label.field == pl.POLICY_ID and not (label.slug or _lone_id(first.rstrip(",;"))):
            return None
        else:
            size = len(first)
        if n == len(labels):
            size = len(body)
        if size:
            out.append((label, body[:size], offset + at))
        at += size
    return out


#: How far into a run of values a date label's date may start.
_SHARED_DATE_REACH = 60


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


#: A policy number: tokens without lower-case letters (`PHARMACY 098.161 T0`, `CP.MP.12`,
#: `Z-67-046`), at most four, one of them with a digit; a lower-case word ends it.
_POLICY_ID = re.compile(
    r"[A-Z0-9](?:[A-Z0-9._/#-]|:(?=\d))*(?:[ \t][A-Z0-9](?:[A-Z0-9._/#-]|:(?=\d))*){0,3}"
    r"(?![A-Za-z0-9])"
)
#: Where a PDF glued the next word to a number ("0051Bariatric", "CP.MP.54Coding").
_GLUED_WORD = re.compile(r"(?<=\d)(?=[A-Z][a-z])")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _policy_id_of(value: str, *, slug: bool = False) -> str | None:
    """The policy number a labelled value starts with: upper-case tokens (`PHARMACY
    098.161 T0`), the last of them with a digit, so an upper-case title after the number
    ("0443 HEPATIC TUMOR ABLATION") is not part of it; with `slug`, any one token."""
    value = _GLUED_WORD.split(value.lstrip(" \t#:"), maxsplit=1)[0]
    m = (_SLUG if slug else _POLICY_ID).match(value)
    if m is None:
        m = _POLICY_ID_TOKEN.match(value)
        if m is None:
            return None
    token = m.group().rstrip(".-/#")
    tokens = token.split()
    # An upper-case title or a revision date after the number is not part of it
    # ("0443 HEPATIC TUMOR ABLATION", "2.01.07 03/20/14").
    while len(tokens) > 1 and (
        not any(c.isdigit() for c in tokens[-1]) or DATE_IN_TEXT.fullmatch(tokens[-1].rstrip(",;"))
    ):
        tokens.pop()
    token = " ".join(tokens)
    has_digit = any(c.isdigit() for c in token)
    return token if (has_digit or slug) and len(token) <= (80 if slug else 40) else None


_RUN_SEPARATORS = re.compile(r"[\s:|.…*_#-]*")


def _label_run(text: str, spans: list[tuple[int, int, str]]) -> tuple[pl.Label, ...]:
    """The labels of a line made of labels only ("Origination  Last CAP Review  Next CAP
    Review", or one "File Name:" alone), in order; () for any other line. `spans` are its
    label spans."""
    labels, end = [], 0
    for start, stop, spelled in spans:
        label = _label_of(spelled)
        if label is None or not _RUN_SEPARATORS.fullmatch(text, end, start):
            return ()
        labels.append(label)
        end = stop
    if not labels or not _RUN_SEPARATORS.fullmatch(text, end):
        return ()
    if len(labels) == 1 and (labels[0].strict and ":" not in text):
        return ()
    return tuple(labels)


@_memo(16384)
def line_labels(
    text: str,
) -> tuple[tuple[pl.Label, ...], tuple[tuple[pl.Label, str, int], ...]]:
    """What a header line holds: the labels of a line made of labels only (`_label_run`),
    else its `Label: value` pairs (`_labels_at`). Most lines hold no label, which one look
    at the hint tells."""
    if not _may_hold_label(text):
        return (), ()
    spans = _label_spans(text)
    run = _label_run(text, spans)
    return (run, ()) if run else ((), _labels_in(text, spans))
