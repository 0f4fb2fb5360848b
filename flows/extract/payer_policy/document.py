"""The entry point: one policy document to its policy, code and revision records.

A payer policy or code list is always published with what was found; a missing field
(number, version date, issuer) is a problem with a record, so the document is `partial`.
Only a page about no coverage at all (an index, FAQ or news list) is rejected.
"""

from __future__ import annotations

import re
from typing import Any

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    HEADER_CHARS,
    REASON_MISSING_EFFECTIVE_DATE,
    REASON_MISSING_POLICY_ID,
    REASON_NOT_A_POLICY,
    REASON_UNKNOWN_PAYER,
    _pipe_cells,
    holds_any,
)
from flows.extract.payer_policy.coverage import is_prior_auth_list
from flows.extract.payer_policy.header import (
    HeaderFields,
    _generic_policy_type,
    _header_fields,
    _header_values,
    _opens_known_section,
    _title_of,
    unlabelled_fields,
)
from flows.extract.payer_policy.issuer import detect_issuer, line_of_business
from flows.extract.payer_policy.labels import _policy_id_of
from flows.extract.payer_policy.lines import _UNWRAPPED_MEDIA, _classify, _merge_wrapped, _prose
from flows.extract.payer_policy.listing import _Context, _policy_code_rows
from flows.extract.payer_policy.revisions import _revision_rows
from flows.extract.payer_policy.sections import _line_modes, _section_modes
from flows.extract.sections import split_sections
from flows.model import DOC_KIND_PAYER_POLICY, STAGE_PARSE, DocumentText, Extraction, Problem
from flows.textkit.dates import labelled_date
from flows.textkit.lines import iter_lines
from schemas.datasets import DOCUMENT_SECTIONS, PAYER_POLICIES, POLICY_CODES, POLICY_REVISIONS
from schemas.reference import UNKNOWN_PAYER

_SLUG_WORD = re.compile(r"[a-z0-9]+")


def _slug(text: str) -> str:
    """Lower-case words joined by dashes (at most 80 characters): a stable series name."""
    return "-".join(_SLUG_WORD.findall(text.lower()))[:80].strip("-")


def series_key(payer_id: str, policy_id: str | None, title: str | None, source_path: str):
    """(series_key, series_key_source): by policy number, else by normalised title, else
    by file stem (DESIGN.md, identity)."""
    if policy_id:
        return f"payer_policy:{payer_id}:{policy_id}", "policy_id"
    if title and _slug(title):
        return f"payer_policy:{payer_id}:title:{_slug(title)}", "title"
    stem = source_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"payer_policy:{payer_id}:file:{_slug(stem) or 'unnamed'}", "file_stem"


def _missing(reason: str, message: str, record: dict[str, Any]) -> Problem:
    return Problem(STAGE_PARSE, reason, message, record)


