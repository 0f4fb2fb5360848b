"""The report's title line and its `billing_codes` row: code, descriptor, service type
and site of service."""

from __future__ import annotations

import bisect
import re
from typing import Any

from flows.extract.code_report.base import _label_value, _Locator
from flows.textkit.codes import classify_code, title_code
from flows.textkit.headings import heading_key
from flows.textkit.labels import label_head
from flows.textkit.lines import Line

SERVICE_TYPE_LABELS = frozenset({"service type", "type of service", "service category"})
SITE_LABELS = frozenset(
    {
        "typical site of service",
        "site of service",
        "sites of service",
        "place of service",
        "typical place of service",
        "typical setting",
        "setting",
    }
)
#: Words in the labels of service type and site of service (lower case).
_LABEL_WORDS = ("service", "setting")
_LABEL_WORD = re.compile("|".join(_LABEL_WORDS), re.IGNORECASE)


def _billing_row(
    code: str, title: str | None, title_line: Line, lines: list[Line], text: str, where: _Locator
) -> dict[str, Any]:
    """The `billing_codes` row: the code, its title as descriptor, and the service type and
    site of service from the first lines labelled with them."""
    system, category = classify_code(code) or ("CPT", "I")
    billing = {
        "code": code,
        "code_system": system,
        "code_category": category,
        "descriptor": title,
        "service_type": None,
        "site_of_service": None,
        **where.provenance(title_line.start, title_line.end),
    }
    for i in _lines_with_label_words(text, lines):
        line = lines[i]
        if not _label_word_in(label_head(line.text)):
            continue  # the word is in the prose, not where a label can be
        found = _label_value(line.text)
        if not found or not found[1]:
            continue
        key = heading_key(found[0])
        if key in SERVICE_TYPE_LABELS and billing["service_type"] is None:
            billing["service_type"] = _with_continuation(found[1], lines, i)
        elif key in SITE_LABELS and billing["site_of_service"] is None:
            billing["site_of_service"] = _with_continuation(found[1], lines, i)
    return billing


def _lines_with_label_words(text: str, lines: list[Line]) -> list[int]:
    """Indexes of the lines that mention a label word, in order: a few `str.find` scans of
    the lower-cased text instead of a label parse of every line."""
    starts = [line.start for line in lines]
    low = text.lower()
    if len(low) != len(text):  # a character lower-cases to two: offsets would drift
        hits = (m.start() for m in _LABEL_WORD.finditer(text))
        return sorted({bisect.bisect_right(starts, at) - 1 for at in hits})
    found: set[int] = set()
    for word in _LABEL_WORDS:
        at = low.find(word)
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            found.add(i)
            at = low.find(word, lines[i].end)
    return sorted(found)


def _label_word_in(text: str) -> bool:
    """Whether `text` holds a label word in any case (every key of SERVICE_TYPE_LABELS and
    SITE_LABELS does)."""
    low = text.lower()
    return any(word in low for word in _LABEL_WORDS)


def _with_continuation(value: str, lines: list[Line], index: int) -> str:
    """`value` plus the lines that continue it: a PDF wraps a long value onto lines that
    start in lower case."""
    parts = [value]
    for line in lines[index + 1 : index + 6]:
        text = line.text.strip()
        if not text or not text[0].islower():
            break
        parts.append(text)
    return " ".join(parts)


def _find_title(lines: list[Line]) -> tuple[str | None, str | None, Line]:
    for line in lines[:60]:
        found = title_code(line.text)
        if found:
            return found[0], found[1], line
    # No title line: fall back to the first "CPT code 12345" style mention.
    for line in lines[:60]:
        m = re.search(r"\b(?:CPT|HCPCS)(?:®)?\s+(?:code\s+)?(\w{5})\b", line.text)
        if m and classify_code(m.group(1).upper()):
            return m.group(1).upper(), None, line
    return None, None, lines[0] if lines else Line(0, 0, "")
