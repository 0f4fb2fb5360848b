"""`code_modifiers`: one row per modifier row of a code report."""

import pandera.pandas as pa

from schemas.base import PROCEDURE_CODE, Bool, DocumentRecord, Int, Str


class CodeModifier(DocumentRecord):
    code: Str = pa.Field(str_matches=PROCEDURE_CODE, description="the report's code")
    modifier: Str = pa.Field(str_length={"min_value": 1, "max_value": 20}, description="as written")
    description: Str = pa.Field(nullable=True, description="the modifier's description as written")
    usage: Str = pa.Field(nullable=True, description="when to use it, as written")
    modifier_valid: Bool = pa.Field(
        description="true when the modifier is in schemas/reference/modifiers.csv"
    )
    ordinal: Int = pa.Field(ge=1, description="row number in the report's modifier table")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "ordinal"]