def extract_payer_policy(
    doc: DocumentText, *, source_path: str, payer_hint: str | None
) -> Extraction:
    """Parse one payer policy document into its policy, code and revision records.

    `payer_hint` is the sources folder name when it is a registry id. A page about no
    coverage comes back with a `not_a_policy` problem and no records; every other problem
    (`unknown_payer`, `missing_policy_id`, `unparsed_date`, ...) carries a record, so the
    document is published as `partial`. `source_path` appears in messages and names a
    series that has neither a policy number nor a title.
    """
    ex = Extraction(doc_kind=DOC_KIND_PAYER_POLICY)
    lines = list(iter_lines(doc.text))
    sections = split_sections(doc, lines)
    ex.records[DOCUMENT_SECTIONS.name] = [s.row() for s in sections]
    for dataset in (PAYER_POLICIES.name, POLICY_CODES.name, POLICY_REVISIONS.name):
        ex.records[dataset] = []
    section_modes = _section_modes(sections)
    starts = [s.char_start for s in sections]
    modes = _line_modes(lines, starts, section_modes)
    # `heading_text` of every heading line, by line start: the lines that open sections.
    headings = {s.char_start: (s.level, s.heading) for s in sections if s.heading is not None}
    row_cells = [_pipe_cells(line.text) if "|" in line.text else None for line in lines]

    issuer = detect_issuer(doc.text, payer_hint)
    payer_id = issuer.payer_id if issuer else UNKNOWN_PAYER
    layout = pl.layout_for(payer_id)
    found = _header_values(lines, modes, row_cells)
    header = _header_fields(doc, layout, found, source_path)
    if header.policy_type == pl.GENERIC.policy_type:
        header.policy_type = _generic_policy_type(doc.text[:HEADER_CHARS])
    known = [s.char_start for s in sections if s.heading and _opens_known_section(s.heading)]
    zone_end = min([HEADER_CHARS, *known[:1]])
    title = _title_of(lines, zone_end, found, headings)
    unlabelled_fields(doc.text, header, zone_end)

    # Only headings matter in narrative and history sections (`_policy_code_rows`): their
    # other lines are not read for codes, so they are not classified.
    items = [
        _classify(line, headings.get(line.start))
        if mode == "codes" or line.start in headings
        else _prose(line)
        for line, mode in zip(lines, modes, strict=True)
    ]
    if doc.media_type not in _UNWRAPPED_MEDIA:
        items = _merge_wrapped(items)
    policy_id: str | None = header.values.get(pl.POLICY_ID)
    ctx = _Context(doc, payer_id, policy_id, layout, starts, header.problems)
    pa_list = is_prior_auth_list(doc.text)
    listing = _policy_code_rows(ctx, items, modes, pa_list)
    if _not_a_policy(
        header, found, title, doc.text, listing.states_coverage, pa_list, bool(listing.rows)
    ):
        ex.problems.append(
            Problem(
                STAGE_PARSE,
                REASON_NOT_A_POLICY,
                f"{source_path} is not a payer policy or code list (an index, FAQ or news "
                "page: no policy header and no coverage statement); nothing was published.",
            )
        )
        return ex
    if pa_list:
        header.policy_type = "prior_auth_list"
    _publish(ex, doc, header, layout, title, issuer, ctx, source_path)
    ex.records[POLICY_CODES.name] = listing.rows
    ex.records[POLICY_REVISIONS.name] = _revision_rows(ctx, lines, modes, row_cells, headings)
    return ex


#: A word each match of the `not_a_policy` openings holds: where none is in the opening,
#: the pattern is not tried (~30 us a document).
_STRONG_WORDS = (
    *("update", "changes", "librar", "provider", "news", "what", "question", "faq"),
    *("index", "listed below", "administrative bulletin", "and revised"),
)


