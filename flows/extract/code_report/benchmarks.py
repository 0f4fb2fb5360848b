"""`code_benchmarks` rows: payment and other benchmarks, from table rows or labelled lines,
with their amount, unit and setting."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flows.extract.code_report.base import _label_value, _Locator, _row_cells
from flows.extract.sections import Section
from flows.model import Extraction
from flows.textkit.headings import heading_key
from flows.textkit.lines import clean_inline, is_alignment_row, strip_bullet
from flows.textkit.money import NOT_AVAILABLE, parse_money
from schemas.datasets import CODE_BENCHMARKS

_RVU = re.compile(r"\bRVUs?\b", re.IGNORECASE)
_DAYS = re.compile(r"\bdays?\b", re.IGNORECASE)
SETTINGS = (
    ("non-facility", re.compile(r"\bnon[\s-]?facility\b", re.I)),
    ("facility", re.compile(r"\bfacility\b", re.I)),
    ("hospital_outpatient", re.compile(r"\b(?:hospital\s+outpatient|HOPD|OPPS)\b", re.I)),
    ("asc", re.compile(r"\b(?:ASC|ambulatory\s+surgery|ambulatory\s+surgical)\b", re.I)),
    ("inpatient", re.compile(r"\binpatient\b", re.I)),
    ("office", re.compile(r"\b(?:office|physician\s+practice)\b", re.I)),
)
#: Lower-case words one of which every match of the SETTINGS pattern in the same place holds.
_SETTING_WORDS = (
    ("facility",),
    ("facility",),
    ("hospital", "hopd", "opps"),
    ("asc", "ambulatory"),
    ("inpatient",),
    ("office", "physician"),
)
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})*(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")


def _amount_and_unit(label: str, value: str) -> tuple[Decimal | None, str | None]:
    money = parse_money(value)
    if money is not None:
        return money, "USD"
    if NOT_AVAILABLE.search(value) or not value:
        return None, None
    m = _NUMBER.search(value)
    if not m:
        return None, None
    try:
        amount = Decimal(m.group(0).replace(",", ""))
    except InvalidOperation:
        return None, None
    if "%" in value[m.end() : m.end() + 2] or "percent" in value.lower():
        return amount, "percent"
    if _RVU.search(label + " " + value):
        return amount, "RVU"
    if _DAYS.search(value):
        return amount, "days"
    return amount, None


def _extract_benchmarks(out: Extraction, code: str, section: Section, where: _Locator) -> None:
    header: list[str] | None = None
    for line in section.lines:
        cells = _row_cells(line.text)
        if cells is not None:
            if is_alignment_row(cells):
                continue
            if header is None and not any(parse_money(c) for c in cells):
                header = [heading_key(c) for c in cells]
                continue
            metric, value = cells[0], " ".join(cells[1:])
        else:
            _, text = strip_bullet(line.text)
            found = _label_value(text)
            if not found:
                continue
            metric, value = found
        if not metric:
            continue
        amount, unit = _amount_and_unit(metric, value)
        if amount is None and not NOT_AVAILABLE.search(value):
            continue
        setting = _setting_of(f"{metric} {value}")
        out.add(
            CODE_BENCHMARKS.name,
            {
                "code": code,
                "metric": clean_inline(metric),
                "amount": amount,
                "unit": unit,
                "setting": setting,
                "value_text": clean_inline(value) or None,
                **where.provenance(line.start, line.end),
            },
        )


def _setting_of(text: str) -> str | None:
    """The first SETTINGS name whose pattern matches `text`. On ASCII text a pattern runs
    only when its lower-cased text holds a word every match needs (`_SETTING_WORDS`)."""
    low = text.lower() if text.isascii() else None
    for (name, pattern), words in zip(SETTINGS, _SETTING_WORDS, strict=True):
        if low is not None and not any(word in low for word in words):
            continue
        if pattern.search(text):
            return name
    return None
