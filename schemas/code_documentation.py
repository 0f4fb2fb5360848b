"""`code_documentation`: one row per documentation element of a code report."""

import pandera.pandas as pa

from schemas.base import PROCEDURE_CODE, DocumentRecord, Int, Str


class CodeDocumentation(DocumentRecord):
    code: Str = pa.Field(str_matches=PROCEDURE_CODE, description="the report's code")
    ordinal: Int = pa.Field(ge=1, description="position in the documentation list")
    element: Str = pa.Field(str_length={"min_value": 1}, description="the element as written")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "ordinal"]
