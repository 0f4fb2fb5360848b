"""Dates in running text and in labelled header values, in the spellings documents use."""

from __future__ import annotations

import re
from datetime import date

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
