"""`policy_revisions`: one row per entry of a policy's revision history."""

import pandera.pandas as pa

from schemas.base import Date, DocumentRecord, Str
from schemas.reference import payer_registry


class PolicyRevision(DocumentRecord):
    payer_id: Str = pa.Field(isin=sorted(payer_registry().payer_ids), description="payer id")
    policy_id: Str = pa.Field(nullable=True, description="payer's policy number (null: none shown)")
    revision_date: Date = pa.Field(nullable=True, description="date of the revision")
    summary: Str = pa.Field(nullable=True, description="summary of changes as written")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "char_start"]
