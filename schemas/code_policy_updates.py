"""`code_policy_updates`: one row per dated update in a code report."""

import pandera.pandas as pa

from schemas.base import PROCEDURE_CODE, Date, DocumentRecord, Str
from schemas.reference import payer_registry


class CodePolicyUpdate(DocumentRecord):
    code: Str = pa.Field(str_matches=PROCEDURE_CODE, description="the report's code")
    update_date: Date = pa.Field(description="date the update names")
    payer_id: Str = pa.Field(
        nullable=True, isin=sorted(payer_registry().payer_ids), description="payer it concerns"
    )
    summary: Str = pa.Field(nullable=True, description="the update as written")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "char_start"]
