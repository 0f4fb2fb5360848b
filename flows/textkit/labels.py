"""`Label: value` lines (`**Label:** value`, `- Label: value`, `Label - value`)."""

from __future__ import annotations

import re

from flows.textkit.lines import clean_inline

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
