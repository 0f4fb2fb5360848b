"""`policy_codes`: one row per code a policy version lists, with its coverage."""

import pandera.pandas as pa

from schemas.base import Bool, DocumentRecord, Int, Str
from schemas.reference import payer_registry

COVERAGES = ["covered", "not_covered", "investigational", "unspecified"]
PRIOR_AUTH = ["required", "not_required", "unknown"]
#: CPT Category I/II/III, PLA (`0002U`), MAAA (`0011M`), HCPCS Level II, ICD-10-CM.
POLICY_CODE = r"^(?:\d{5}|\d{4}[FTUM]|[A-Z]\d{4}|[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)$"


class PolicyCode(DocumentRecord):
    payer_id: Str = pa.Field(isin=sorted(payer_registry().payer_ids), description="payer id")
    policy_id: Str = pa.Field(nullable=True, description="payer's policy number (null: none shown)")
    code: Str = pa.Field(str_matches=POLICY_CODE, description="CPT, HCPCS or ICD-10-CM code")
    code_system: Str = pa.Field(
        isin=["CPT", "HCPCS", "ICD10CM"], description="code system (CPT includes PLA and MAAA)"
    )
    coverage: Str = pa.Field(isin=COVERAGES, description="coverage the policy gives the code")
    coverage_text: Str = pa.Field(nullable=True, description="the statement or heading, as written")
    description: Str = pa.Field(nullable=True, description="the code's descriptor as written")
    prior_auth: Str = pa.Field(
        isin=PRIOR_AUTH, description="whether the document requires prior authorization for it"
    )
    listed_under: Str = pa.Field(
        nullable=True, description="the service or category a list puts the code under"
    )
    from_range: Bool = pa.Field(description="expanded from a range such as 87480-87482")
    range_end: Str = pa.Field(
        nullable=True,
        str_matches=POLICY_CODE,
        description="high bound of a range too large to expand (`code` is its low bound)",
    )
    page: Int = pa.Field(nullable=True, ge=1, description="PDF page")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "code", "coverage", "listed_under"]
