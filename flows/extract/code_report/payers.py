"""The payers a report covers: the payer-list sentence, the coverage statement of each
payer in the coverage section, and the prior authorization each statement gives."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flows.extract.code_report.base import _label_value, _Locator, _role, _row_cells
from flows.extract.sections import Section
from flows.model import Extraction
from flows.textkit.lines import is_alignment_row
from schemas.datasets import CODE_PAYERS
from schemas.reference import PayerRegistry, payer_registry

PAYER_LIST = re.compile(
    r"\b(?:key\s+|major\s+|principal\s+)?payers?\s+(?:\w+\s+){0,3}?"
    r"(?:in|covered\s+in|addressed\s+in|included\s+in|considered\s+in|reviewed\s+in)\s+"
    r"this\s+(?:analysis|report|review|publication|document)\s+(?:include|includes|are)\s*:?\s*"
    r"(?P<list>[^.\n]+)",
    re.IGNORECASE,
)
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


def _extract_payers(
    out: Extraction, code: str, sections: list[Section], where: _Locator, text: str
) -> None:
    registry = payer_registry()
    rows = _listed_payers(code, sections, where, text, registry)
    for section in sections:
        if _role(section) == "coverage":
            _add_coverage_statements(rows, code, section, where, registry)
    for row in rows.values():
        out.add(CODE_PAYERS.name, row)


def _listed_payers(
    code: str, sections: list[Section], where: _Locator, text: str, registry: PayerRegistry
) -> dict[str, dict[str, Any]]:
    """A row for each payer the payer-list sentence names ("Payers in this report include:
    ..."), by payer id (`?<name>` for a payer the registry does not know)."""
    rows: dict[str, dict[str, Any]] = {}
    # The payer sentence sits in the summary: search its section first, not the whole text.
    summary = next((s for s in sections if _role(s) == "summary"), None)
    m = None
    if summary is not None:
        m = _search_payer_list(text, summary.char_start, summary.char_end + 1)
    if m is None:
        m = _search_payer_list(text, 0, len(text))
    if not m:
        return rows
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
    return rows


def _add_coverage_statements(
    rows: dict[str, dict[str, Any]],
    code: str,
    section: Section,
    where: _Locator,
    registry: PayerRegistry,
) -> None:
    """Each payer's first coverage statement in a coverage section, with the lines that
    continue it, into `rows` (a row for a payer the payer list did not name)."""
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
