"""The entry point: one policy document to its policy, code and revision records."""

from __future__ import annotations

from flows.extract import policy_layouts as pl
from flows.extract.payer_policy.base import (
    HEADER_CHARS,
    REASON_NO_POLICY_ID,
    REASON_UNKNOWN_PAYER,
    _pipe_cells,
)
from flows.extract.payer_policy.header import (
    _generic_policy_type,
    _header_fields,
    _header_values,
    _opens_known_section,
    _title_of,
)
from flows.extract.payer_policy.issuer import (
    detect_payer,
)
from flows.extract.payer_policy.lines import (
    _UNWRAPPED_MEDIA,
    _classify,
    _merge_wrapped,
)
from flows.extract.payer_policy.listing import (
    _Context,
    _policy_code_rows,
)
from flows.extract.payer_policy.revisions import (
    _revision_rows,
)
from flows.extract.payer_policy.sections import (
    _line_modes,
    _section_modes,
)
from flows.extract.sections import split_sections
from flows.model import DOC_KIND_PAYER_POLICY, STAGE_PARSE, DocumentText, Extraction, Problem
from flows.text import (
    iter_lines,
)


def extract_payer_policy(
    doc: DocumentText, *, source_path: str, payer_hint: str | None
) -> Extraction:
    """Parse one payer policy document into its policy, code and revision records.

    `payer_hint` is the sources folder name when it is a registry id. Whole-document
    failures (`unknown_payer`, `no_policy_id`) come back as problems with no policy
    records; record-level oddities (`unparsed_date`, `bad_code_range`) as problems with a
    record. `source_path` only appears in messages.
    """
    ex = Extraction(doc_kind=DOC_KIND_PAYER_POLICY)
    lines = list(iter_lines(doc.text))
    sections = split_sections(doc, lines)
    ex.records["document_sections"] = [s.row() for s in sections]
    for dataset in ("payer_policies", "policy_codes", "policy_revisions"):
        ex.records[dataset] = []
    section_modes = _section_modes(sections)
    starts = [s.char_start for s in sections]
    modes = _line_modes(lines, starts, section_modes)
    # `heading_text` of every heading line, by line start: the lines that open sections.
    headings = {s.char_start: (s.level, s.heading) for s in sections if s.heading is not None}
    row_cells = [_pipe_cells(line.text) if "|" in line.text else None for line in lines]

    payer_id = detect_payer(doc.text, payer_hint)
    layout = pl.layout_for(payer_id)
    found = _header_values(lines, modes, row_cells)
    fields, id_span, policy_type, problems = _header_fields(doc, layout, found, source_path)
    if policy_type == pl.GENERIC.policy_type:
        policy_type = _generic_policy_type(doc.text[:HEADER_CHARS])
    known = [s.char_start for s in sections if s.heading and _opens_known_section(s.heading)]
    title = _title_of(lines, min([HEADER_CHARS, *known[:1]]), found, headings)
    policy_id: str | None = fields.get(pl.POLICY_ID)
    version_date = next((fields[f] for f in layout.version_fields if f in fields), None)
    ex.document = {
        "title": title,
        "payer_id": payer_id,
        "policy_id": policy_id,
        "primary_code": None,
        "effective_date": fields.get(pl.EFFECTIVE),
        "series_key": f"payer_policy:{payer_id}:{policy_id}" if payer_id and policy_id else None,
        "version_date": version_date,
    }
    if payer_id is None:
        ex.problems.append(
            Problem(
                STAGE_PARSE,
                REASON_UNKNOWN_PAYER,
                f"Cannot tell which payer issued {source_path}: it is not in a payer folder "
                "and its header names no payer, or several.",
            )
        )
    if policy_id is None:
        ex.problems.append(
            Problem(STAGE_PARSE, REASON_NO_POLICY_ID, f"No policy number found in {source_path}.")
        )
    if payer_id is None or policy_id is None or id_span is None:
        return ex

    ctx = _Context(doc, payer_id, policy_id, layout, starts, problems)
    ex.records["payer_policies"] = [
        {
            "payer_id": payer_id,
            "policy_id": policy_id,
            "title": title,
            "policy_type": policy_type,
            "effective_date": fields.get(pl.EFFECTIVE),
            "original_effective_date": fields.get(pl.ORIGINAL),
            "last_reviewed_date": fields.get(pl.LAST_REVIEWED),
            "next_review_date": fields.get(pl.NEXT_REVIEW),
            "version_date": version_date,
            "section_ordinal": ctx.ordinal_at(id_span[0]),
            "char_start": id_span[0],
            "char_end": id_span[1],
        }
    ]
    items = [_classify(line, headings.get(line.start)) for line in lines]
    if doc.media_type not in _UNWRAPPED_MEDIA:
        items = _merge_wrapped(items)
    ex.records["policy_codes"] = _policy_code_rows(ctx, items, modes)
    ex.records["policy_revisions"] = _revision_rows(ctx, lines, modes, row_cells, headings)
    ex.problems.extend(problems)
    return ex