def _not_a_policy(
    header: HeaderFields,
    found: list[Any],
    title: str | None,
    text: str,
    states_coverage: bool,
    pa_list: bool,
    has_codes: bool,
) -> bool:
    """A page about policies or about no coverage, not a policy: an index that repeats a
    policy's labels for every entry, an update or news page by its title or opening, or a
    page with no labelled header field and no coverage statement at all."""
    if pa_list:
        return False  # a prior-authorization list is about coverage by definition
    # Values as numbers and dates, so a running header ("Policy Number: 0315 Page 2 of 3")
    # repeated on every page counts once.
    ids, dates = set(), set()
    for f in found:
        if f.label.field == pl.POLICY_ID:
            ids.add(_policy_id_of(f.value, slug=f.label.slug))
        elif f.label.field == pl.EFFECTIVE and (parsed := labelled_date(f.value)):
            dates.add(parsed[0])
    if len(ids - {None}) >= 3 or len(dates) >= 3:
        return True  # an index: a label repeated for every policy it lists
    labelled = header.values and any(f.label.field not in (pl.IGNORE, pl.TITLE) for f in found)
    # A labelled policy that states coverage is looked at by its title and first lines; a
    # page without either, by its first 600 characters too (every character costs).
    head = text[:600] if not (labelled and states_coverage) else text[: text.find("\n", 200) + 1]
    opening = "\n".join((title or "", head))
    low = opening.lower()
    if holds_any(low, _STRONG_WORDS) and (
        pl.NOT_A_POLICY_STRONG_LOW.search(low)
        if len(low) == len(opening)
        else pl.NOT_A_POLICY_STRONG.search(opening)
    ):
        return True  # "Medical Policy Updates", "Provider News", whatever labels it holds
    top = "\n".join([title or "", *[ln for ln in text[:600].split("\n", 12) if ln.strip()][:3]])
    if not labelled and pl.NOT_A_POLICY_TITLE.search(top):
        return True  # "Frequently Asked Questions", "Provider News": its title says it
    if labelled or (states_coverage and has_codes):
        return False  # a policy: what its first words say does not undo that
    first = next((line for line in text[:600].split("\n", 8) if line.strip()), "")
    if pl.POLICY_ID not in header.values and pl.NOT_A_POLICY_COLLECTION.match(first):
        return True  # "Medical Policies" over a list of them
    if pl.POLICY_ID not in header.values and not has_codes and not header.values:
        return True  # no number, no date, no code: a page about policies, not one
    return bool(pl.NOT_A_POLICY_TITLE.search(opening)) or not states_coverage


def _publish(
    ex: Extraction,
    doc: DocumentText,
    header: HeaderFields,
    layout: pl.Layout,
    title: str | None,
    issuer: Any,
    ctx: _Context,
    source_path: str,
) -> None:
    """The document row, the `payer_policies` row, and a problem per missing field."""
    values, precision = header.values, header.precision
    payer_id, policy_id = ctx.payer_id, ctx.policy_id
    version_field = next((f for f in layout.version_fields if f in values), None)
    key, key_source = series_key(payer_id, policy_id, title, source_path)
    span = header.id_span or (0, 0)
    ex.document = {
        "title": title,
        "payer_id": payer_id,
        "policy_id": policy_id,
        "primary_code": None,
        "effective_date": values.get(pl.EFFECTIVE),
        "series_key": key,
        "series_key_source": key_source,
        "version_date": values.get(version_field) if version_field else None,
    }
    row = {
        "payer_id": payer_id,
        "issuer": issuer.name if issuer else None,
        "line_of_business": line_of_business(doc.text[:HEADER_CHARS]),
        "policy_id": policy_id,
        "title": title,
        "policy_type": header.policy_type,
        "version_date": ex.document["version_date"],
        "section_ordinal": ctx.ordinal_at(span[0]),
        "char_start": span[0],
        "char_end": span[1],
    }
    for name in pl.DATE_FIELDS:
        row[name] = values.get(name)
        row[f"{name}_precision"] = precision.get(name)
    ex.records[PAYER_POLICIES.name] = [row]
    where = {"series_key": key, "char_start": span[0]}
    if issuer is None:
        ex.problems.append(
            _missing(
                REASON_UNKNOWN_PAYER,
                f"Cannot tell which payer issued {source_path}: it is not in a payer folder "
                "and its title, banner and copyright lines name no payer, or several; "
                f"published under the payer id '{UNKNOWN_PAYER}'. Move it into "
                "payer_policies/<payer_id>/ to name its payer.",
                where,
            )
        )
    if policy_id is None:
        ex.problems.append(
            _missing(
                REASON_MISSING_POLICY_ID,
                f"No policy number found in {source_path}; its versions are tracked by "
                f"{key_source.replace('_', ' ')} as {key}.",
                where,
            )
        )
    if version_field is None:
        ex.problems.append(
            _missing(
                REASON_MISSING_EFFECTIVE_DATE,
                f"No effective or review date found in {source_path}; its versions are "
                "ordered by when they were first seen.",
                where,
            )
        )
    ex.problems.extend(header.problems)
