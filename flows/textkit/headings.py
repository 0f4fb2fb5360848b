"""Section headings: whether a line is one, and the key a heading is looked up by."""

from __future__ import annotations

import re
from functools import lru_cache

from flows.textkit.lines import clean_inline

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"[.;,!?]\s*$")
_WORDS = re.compile(r"[a-z0-9]+")
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
