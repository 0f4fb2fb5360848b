"""The header-label lexicon at work: which labels a line or table cell holds and the values
they introduce."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    _memo,
    _pipe_cells,
)
from flows.text import (
    is_alignment_row,
)
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
    r"[A-Z0-9][A-Z0-9._/#-]*(?:[ \t][A-Z0-9][A-Z0-9._/#-]*){0,3}(?![A-Za-z0-9])"
)
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _policy_id_of(value: str, *, slug: bool = False) -> str | None:
    """The policy number a labelled value starts with: upper-case tokens (`PHARMACY
    098.161 T0`), the last of them with a digit, so an upper-case title after the number
    ("0443 HEPATIC TUMOR ABLATION") is not part of it; with `slug`, any one token."""
    value = value.lstrip(" \t#:")
    m = (_SLUG if slug else _POLICY_ID).match(value)
    if m is None:
        m = _POLICY_ID_TOKEN.match(value)
        if m is None:
            return None
    token = m.group().rstrip(".-/#")
    tokens = token.split()
    while len(tokens) > 1 and not any(c.isdigit() for c in tokens[-1]):
        tokens.pop()
    token = " ".join(tokens)
    has_digit = any(c.isdigit() for c in token)
    return token if (has_digit or slug) and len(token) <= (80 if slug else 40) else None


_RUN_SEPARATORS = re.compile(r"[\s:|.…*_#-]*")


@_memo(8192)
def _label_run(text: str) -> tuple[pl.Label, ...]:
    """The labels of a line made of labels only ("Origination  Last CAP Review  Next CAP
    Review", or one "File Name:" alone), in order; () for any other line."""
    if not _may_hold_label(text):
        return ()
    matches = _LABEL_LOW.finditer(text.lower()) if text.isascii() else _LABEL_RE.finditer(text)
    labels, end = [], 0
    for m in matches:
        label = _label_of(m.group(1))
        if label is None or not _RUN_SEPARATORS.fullmatch(text, end, m.start()):
            return ()
        labels.append(label)
        end = m.end()
    if not labels or not _RUN_SEPARATORS.fullmatch(text, end):
        return ()
    if len(labels) == 1 and (labels[0].strict and ":" not in text):
        return ()
    return tuple(labels)
