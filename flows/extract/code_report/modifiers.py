"""`code_modifiers` rows: modifier tables (anywhere) and modifier lists (in a modifier
section)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flows.extract.code_report.base import _label_value, _Locator, _role, _row_cells
from flows.extract.sections import Section
from flows.model import Extraction
from flows.textkit.headings import heading_key
from flows.textkit.lines import Line, clean_inline, is_alignment_row, strip_bullet
from schemas.datasets import CODE_MODIFIERS
from schemas.reference import valid_modifiers

MODIFIER_TOKEN = re.compile(r"^(?:mod(?:ifier)?\.?\s*)?-?\s*([0-9A-Za-z]{2})(?![0-9A-Za-z])", re.I)


def _extract_modifiers(
    out: Extraction, code: str, sections: list[Section], where: _Locator, text: str
) -> None:
    valid = valid_modifiers()
    rows: list[dict[str, Any]] = []
    for section in sections:
        header: tuple[str, ...] | None = None
        is_modifier_section = _role(section) == "modifiers"
        if not is_modifier_section and "|" not in text[section.char_start : section.char_end]:
            continue  # only table rows count outside a modifier section, and it holds none
        for line in section.lines:
            if "|" not in line.text:
                header = None
                if is_modifier_section:
                    _modifier_from_list_item(rows, code, line, where)
                continue
            cells = _row_cells(line.text)
            if cells is None:
                header = None
                continue
            if is_alignment_row(cells):
                continue
            if header is None:
                keys = [heading_key(c) for c in cells]
                if any(k.startswith("modifier") for k in keys):
                    header = tuple(keys)
                continue
            if not cells[0] and rows and any(cells):
                # A wrapped cell (PDF export): its text continues the previous row.
                _continue_row(rows[-1], header, cells, line)
                continue
            row = _modifier_row(header, cells)
            if row is not None:
                rows.append({"code": code, **row, **where.provenance(line.start, line.end)})
    for ordinal, row in enumerate(rows, start=1):
        out.add(
            CODE_MODIFIERS.name,
            {**row, "modifier_valid": row["modifier"] in valid, "ordinal": ordinal},
        )


def _continue_row(
    row: dict[str, Any], header: tuple[str, ...], cells: list[str], line: Line
) -> None:
    texts = [c for c in cells if c]
    # Cells line up with the header when the row kept all its separators; otherwise the
    # wrapped text belongs to the last column that has text (usage, then description).
    if len(cells) == len(header):
        targets = [("description" if "desc" in h else "usage") for h in header]
        pairs = [(t, c) for t, c in zip(targets, cells, strict=True) if c and t]
    else:
        pairs = [("usage" if row.get("usage") is not None else "description", " ".join(texts))]
    for column, text in pairs:
        row[column] = f"{row.get(column) or ''} {text}".strip()
    row["char_end"] = line.end


def _normalise_modifier(cell: str) -> str | None:
    value = clean_inline(cell)
    if not value:
        return None
    m = MODIFIER_TOKEN.match(value)
    return m.group(1).upper() if m else value[:20]


@lru_cache(maxsize=1024)
def _header_columns(header: tuple[str, ...]) -> tuple[int | None, int | None, int | None]:
    """Indexes of the modifier, description and usage columns of a table header."""

    def first(*names: str) -> int | None:
        for i, key in enumerate(header):
            if any(key.startswith(n) for n in names):
                return i
        return None

    return (
        first("modifier"),
        first("description", "descriptor", "meaning", "name"),
        first("when to use", "usage", "use", "when", "application", "guidance", "notes"),
    )


def _modifier_row(header: tuple[str, ...], cells: list[str]) -> dict[str, str | None] | None:
    def cell(index: int | None) -> str | None:
        return (cells[index] or None) if index is not None and index < len(cells) else None

    mod_col, desc_col, usage_col = _header_columns(header)
    modifier = _normalise_modifier(cell(mod_col) or (cells[0] if cells else ""))
    if modifier is None:
        return None
    description = cell(desc_col)
    usage = cell(usage_col)
    if description is None and len(cells) > 1 and header and not header[0].startswith("desc"):
        description = cells[1] or None
    return {"modifier": modifier, "description": description, "usage": usage}


def _modifier_from_list_item(
    rows: list[dict[str, Any]], code: str, line: Line, where: _Locator
) -> None:
    _, text = strip_bullet(line.text)
    found = _label_value(text)
    if not found:
        return
    modifier = _normalise_modifier(found[0])
    if modifier is None or len(found[0].replace("Modifier", "").strip(" -")) > 3:
        return
    rows.append(
        {
            "code": code,
            "modifier": modifier,
            "description": found[1] or None,
            "usage": None,
            **where.provenance(line.start, line.end),
        }
    )
