"""`documents`: one row per distinct file content read (doc_id)."""

import pandera.pandas as pa

from schemas.base import Date, Int, Str, Timestamp, doc_id_field

DOC_KINDS = ["code_report", "payer_policy"]
SERIES_KEY_SOURCES = ["policy_id", "title", "file_stem"]
STATUSES = ["ok", "partial", "rejected"]


class Document(pa.DataFrameModel):
    doc_id: Str = doc_id_field()
    source_path: Str = pa.Field(description="POSIX path relative to the sources root, first seen")
    doc_kind: Str = pa.Field(
        nullable=True, isin=DOC_KINDS, description="code_report or payer_policy"
    )
    media_type: Str = pa.Field(nullable=True, description="sniffed media type")
    series_key: Str = pa.Field(
        nullable=True, description="code_report:<code> or payer_policy:<payer_id>:<policy_id>"
    )
    series_key_source: Str = pa.Field(
        nullable=True,
        isin=SERIES_KEY_SOURCES,
        description="what a policy's series key is made from: policy_id, title or file_stem",
    )
    title: Str = pa.Field(nullable=True, description="document title as written")
    payer_id: Str = pa.Field(nullable=True, description="payer registry id (policies)")
    policy_id: Str = pa.Field(nullable=True, description="payer's policy number (policies)")
    primary_code: Str = pa.Field(nullable=True, description="the code a code report describes")
    effective_date: Date = pa.Field(nullable=True, description="effective date the document states")
    version_date: Date = pa.Field(
        nullable=True, description="date that orders versions of a series (see DESIGN.md)"
    )
    status: Str = pa.Field(
        isin=STATUSES, description="ok, partial (some records quarantined) or rejected"
    )
    problem_count: Int = pa.Field(ge=0, description="quarantine rows raised for this document")
    parser_version: Str = pa.Field(
        description="version of the extraction code that produced the rows"
    )
    byte_size: Int = pa.Field(ge=0, description="size of the raw file in bytes")
    first_seen_at: Timestamp = pa.Field(description="when a run first read this content (UTC)")
    run_id: Str = pa.Field(description="run that extracted this content")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id"]
