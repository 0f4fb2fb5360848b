"""Field extraction for code reports: one generated document per CPT/HCPCS code.

A line classifier over the shared text primitives, not a markdown parser: the reports'
headings are mostly unmarked and their tables malformed. Every record carries the section
it came from and its character span.
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from flows.extract.sections import Section, split_sections
from flows.model import DOC_KIND_CODE_REPORT, STAGE_PARSE, DocumentText, Extraction, Problem
from flows.text import (
    NOT_AVAILABLE,
    Line,
    classify_code,
    clean_inline,
    first_date,
    heading_key,
    is_alignment_row,
    is_pipe_row,
    iter_lines,
    label_head,
    label_value,
    parse_money,
    split_pipe_row,
    strip_bullet,
    text_memo,
    title_code,
)
from schemas.datasets import (
    BILLING_CODES,
    CODE_BENCHMARKS,
    CODE_DOCUMENTATION,
    CODE_MODIFIERS,
    CODE_PAYERS,
    CODE_POLICY_UPDATES,
    DOCUMENT_SECTIONS,
)
from schemas.reference import payer_registry, valid_modifiers

# Canonical section roles, keyed by normalised heading text (see flows.text.heading_key).
SECTION_ROLES: dict[str, str] = {
    "summary and overview": "summary",
    "summary": "summary",
    "overview": "summary",
    "executive summary": "summary",
    "payer coverage considerations": "coverage",
    "payer coverage": "coverage",
    "coverage considerations": "coverage",
    "payer coverage and policies": "coverage",
    "payer policies": "coverage",
    "payer considerations": "coverage",
    "coverage by payer": "coverage",
    "policy updates": "updates",
    "recent policy updates": "updates",
    "policy changes": "updates",
    "policy updates and changes": "updates",
    "benchmarks": "benchmarks",
    "payment benchmarks": "benchmarks",
    "reimbursement benchmarks": "benchmarks",
    "benchmarks and payment": "benchmarks",
    "financial benchmarks": "benchmarks",
    "documentation requirements": "documentation",
    "documentation elements": "documentation",
    "documentation": "documentation",
    "required documentation": "documentation",
    "billing considerations": "documentation",
    "modifiers": "modifiers",
    "common modifiers": "modifiers",
    "billing modifiers": "modifiers",
    "modifier guidance": "modifiers",
    "coding specifications": "modifiers",
}

#: Formats whose raw text can be "cut off"; converted formats end where their reader stops.
TEXT_MEDIA_TYPES = frozenset({"text/plain", "text/markdown"})

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

PAYER_LIST = re.compile(
    r"\b(?:key\s+|major\s+|principal\s+)?payers?\s+(?:\w+\s+){0,3}?"
    r"(?:in|covered\s+in|addressed\s+in|included\s+in|considered\s+in|reviewed\s+in)\s+"
    r"this\s+(?:analysis|report|review|publication|document)\s+(?:include|includes|are)\s*:?\s*"
    r"(?P<list>[^.\n]+)",
    re.IGNORECASE,
)
_RVU = re.compile(r"\bRVUs?\b", re.IGNORECASE)
_DAYS = re.compile(r"\bdays?\b", re.IGNORECASE)
_LEADING_CONJUNCTION = re.compile(r"^(?:and|or)\s+", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&(?!\s*Medicaid))\s*", re.IGNORECASE)

PRIOR_AUTH = re.compile(
    r"prior[\s-]*auth\w*|pre[\s-]*authori[sz]ation|pre[\s-]*certification|precert\w*|"
    r"prior\s+approval|pre[\s-]*approval",
    re.IGNORECASE,
)
PRIOR_AUTH_NOT = re.compile(
    r"(?:not|n't|no)\s+(?:\w+\s+){0,3}?(?:required|needed|necessary|mandatory)|"
    r"\bno\s+(?:prior[\s-]*auth\w*|pre[\s-]*authori[sz]ation|precert\w*|pre[\s-]*certification)|"
    r"without\s+(?:prior[\s-]*auth\w*|pre[\s-]*authori[sz]ation)|"
    r"(?:does\s+not|doesn't|do\s+not)\s+require|exempt",
    re.IGNORECASE,
)
PRIOR_AUTH_YES = re.compile(
    r"\brequire[ds]?\b|\brequiring\b|\bneeded\b|\bmandatory\b|\bmust\b", re.I
)
# The lower-case words every match of each pattern above starts with (see _search_from).
_PRIOR_AUTH_STARTS = ("pr",)
_PRIOR_AUTH_NOT_STARTS = ("no", "n't", "without", "do", "exempt")
_PRIOR_AUTH_YES_STARTS = ("requir", "needed", "mandatory", "must")

MODIFIER_TOKEN = re.compile(r"^(?:mod(?:ifier)?\.?\s*)?-?\s*([0-9A-Za-z]{2})(?![0-9A-Za-z])", re.I)
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


#: `split_pipe_row` and `label_value`, memoised: reports repeat their table rows and
#: labelled lines. The cells are shared, never changed.
_pipe_row_cells = text_memo(8192)(split_pipe_row)
_label_value = text_memo(16384)(label_value)


def _row_cells(line: str) -> list[str] | None:
    """`split_pipe_row(line)`; only lines with a pipe reach the memo (prose would churn it)."""
    return _pipe_row_cells(line) if "|" in line else None


def _role(section: Section) -> str | None:
    return SECTION_ROLES.get(section.key)


_NOT_AVAILABLE_LINE = re.compile(r"data not available in the input\.?", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_UPDATE_EDGES = re.compile(r"^[\s|:–—-]+|[\s|]+$")
_CELL_SEPARATOR = re.compile(r"\s*\|\s*")
#: Every character `\s` matches (those `str.isspace` accepts; none is above U+3000), and
#: the edges `_UPDATE_EDGES` strips on each side, for str.strip.
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_UPDATE_LEAD = _WHITESPACE + "|:–—-"
_UPDATE_TRAIL = _WHITESPACE + "|"
#: Words in the labels of service type and site of service (lower case).
_LABEL_WORDS = ("service", "setting")
_LABEL_WORD = re.compile("|".join(_LABEL_WORDS), re.IGNORECASE)


class _Locator:
    """Maps character offsets to the section that holds them."""

    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections
        self.starts = [s.char_start for s in sections]

    def section_at(self, offset: int) -> Section | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.sections[i] if i >= 0 else None

    def provenance(self, start: int, end: int) -> dict[str, Any]:
        i = bisect.bisect_right(self.starts, start) - 1  # section_at, inlined: a hot path
        return {
            "section_ordinal": self.sections[i].ordinal if i >= 0 else None,
            "char_start": start,
            "char_end": end,
        }


def extract_code_report(doc: DocumentText) -> Extraction:
    """Extract the code report datasets from `doc`; never raises on odd text."""
    out = Extraction(doc_kind=DOC_KIND_CODE_REPORT)
    lines = list(iter_lines(doc.text))
    sections = split_sections(doc, lines)
    out.records[DOCUMENT_SECTIONS.name] = [s.row() for s in sections]
    where = _Locator(sections)

    code, title, title_line = _find_title(lines)
    if code is None:
        out.problems.append(
            Problem(
                STAGE_PARSE,
                "no_billing_code",
                "No CPT/HCPCS code was found in a title line such as 'CPT 47383: Title'; "
                "check that the file is a code report and that its title names the code.",
            )
        )
        return out
    system, category = classify_code(code) or ("CPT", "I")
    out.document.update(
        title=title,
        primary_code=code,
        payer_id=None,
        effective_date=None,
        series_key=f"code_report:{code}",
    )

    billing = {
        "code": code,
        "code_system": system,
        "code_category": category,
        "descriptor": title,
        "service_type": None,
        "site_of_service": None,
        **where.provenance(title_line.start, title_line.end),
    }
    for i in _lines_with_label_words(doc.text, lines):
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
    out.add(BILLING_CODES.name, billing)

    _extract_payers(out, code, sections, where, doc.text)
    _extract_modifiers(out, code, sections, where, doc.text)
    for section in sections:
        role = _role(section)
        if role == "updates":
            _extract_updates(out, code, section, where)
        elif role == "benchmarks":
            _extract_benchmarks(out, code, section, where)
        elif role == "documentation":
            _extract_documentation(out, code, section, where)
    if doc.media_type in TEXT_MEDIA_TYPES:
        _check_truncation(out, doc.text, lines)
    return out


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


def _extract_payers(
    out: Extraction, code: str, sections: list[Section], where: _Locator, text: str
) -> None:
    registry = payer_registry()
    rows: dict[str, dict[str, Any]] = {}
    # The payer sentence sits in the summary: search its section first, not the whole text.
    summary = next((s for s in sections if _role(s) == "summary"), None)
    m = None
    if summary is not None:
        m = _search_payer_list(text, summary.char_start, summary.char_end + 1)
    if m is None:
        m = _search_payer_list(text, 0, len(text))
    if m:
        offset = m.start("list")
        pos = 0
        listed = m.group("list")
        for part in _LIST_SPLIT.split(listed):
            name = part.strip().strip(".").strip()
            start = listed.find(part, pos)
            pos = max(pos, start + len(part))
            if not name:
                continue
            name = _LEADING_CONJUNCTION.sub("", name)
            payer_id = registry.resolve(name)
            key = payer_id or f"?{name}"
            if key in rows:
                continue
            begin = offset + max(start, 0)
            rows[key] = {
                "code": code,
                "payer_id": payer_id,
                "payer_name": name,
                "coverage_statement": None,
                "prior_auth": "unknown",
                **where.provenance(begin, begin + len(part)),
            }

    for section in sections:
        if _role(section) != "coverage":
            continue
        last: dict[str, Any] | None = None
        for line in section.lines:
            stated = _payer_statement(line.text)
            payer_id = registry.resolve(stated[0]) if stated else None
            if payer_id is None:
                text = line.text.strip()
                if last is not None and text and not text.startswith(("-", "*", "|", "#")):
                    # A statement wrapped onto the next line (PDF/DOCX export).
                    last["coverage_statement"] = f"{last['coverage_statement']} {text}"
                    last["prior_auth"] = _prior_auth(last["coverage_statement"])
                    last["char_end"] = line.end
                else:
                    last = None
                continue
            assert stated is not None
            name, statement = stated
            row = rows.get(payer_id)
            if row is None:
                row = rows[payer_id] = {
                    "code": code,
                    "payer_id": payer_id,
                    "payer_name": name,
                    "coverage_statement": None,
                    "prior_auth": "unknown",
                    **where.provenance(line.start, line.end),
                }
            if row["coverage_statement"] is None:
                row["coverage_statement"] = statement
                row["prior_auth"] = _prior_auth(statement)
                row.update(where.provenance(line.start, line.end))
                last = row
            else:
                last = None
    for row in rows.values():
        out.add(CODE_PAYERS.name, row)


#: The words PAYER_LIST allows before "payer" (each followed by whitespace).
_PAYER_PREFIXES = ("key", "major", "principal")


def _search_payer_list(text: str, start: int, end: int) -> re.Match[str] | None:
    """`PAYER_LIST.search(text, start, end)`, tried only where a match can start.

    Every match starts at a "payer", or at one of `_PAYER_PREFIXES` that whitespace
    separates from it: trying those places in order finds the same first match without
    trying the pattern at every position of the text. Exact for ASCII text, whose
    lower-cased copy keeps every offset.
    """
    if not text.isascii():
        return PAYER_LIST.search(text, start, end)
    low = text[start:end].lower()
    at = low.find("payer")
    while at >= 0:
        space = at
        while space > 0 and low[space - 1].isspace():
            space -= 1
        starts = [at]
        if space < at:
            for word in _PAYER_PREFIXES:
                begin = space - len(word)
                if begin >= 0 and low.startswith(word, begin):
                    starts.append(begin)
        for begin in sorted(starts):
            m = PAYER_LIST.match(text, start + begin, end)
            if m:
                return m
        at = low.find("payer", at + 1)
    return None


def _payer_statement(line: str) -> tuple[str, str] | None:
    cells = _row_cells(line)
    if cells and len(cells) >= 2 and not is_alignment_row(cells):
        statement = " ".join(c for c in cells[1:] if c)
        return (cells[0], statement) if statement else None
    found = _label_value(line)
    if found and found[1]:
        return found
    return None


def prior_auth_of(statement: str) -> str:
    """`required`, `not_required` or `unknown` from a payer's coverage statement."""
    m = _search_from(PRIOR_AUTH, statement, _PRIOR_AUTH_STARTS)
    if not m:
        return "unknown"
    # Look at the clause around the prior-auth phrase, not the whole statement.
    clause_start = max(statement.rfind(".", 0, m.start()), statement.rfind(";", 0, m.start())) + 1
    clause_end_candidates = [i for i in (statement.find(".", m.end()),) if i != -1]
    clause = statement[clause_start : min(clause_end_candidates, default=len(statement))]
    if _search_from(PRIOR_AUTH_NOT, clause, _PRIOR_AUTH_NOT_STARTS):
        return "not_required"
    if _search_from(PRIOR_AUTH_YES, clause, _PRIOR_AUTH_YES_STARTS):
        return "required"
    return "unknown"


