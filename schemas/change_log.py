"""`change_log`: one row per change between consecutive versions of a series."""

import pandera.pandas as pa

from schemas.base import Date, Str, Timestamp

ENTITIES = [
    "document",
    "policy",
    "policy_code",
    "policy_revision",
    "code_report",
    "code_modifier",
    "code_payer",
    "code_policy_update",
    "code_benchmark",
    "code_documentation",
    "source_file",
]


class ChangeLog(pa.DataFrameModel):
    series_key: Str = pa.Field(description="the logical document whose versions changed")
    entity: Str = pa.Field(isin=ENTITIES, description="what kind of thing changed")
    entity_key: Str = pa.Field(description="which one (a code, a modifier, a payer id, ...)")
    field: Str = pa.Field(description="the field that changed, or '*' for the whole entity")
    change_type: Str = pa.Field(isin=["added", "removed", "modified"], description="kind of change")
    old_value: Str = pa.Field(nullable=True, description="value in the older version")
    new_value: Str = pa.Field(nullable=True, description="value in the newer version")
    old_doc_id: Str = pa.Field(nullable=True, description="doc_id of the older version")
    new_doc_id: Str = pa.Field(nullable=True, description="doc_id of the newer version")
    effective_date: Date = pa.Field(nullable=True, description="version date of the newer version")
    run_id: Str = pa.Field(description="run that detected the change")
    detected_at: Timestamp = pa.Field(description="when the change was detected (UTC)")

    class Config:
        strict = True
        coerce = True
        unique = ["series_key", "old_doc_id", "new_doc_id", "entity", "entity_key", "field"]
