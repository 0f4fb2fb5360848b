"""Shared text primitives for every extractor: lines with offsets, headings, `Label: value`
lines, pipe tables, billing-code patterns, dates and money.

All functions take untrusted text and never raise on odd input; they return None or empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple, TypeVar

# --- memoisation ------------------------------------------------------------------------
# Generated documents repeat themselves (boilerplate lines, table rows, statements), so
# extractors memoise pure functions of a line or a statement. Only texts up to
# `MEMO_CHARS` long are kept, in memos of bounded size: the memory they hold stays small
# whatever the documents look like.

#: Texts longer than this are never memoised by `text_memo`.
MEMO_CHARS = 600
_T = TypeVar("_T")


class _Memo(dict[str, _T]):
    """Results of `fn` by argument text. A miss computes the result and keeps it when the
    text is short; a full memo is emptied (a bound on memory, like an LRU's)."""

    __slots__ = ("fn", "maxsize")

    def __init__(self, fn: Callable[[str], _T], maxsize: int) -> None:
        super().__init__()
        self.fn = fn
        self.maxsize = maxsize

    def __missing__(self, text: str) -> _T:
        value = self.fn(text)
        if len(text) <= MEMO_CHARS:
            if len(self) >= self.maxsize:
                self.clear()
            self[text] = value
        return value


def text_memo(maxsize: int) -> Callable[[Callable[[str], _T]], Callable[[str], _T]]:
    """Memoise a pure function of one string (see `MEMO_CHARS`). Callers share the cached
    result, so results must never be changed.

    The memoised function is the memo's `__getitem__`: a hit is one dict lookup in C, with
    no Python frame (most calls are hits; a wrapper around an LRU cache cost more than the
    lookup)."""

    def wrap(fn: Callable[[str], _T]) -> Callable[[str], _T]:
        return _Memo(fn, maxsize).__getitem__

    return wrap


# --- lines -------------------------------------------------------------------------------


class Line(NamedTuple):
    """One line of a document with its character span in the document text.

    A NamedTuple, not a frozen dataclass: documents split into millions of lines, and a
    tuple is several times cheaper to build.
    """

    start: int
    end: int
    text: str


_new_tuple = tuple.__new__


def iter_lines(text: str) -> Iterator[Line]:
    """Yield every line (without its newline) with offsets into `text`."""
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        # The Line that Line(pos, end, raw) makes, without its Python-level __new__.
        yield _new_tuple(Line, (pos, end, raw))
        pos = end + 1


_MARKUP = re.compile(r"^\s*(?:#{1,6}\s*|[-*•·]\s+|\d{1,2}[.)]\s+)?")
_EMPHASIS = re.compile(r"\*\*|__|`")


def clean_inline(value: str) -> str:
    """Strip markdown emphasis and collapse whitespace."""
    if "**" in value or "__" in value or "`" in value:
        value = _EMPHASIS.sub("", value)
    return " ".join(value.split())


_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+(.*)$")
_WORDS = re.compile(r"[a-z0-9]+")
_CELL_GAP = re.compile(r"\t+|\s{2,}")


def strip_bullet(line: str) -> tuple[bool, str]:
    """Return (is_list_item, text without its bullet or number marker)."""
    body = line.lstrip()
    first = body[:1]
    # Only a bullet character or a digit can start a list marker: skip the regex otherwise.
    if first and (first in "-*•·" or first.isdigit()):
        m = _BULLET.match(line)
        if m:
            return True, m.group(1).strip()
    return False, body.rstrip()


# --- headings ----------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"[.;,!?]\s*$")
# Unmarked lines holding a value are label/value lines, not headings: a numeric date
# ("Last Review 02/14/2026"), dot leaders ("Effective Date ...... 2/15/2026"), or a
# leading HCPCS code ("C9734 Focused Ultrasound Ablation" in a PDF code list).
_VALUE_IN_LINE = re.compile(
    r"\.{3,}|…|(?<![\d/])(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{4})(?![\d/])"
    r"|^[A-CEGHJ-MP-V]\d{4}\b"
)
_SMALL_WORDS = frozenset(
    "a an and as at by for from in of on or the to with vs via per & / - – —".split()
)


def heading_text(line: str) -> tuple[int, str] | None:
    """If `line` looks like a section heading, return (level, heading text).

    Marked headings (`# X`, `## X`) always count. Unmarked ones must be short, carry no
    sentence punctuation, and be Title Case or ALL CAPS, optionally with a trailing colon
    or wrapped in `**`. Level 0 means "unmarked" (the caller decides the nesting).
    """
    stripped = line.strip()
    if not stripped:
        return None
    if stripped[0] != "#" and (
        len(stripped) > 120
        or "|" in stripped
        or stripped[-1] in ".;,!?"
        or stripped[0] in "-•·"
        or ":" in stripped.rstrip("*_: ")
    ):
        # Fast path, same verdicts as the checks below: paragraphs, sentences, table rows,
        # bullets and `Label: value` lines are never headings. Outside the cache, so
        # paragraphs neither pay for hashing nor crowd out the short lines.
        return None
    return _heading_text(line)


@lru_cache(maxsize=16384)
def _heading_text(line: str) -> tuple[int, str] | None:
    m = _MD_HEADING.match(line)
    if m:
        text = clean_inline(m.group(2)).rstrip(":").strip()
        return (len(m.group(1)), text) if text else None
    text = clean_inline(line)
    if not text or len(text) > 80 or "|" in text:
        return None
    if text.endswith(":"):
        text = text[:-1].rstrip()
    if not text or _SENTENCE_END.search(text) or ":" in text or text[0].isdigit():
        return None
    if _VALUE_IN_LINE.search(text):
        return None
    words = text.split()
    if len(words) > 9 or not text[0].isupper():
        return None
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    if all(c.isupper() for c in letters):
        return 0, text
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    if significant and all(w[0].isupper() or not w[0].isalpha() for w in significant):
        return 0, text
    return None


#: Headings up to this long are memoised by `heading_key` (headings and table headers
#: repeat across documents; the bound keeps the cache small).
_KEY_MEMO_CHARS = 200


def heading_key(heading: str) -> str:
    """Normalise a heading for lookup: lower case, letters and digits only, `&` as `and`."""
    if len(heading) <= _KEY_MEMO_CHARS:
        return _heading_key(heading)
    return _heading_key.__wrapped__(heading)


@lru_cache(maxsize=8192)
def _heading_key(heading: str) -> str:
    h = heading.lower().replace("&", " and ")
    return " ".join(_WORDS.findall(h))


# --- label: value ------------------------------------------------------------------------

_LABEL_VALUE = re.compile(
    r"^\s*(?:[-*•·]\s+)?(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z0-9 /&()'’,.-]{0,60}?)"
    r"\s*(?::(?:\*\*|__)?|(?:\*\*|__)?\s*:|\s+[-–—]\s+(?:\*\*|__)?)\s*(?P<value>.*?)\s*$"
)


_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9 /&()'’,.-]{0,60}")
_DASH_SEPARATOR = re.compile(r"\s+[-–—]\s+")


#: The longest label `label_value` accepts (the repeat of `_LABEL` plus its first letter).
LABEL_MAX_CHARS = 61


def _label_body(line: str) -> str:
    """`line` from where a `label_value` label starts: after a bullet and opening emphasis."""
    text = line.lstrip()
    if len(text) > 1 and text[0] in "-*•·" and text[1].isspace():
        text = text[1:].lstrip()  # a bullet
    if text.startswith(("**", "__")):
        text = text[2:]
    return text


def label_head(line: str) -> str:
    """The text a `label_value` label of `line` lies in: a label is a prefix of this."""
    return _label_body(line)[:LABEL_MAX_CHARS]


def label_value(line: str) -> tuple[str, str] | None:
    """Parse `Label: value`, `**Label:** value`, `- Label: value` or `Label - value`.

    The label is returned as written (without markup); the value may be empty. The earliest
    separator wins. Hand-parsed (same verdicts as `_LABEL_VALUE`, which a test keeps as the
    reference): the pattern backtracks on every prose line, and this runs on most lines.
    """
    if ":" not in line and "-" not in line and "–" not in line and "—" not in line:
        return None
    if "\n" in line:
        # A value never spans lines (the pattern's `.` stops at a newline), so a later
        # separator may win: rare (document lines hold no newline), left to the pattern.
        return _label_value_by_pattern(line)
    text = _label_body(line)
    colon = text.find(":")
    dash = _DASH_SEPARATOR.search(text, 0, colon if colon >= 0 else len(text))
    if dash is not None:
        raw_label, rest = text[: dash.start()], text[dash.end() :]
    elif colon >= 0:
        raw_label, rest = text[:colon].rstrip(), text[colon + 1 :]
        if raw_label.endswith(("**", "__")):
            raw_label = raw_label[:-2].rstrip()
    else:
        return None
    if not _LABEL.fullmatch(raw_label):
        return None
    label = clean_inline(raw_label).strip(" .")
    if not label:
        return None
    return label, clean_inline(rest.strip().lstrip("*_ ").rstrip("*_ "))


def _label_value_by_pattern(line: str) -> tuple[str, str] | None:
    """`label_value` by the reference pattern `_LABEL_VALUE`."""
    m = _LABEL_VALUE.match(line)
    if not m:
        return None
    label = clean_inline(m.group("label")).strip(" .")
    if not label:
        return None
    return label, clean_inline(m.group("value").lstrip("*_ ").rstrip("*_ "))


# --- pipe tables -------------------------------------------------------------------------

_ALIGN_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")


def split_pipe_row(line: str) -> list[str] | None:
    """Split a pipe-table row (`| a | b |` or `a | b`) into stripped cells, else None."""
    if "|" not in line:
        return None
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    parts = body.split("|")
    if len(parts) < 2 and not line.strip().startswith("|"):
        return None
    if "**" in body or "__" in body or "`" in body:
        return [clean_inline(c) for c in parts]
    # No cell holds emphasis when the row holds none: clean_inline is a whitespace collapse.
    return [" ".join(c.split()) for c in parts]


def is_pipe_row(line: str) -> bool:
    """`split_pipe_row(line) is not None`, without cleaning the cells."""
    if "|" not in line:
        return False
    body = line.strip()
    if body.startswith("|"):
        return True
    return "|" in (body[:-1] if body.endswith("|") else body)


def is_alignment_row(cells: list[str]) -> bool:
    """True for a markdown alignment row such as `|:---|:---:|`."""
    for cell in cells:  # a loop, not all() over a generator: most rows fail at cell one
        if cell and not _ALIGN_CELL.match(cell):
            return False
    return any(cells)


def split_aligned_row(line: str) -> list[str] | None:
    """Split a whitespace-aligned row (cells separated by 2+ spaces or tabs), as PDFs give."""
    if "\t" not in line and "  " not in line and line.isascii() and line.isprintable():
        return None  # no gap of two or more whitespace characters: one cell at most
    cells = [c.strip() for c in _CELL_GAP.split(line.strip()) if c.strip()]
    return cells if len(cells) >= 2 else None


# --- billing codes -----------------------------------------------------------------------

CPT_CATEGORY_I = re.compile(r"^\d{5}$")
CPT_CATEGORY_II = re.compile(r"^\d{4}F$")
CPT_CATEGORY_III = re.compile(r"^\d{4}T$")
HCPCS_LEVEL_II = re.compile(r"^[A-CEGHJ-MP-V]\d{4}$")
#: CPT Proprietary Laboratory Analyses (`0002U`) and Multianalyte Assays (`0011M`): CPT
#: codes that policies list, though code reports describe none.
CPT_PLA_MAAA = re.compile(r"^\d{4}[UM]$")
ICD10CM = re.compile(r"^[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?$")

# payer_policy.codes._CODE_START finds where the three patterns below can match, and tries them
# only there: every match starts with a digit or capital letter, then a digit, after no
# word character (no IGNORECASE). Keep that true, or change _CODE_START with them; a
# hypothesis property compares the two (tests/extract/test_policy_fast_paths.py).
#: Finds candidate procedure codes (CPT I/II/III, HCPCS Level II) in running text.
PROCEDURE_CODE_IN_TEXT = re.compile(
    r"(?<![\w.$,/-])(\d{5}|\d{4}[FTUM]|[A-CEGHJ-MP-V]\d{4})(?![\w%])"
)
#: Finds ICD-10-CM codes with a dot (undotted ones are too ambiguous in running text).
ICD10_IN_TEXT = re.compile(r"(?<![\w.])([A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4})(?![\w])")
#: A code range such as `0581T-0582T` or `J9000 – J9999`.
CODE_RANGE_IN_TEXT = re.compile(
    r"(?<![\w.])(\d{5}|\d{4}[FTUM]|[A-CEGHJ-MP-V]\d{4})\s*(?:-|–|—|through|to)\s*"
    r"(\d{5}|\d{4}[FTUM]|[A-CEGHJ-MP-V]\d{4})(?![\w])"
)


def classify_code(code: str) -> tuple[str, str] | None:
    """Return (code_system, code_category) for a CPT/HCPCS code, or None.

    Categories follow the contract: `I`, `II`, `III` for CPT and `HCPCS` for Level II.
    """
    c = code.strip().upper()
    if CPT_CATEGORY_I.match(c):
        return "CPT", "I"
    if CPT_CATEGORY_II.match(c):
        return "CPT", "II"
    if CPT_CATEGORY_III.match(c):
        return "CPT", "III"
    if HCPCS_LEVEL_II.match(c):
        return "HCPCS", "HCPCS"
    return None


@lru_cache(maxsize=65536)
def code_system_of(code: str) -> str | None:
    """`CPT`, `HCPCS` or `ICD10CM` for a code, else None."""
    found = classify_code(code)
    if found:
        return found[0]
    if CPT_PLA_MAAA.match(code.strip().upper()):
        return "CPT"
    if ICD10CM.match(code.strip().upper()):
        return "ICD10CM"
    return None


_TITLE_CODE = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?(?:(?P<system>CPT|HCPCS)(?:®)?\s*(?:code\s*|Level\s*II\s*)?)?"
    r"(?P<code>\d{5}|\d{4}[FTft]|[A-Za-z]\d{4})(?:\*\*)?\s*(?::|[-–—])\s*(?P<title>.+?)\s*$"
)


