"""The code-report entry point: title, billing code, then each section by its role."""

from __future__ import annotations

from flows.extract.code_report.base import _Locator, _role
from flows.extract.code_report.benchmarks import _extract_benchmarks
from flows.extract.code_report.billing import _billing_row, _find_title
from flows.extract.code_report.documentation import _extract_documentation
from flows.extract.code_report.modifiers import _extract_modifiers
from flows.extract.code_report.payers import _extract_payers
from flows.extract.code_report.updates import _extract_updates
from flows.extract.sections import split_sections
from flows.model import DOC_KIND_CODE_REPORT, STAGE_PARSE, DocumentText, Extraction, Problem
from flows.textkit.lines import Line, iter_lines, split_pipe_row
from schemas.datasets import BILLING_CODES, DOCUMENT_SECTIONS

#: Formats whose raw text can be "cut off"; converted formats end where their reader stops.
TEXT_MEDIA_TYPES = frozenset({"text/plain", "text/markdown"})


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
    out.document.update(
        title=title,
        primary_code=code,
        payer_id=None,
        effective_date=None,
        series_key=f"code_report:{code}",
    )
    out.add(BILLING_CODES.name, _billing_row(code, title, title_line, lines, doc.text, where))
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
