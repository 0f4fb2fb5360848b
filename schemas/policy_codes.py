"""`policy_codes`: one row per code a policy version lists, with its coverage."""

import pandera.pandas as pa

from schemas.base import DocumentRecord, Int, Str
from schemas.reference import payer_registry

COVERAGES = ["covered", "not_covered", "investigational", "unspecified"]


class PolicyCode(DocumentRecord):
    payer_id: Str = pa.Field(isin=sorted(payer_registry().payer_ids), description="payer id")
    policy_id: Str = pa.Field(description="payer's policy number")
    code: Str = pa.Field(
        str_matches=r"^(?:\d{5}|\d{4}[FT]|[A-Z]\d{4}|[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)$",
        description="CPT, HCPCS or ICD-10-CM code",
    )
    code_system: Str = pa.Field(isin=["CPT", "HCPCS", "ICD10CM"], description="code system")
    coverage: Str = pa.Field(isin=COVERAGES, description="coverage the policy gives the code")
    coverage_text: Str = pa.Field(nullable=True, description="the statement or heading, as written")
    description: Str = pa.Field(nullable=True, description="the code's descriptor as written")
    page: Int = pa.Field(nullable=True, ge=1, description="PDF page")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "code", "coverage"]