def title_code(line: str) -> tuple[str, str] | None:
    """Parse a title line such as `CPT 47383: Percutaneous Cryoablation` -> (code, title)."""
    m = _TITLE_CODE.match(line)
    if not m:
        return None
    code = m.group("code").upper()
    if not classify_code(code):
        return None
    if not m.group("system") and not line.lstrip().startswith("#"):
        # An unprefixed `12345: ...` line is only a title when it is a heading.
        return None
    return code, clean_inline(m.group("title")).rstrip("*").strip()


# --- dates -------------------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_RE = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"  # noqa: E501

DATE_IN_TEXT = re.compile(
    # Every spelling starts with a digit or a month's initial: the look-ahead rejects most
    # positions before the alternatives are tried (twice as fast on prose).
    r"(?=[\dJFMASOND])(?<![\w/.-])(?:"
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<us>(?P<um>\d{1,2})[/.-](?P<ud>\d{1,2})[/.-](?P<uy>\d{4}|\d{2}))"
    r"|(?P<long>(?P<lm>" + _MONTH_RE + r")\.?\s+(?P<ld>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<ly>\d{4}))"
    r"|(?P<euro>(?P<ed>\d{1,2})\s+(?P<em>" + _MONTH_RE + r")\.?,?\s+(?P<ey>\d{4}))"
    r"|(?P<monthyear>(?P<mm>" + _MONTH_RE + r")\.?,?\s+(?P<my>\d{4}))"
    r"|(?P<numyear>(?P<nm>\d{1,2})/(?P<ny>\d{4}))"
    r")(?![\w/-])",
    re.IGNORECASE,
)


