"""Code tokens: what counts as a CPT, HCPCS, PLA, MAAA or ICD-10-CM code in a list or a
sentence, code-list labels, and the expansion of ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    MAX_RANGE_EXPANSION,
    _memo,
    _system_of,
    holds_any,
)
from flows.extract.payer_policy.coverage import (
    _coverage,
    _split_sentences,
)
from flows.textkit.codes import CODE_RANGE_IN_TEXT, ICD10_IN_TEXT, PROCEDURE_CODE_IN_TEXT
from flows.textkit.lines import clean_inline

# --- line classification --------------------------------------------------------------------

# The last alternative is an undotted ICD-10-CM subcategory ("C220"), which
# `_valid_token` accepts only as one (`_dotted`).
_CODE = (
    r"(?:\d{4}[0-9FTUM]|[A-CEGHJ-MP-V]\d{4}|[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?"
    r"|[A-TV-Z]\d[0-9A-Z]{2,5})"
)
_MARK = r"[*+®†‡]*"
_CODE_ITEM = re.compile(
    rf"(?P<a>{_CODE}){_MARK}(?:[ \t]*(?:-|–|—|through|to)[ \t]*(?P<b>{_CODE}){_MARK})?"
    r"(?![\w]|\.\d)"
)
_CODE_SEP = re.compile(r"[ \t]*(?:[,;/&]|\band\b|\bor\b)?[ \t]*")
_DESC_SEP = re.compile(r"^(?:\s|[:\-–—),;]|$)")
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
    "Code Code Description", a table's column "Procedure Code"), as opposed to a code
    section heading ("Codes", "Procedure Codes", "CPT Codes / HCPCS Codes / ICD-10 Codes")
    that opens a new part of the policy."""
    if not is_code_label(text):
        return False
    systems = _label_systems(text)
    if systems == 0 and _COLUMN_CODE.search(text):
        return True
    return systems == 1 or (systems == 0 and bool(_DESCR.search(text)))


