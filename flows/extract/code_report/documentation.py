"""`code_documentation` rows: the elements a documentation section lists."""

from __future__ import annotations

import re

from flows.extract.code_report.base import _Locator
from flows.extract.sections import Section
from flows.model import Extraction
from flows.textkit.lines import clean_inline, is_pipe_row, strip_bullet
from schemas.datasets import CODE_DOCUMENTATION

_NOT_AVAILABLE_LINE = re.compile(r"data not available in the input\.?", re.IGNORECASE)


def _extract_documentation(out: Extraction, code: str, section: Section, where: _Locator) -> None:
    ordinal = 0
    for line in section.lines:
        if not line.text.strip() or is_pipe_row(line.text):
            continue
        _, element = strip_bullet(line.text)
        element = clean_inline(element)
        if not element or _NOT_AVAILABLE_LINE.fullmatch(element):
            continue
        ordinal += 1
        out.add(
            CODE_DOCUMENTATION.name,
            {
                "code": code,
                "ordinal": ordinal,
                "element": element,
                **where.provenance(line.start, line.end),
            },
        )