def _search_from(
    pattern: re.Pattern[str], text: str, starts: tuple[str, ...]
) -> re.Match[str] | None:
    """`pattern.search(text)` for an IGNORECASE pattern each match of which starts with one
    of the lower-case words `starts`: on ASCII text (whose lower-cased copy keeps every
    offset) the search begins at the first of them, and is skipped when none occurs."""
    if not text.isascii():
        return pattern.search(text)
    low = text.lower()
    found = [at for at in map(low.find, starts) if at >= 0]
    return pattern.search(text, min(found)) if found else None


#: Statements up to this long are memoised by `_prior_auth` (payers' statements repeat
#: across reports; the bound keeps the cache small).
_STATEMENT_MEMO_CHARS = 600
_prior_auth_cached = lru_cache(maxsize=4096)(prior_auth_of)


def _prior_auth(statement: str) -> str:
    """`prior_auth_of`, memoised for statements of common length (a pure function)."""
    if len(statement) <= _STATEMENT_MEMO_CHARS:
        return _prior_auth_cached(statement)
    return prior_auth_of(statement)


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


def _extract_updates(out: Extraction, code: str, section: Section, where: _Locator) -> None:
    for line in section.lines:
        cells = _row_cells(line.text)
        if cells is not None and is_alignment_row(cells):
            continue
        text = " | ".join(cells) if cells else line.text
        if not _DIGIT.search(text):
            continue  # every date spelling has a digit; the date pattern is the costly part
        dated = first_date(text)
        if dated is None:
            continue
        when, start, end = dated
        summary = (text[:start] + text[end:]).strip()
        summary = _strip_update_edges(strip_bullet(summary)[1])
        if "|" in summary:
            summary = _CELL_SEPARATOR.sub(" | ", summary)
        out.add(
            CODE_POLICY_UPDATES.name,
            {
                "code": code,
                "update_date": when,
                "payer_id": _first_payer_id(summary),
                "summary": clean_inline(summary) or None,
                **where.provenance(line.start, line.end),
            },
        )


