"""`billing_codes`: one row per code described by a code report."""

import pandera.pandas as pa

from schemas.base import PROCEDURE_CODE, DocumentRecord, Str


class BillingCode(DocumentRecord):
    code: Str = pa.Field(str_matches=PROCEDURE_CODE, description="CPT or HCPCS Level II code")
    code_system: Str = pa.Field(isin=["CPT", "HCPCS"], description="CPT or HCPCS")
    code_category: Str = pa.Field(
        isin=["I", "II", "III", "HCPCS"], description="CPT category I/II/III or HCPCS Level II"
    )
    descriptor: Str = pa.Field(nullable=True, description="the code's title as the report gives it")
    service_type: Str = pa.Field(nullable=True, description="'Service type' as written")
    site_of_service: Str = pa.Field(
        nullable=True, description="'Typical site of service' as written"
    )

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "code"]
