"""`payer_policies`: one row per policy document version."""

import pandera.pandas as pa

from schemas.base import Date, DocumentRecord, Str
from schemas.reference import payer_registry

POLICY_TYPES = [
    "cpb",
    "medical_coverage_policy",
    "medical_policy",
    "lcd",
    "ncd",
    "billing_article",
    "policy",
]


class PayerPolicy(DocumentRecord):
    payer_id: Str = pa.Field(isin=sorted(payer_registry().payer_ids), description="payer id")
    policy_id: Str = pa.Field(str_length={"min_value": 1}, description="payer's policy number")
    title: Str = pa.Field(nullable=True, description="policy title as written")
    policy_type: Str = pa.Field(nullable=True, isin=POLICY_TYPES, description="layout family")
    effective_date: Date = pa.Field(nullable=True, description="this version's effective date")
    original_effective_date: Date = pa.Field(
        nullable=True, description="policy's first effective date"
    )
    last_reviewed_date: Date = pa.Field(nullable=True, description="last review date")
    next_review_date: Date = pa.Field(nullable=True, description="scheduled next review")
    version_date: Date = pa.Field(
        nullable=True, description="effective date if stated, else last review: orders versions"
    )

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id"]