def _make_date(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000 if y < 70 else 1900
    if not 1900 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _match_to_date(m: re.Match[str]) -> date | None:
    g = m.group
    if g("iso"):
        return _make_date(int(g("iy")), int(g("im")), int(g("id")))
    if g("us"):
        return _make_date(int(g("uy")), int(g("um")), int(g("ud")))
    if g("long"):
        return _make_date(int(g("ly")), _MONTHS[g("lm").lower().rstrip(".")], int(g("ld")))
    if g("euro"):
        return _make_date(int(g("ey")), _MONTHS[g("em").lower().rstrip(".")], int(g("ed")))
    if g("monthyear"):
        return _make_date(int(g("my")), _MONTHS[g("mm").lower().rstrip(".")], 1)
    if g("numyear"):
        return _make_date(int(g("ny")), int(g("nm")), 1)
    return None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every date in `text` as (date, start, end); spellings: ISO, MM/DD/YYYY, MM.DD.YYYY,
    M/YYYY, `February 1, 2026`, `1 February 2026`, `February 2026`."""
    out = []
    for m in DATE_IN_TEXT.finditer(text):
        d = _match_to_date(m)
        if d is not None:
            out.append((d, m.start(), m.end()))
    return out


def first_date(text: str) -> tuple[date, int, int] | None:
    """`find_dates(text)[0]`, without scanning the text past the first date."""
    for m in DATE_IN_TEXT.finditer(text):
        d = _match_to_date(m)
        if d is not None:
            return d, m.start(), m.end()
    return None


#: A month and a two-digit year (`11/24`, `06-25`): only in a labelled date value, where
#: a person reads it as a month (in prose it could be a fraction or a score).
_MONTH_SHORT_YEAR = re.compile(r"(?<![\w/.-])(\d{1,2})[/-](\d{2})(?![a-z0-9/-])")


def labelled_date(value: str) -> tuple[date, str, int, int] | None:
    """The first date in a labelled header value, with its precision (`day`, or `month`
    for `06/2024`, `January 2024`, `11/24`) and span; None when it holds none. Words a PDF
    glued to the date ("TBDJune 1, 2019", "01/01/2014List", "2019670...") are parted."""
    found = _labelled_date(value)
    if found is not None or _GLUE_POINT.search(value) is None:
        return found
    points = [m.start() for m in _GLUE_POINT.finditer(value)]
    parted = _GLUE_POINT.sub(" ", value)
    found = _labelled_date(parted)
    if found is None:
        return None

    def back(at: int) -> int:  # an offset in `parted` to one in `value`
        return at - sum(1 for i, p in enumerate(points) if p + i < at)

    return found[0], found[1], back(found[2]), back(found[3])


def _labelled_date(value: str) -> tuple[date, str, int, int] | None:
    for m in DATE_IN_TEXT.finditer(value):
        d = _match_to_date(m)
        if d is not None:
            month_only = bool(m.group("monthyear") or m.group("numyear"))
            return d, "month" if month_only else "day", m.start(), m.end()
    short = _MONTH_SHORT_YEAR.search(value)
    if short and 1 <= int(short.group(1)) <= 12:
        d = _make_date(int(short.group(2)), int(short.group(1)), 1)
        if d is not None:
            return d, "month", short.start(), short.end()
    return None


#: Where a PDF glued a date to a word: a month onto the word before it ("TBDJune 1"), a
#: year onto what follows it ("01/01/2014List", "20196702...").
_GLUE_POINT = re.compile(
    r"(?<=[A-Za-z])(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*\d)"
    r"|(?<=[/.\s](?:19|20)\d\d)(?=[\dA-Za-z])"
)


def parse_date(text: str) -> date | None:
    """The first date in `text` (e.g. "For services performed on or after 11/01/2025")."""
    found = first_date(text)
    return found[0] if found else None


# --- money -------------------------------------------------------------------------------

_MONEY = re.compile(r"(?P<neg>-)?\$\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d{1,2})?")
NOT_AVAILABLE = re.compile(
    r"\b(?:not\s+available|n/?a\b|unavailable|not\s+reported|not\s+provided|no\s+data)",
    re.IGNORECASE,
)


def parse_money(text: str) -> Decimal | None:
    """The first dollar amount in `text` as a Decimal with two places, else None."""
    if "$" not in text:
        return None  # every amount has a dollar sign: skip the pattern's scan
    m = _MONEY.search(text)
    if not m:
        return None
    try:
        value = Decimal(m.group("num").replace(",", "") + (m.group("frac") or ""))
    except InvalidOperation:
        return None
    if m.group("neg"):
        value = -value
    return value.quantize(Decimal("0.01"))