#: A column header names one code ("Procedure Code", "Diagnosis Code"), a section many.
_COLUMN_CODE = re.compile(r"\bcode\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Code:
    """A code, or a range from `first` to `last`, as written."""

    first: str
    last: str | None = None


#: A code system written before a code ("CPT 64454", "HCPCS® J1745").
_SYSTEM_PREFIX = re.compile(r"(?:CPT|HCPCS)[®*]*:?\s+(?:codes?:?\s+)?(?=\d|[A-Z]\d)")


def leading_codes(text: str, *, whole_cell: bool = False) -> tuple[list[_Code], str] | None:
    """Codes (and ranges) a code-list line or cell starts with, and the descriptor after them.

    `47383 Ablation, liver`, `0581T-0583T: Ablation`, `47370, 47371 and 47380`. Undotted
    ICD-10 categories (`C22`) count only when they fill a table cell on their own, so a line
    starting "A1C testing" is not a code.
    """
    if text[:1] in ("C", "H") and (prefix := _SYSTEM_PREFIX.match(text)):
        text = text[prefix.end() :]  # "CPT 64454 Injection ...", "| HCPCS J1745 | ..."
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
    system = _system_of(_dotted(token))
    if system is None:
        return False
    # An undotted ICD-10-CM code counts alone in a cell, or with a subcategory ("C220"):
    # a bare category ("A1C testing", "B12 deficiency") at a line's start is a word.
    return not (system == "ICD10CM" and "." not in token and not whole_cell and len(token) < 4)


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
    return _find_codes(sentence, bool(_MENTIONS_CODES.search(sentence)))


@_memo(4096)
def _codes_in_pa_statement(line: str) -> list[_Code]:
    """Codes listed after a prior-authorization statement ("Prior authorization required.
    23470 23472"): a statement about authorizing services lists codes, so bare five-digit
    numbers count."""
    return _find_codes(line, True)


def _find_codes(sentence: str, keyword: bool) -> list[_Code]:
    starts = _code_starts(sentence)
    if not starts:
        return []
    found: list[tuple[int, int, _Code]] = []
    for m in _matches_from(CODE_RANGE_IN_TEXT, sentence, starts):
        found.append((m.start(), m.end(), _Code(m.group(1), m.group(2))))
    for m in _matches_from(PROCEDURE_CODE_IN_TEXT, sentence, starts):
        inside = any(s <= m.start() < e for s, e, _ in found)
        if not inside and (keyword or not m.group(1).isdigit()):
            found.append((m.start(), m.end(), _Code(m.group(1))))
    for m in _matches_from(ICD10_IN_TEXT, sentence, starts):
        found.append((m.start(), m.end(), _Code(m.group(1))))
    found.sort(key=lambda f: f[0])
    others = _other_numbers(sentence)
    return [c for start, _, c in found if not any(a <= start < b for a, b in others)]


def _other_numbers(sentence: str) -> list[tuple[int, int]]:
    """Spans of the runs of numbers a word names as something other than codes ("Groups
    77700, 77701", "Contract 04412"), per `policy_layouts.toml` [codes]."""
    low = sentence.lower()
    if not holds_any(low, _OTHER_WORDS):
        return []  # most sentences: none of the words
    return [m.span(1) for m in pl.OTHER_NUMBERS.finditer(sentence)]


#: A word each `OTHER_NUMBERS` match holds (lower-cased): a cheap test before the pattern.
_OTHER_WORDS = (
    *("group", "contract", "plan id", "member id", "phone", "fax", "tel", "call", "zip"),
    *("suite", "box"),
)


_CODE_SHAPE = re.compile(r"([A-Z]?)(\d+)([A-Z]?)")
_ICD_SHAPE = re.compile(r"(.*?)(\d+)()")


#: A Medicare Coverage Database LCD or article id ("L38910", "A57473"), never an undotted
#: ICD-10-CM code (no category has five digits after its letter in use as a subcode here).
_MCD_ID = re.compile(r"[AL]\d{5}$")


def _dotted(code: str) -> str:
    """An ICD-10-CM code as the code set writes it: `C220` is `C22.0`."""
    if len(code) > 3 and "." not in code and _system_of(code) is None and not _MCD_ID.match(code):
        dotted = f"{code[:3]}.{code[3:]}"
        if _system_of(dotted) == "ICD10CM":
            return dotted
    return code


#: What a code or range stands for: its codes, whether the range is bad (its endpoints
#: are kept), and whether it is kept whole (too long to expand: its low bound stands for
#: it, with the high bound as `range_end`).
Expansion = tuple[list[str], bool, bool]


def _expand(code: _Code) -> Expansion:
    """Codes of a range (see `Expansion`). The result is shared, never changed."""
    return _expand_range(code.first, code.last)


@lru_cache(maxsize=8192)
def _expand_range(first: str, last: str | None) -> Expansion:
    """`_expand`, memoised by the strings (a `_Code` key would hash in Python)."""
    first = _dotted(first.upper())
    if last is None:
        return [first], False, False
    last = _dotted(last.upper())
    systems = (_system_of(first), _system_of(last))
    # CPT/HCPCS: letter, digits, letter (`0581T`); ICD-10-CM: everything up to the trailing
    # digits (`C34.10`-`C34.12`), which may name a few codes that do not exist.
    shape = _ICD_SHAPE if systems[0] == "ICD10CM" else _CODE_SHAPE
    a = shape.fullmatch(first)
    b = shape.fullmatch(last)
    if systems == ("ICD10CM", "ICD10CM") and not (a and b):
        return [first], False, True  # `S72.001A-S72.009A`: no numeric tail to count over
    if not (a and b and systems[0] == systems[1]):
        return [first, last], True, False
    if (a.group(1), a.group(3), len(a.group(2))) != (b.group(1), b.group(3), len(b.group(2))):
        return [first, last], True, False
    lo, hi = int(a.group(2)), int(b.group(2))
    if lo > hi:
        return [first, last], True, False
    if hi - lo + 1 > MAX_RANGE_EXPANSION:
        return [first], False, True
    width = len(a.group(2))
    return [f"{a.group(1)}{n:0{width}d}{a.group(3)}" for n in range(lo, hi + 1)], False, False
