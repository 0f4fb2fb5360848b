"""`code_payers`: one row per payer named in a code report."""

import pandera.pandas as pa

from schemas.base import PROCEDURE_CODE, DocumentRecord, Str
from schemas.reference import payer_registry


class CodePayer(DocumentRecord):
    code: Str = pa.Field(str_matches=PROCEDURE_CODE, description="the report's code")
    payer_id: Str = pa.Field(
        isin=sorted(payer_registry().payer_ids), description="payer registry id"
    )
    payer_name: Str = pa.Field(description="the payer's name as written in the report")
    coverage_statement: Str = pa.Field(
        nullable=True, description="what the report says of coverage"
    )
    prior_auth: Str = pa.Field(
        isin=["required", "not_required", "unknown"], description="prior authorization, as stated"
    )

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "code", "payer_id"]