@text_memo(4096)
def _first_payer_id(text: str) -> str | None:
    """The payer of the first payer mention in `text` (memoised: update lines repeat)."""
    mention = payer_registry().first(text)
    return mention.payer_id if mention else None


def _strip_update_edges(summary: str) -> str:
    """`_UPDATE_EDGES.sub("", summary)` as two strips: the pattern's trailing alternative
    is tried at every position of the line."""
    return summary.lstrip(_UPDATE_LEAD).rstrip(_UPDATE_TRAIL)


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


def _check_truncation(out: Extraction, text: str, lines: list[Line]) -> None:
    """A generated report that stops mid-table or mid-sentence is published as partial."""
    if not text or text.endswith("\n"):
        return
    last = next((line for line in reversed(lines) if line.text.strip()), None)
    if last is None:
        return
    stripped = last.text.rstrip()
    ends_table = split_pipe_row(stripped) is not None
    if ends_table or not stripped.endswith((".", "!", "?", ":", ")")):
        out.problems.append(
            Problem(
                STAGE_PARSE,
                "truncated_document",
                "The document ends without a final newline "
                + ("inside a table" if ends_table else "mid-sentence")
                + "; later sections are probably missing. Re-export the full report.",
                {"char_start": last.start, "char_end": last.end, "line": stripped[:500]},
            )
        )
