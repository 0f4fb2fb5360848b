"""`payer_policies`: one row per policy document version."""

from typing import Any

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
    "clinical_guideline",
    "prior_auth_list",
]
LINES_OF_BUSINESS = ["commercial", "medicare_advantage", "medicaid", "medicare", "exchange"]
PRECISIONS = ["day", "month"]


def _precision(what: str) -> Any:
    return pa.Field(
        nullable=True, isin=PRECISIONS, description=f"`day`, or `month` when {what} is month-only"
    )


class PayerPolicy(DocumentRecord):
    payer_id: Str = pa.Field(isin=sorted(payer_registry().payer_ids), description="payer id")
    issuer: Str = pa.Field(nullable=True, description="the plan that publishes it, as written")
    line_of_business: Str = pa.Field(
        nullable=True, isin=LINES_OF_BUSINESS, description="line of business the document states"
    )
    policy_id: Str = pa.Field(
        nullable=True,
        str_length={"min_value": 1},
        description="payer's policy number; null when the document shows none",
    )
    title: Str = pa.Field(nullable=True, description="policy title as written")
    policy_type: Str = pa.Field(nullable=True, isin=POLICY_TYPES, description="layout family")
    effective_date: Date = pa.Field(nullable=True, description="this version's effective date")
    effective_date_precision: Str = _precision("the effective date")
    original_effective_date: Date = pa.Field(
        nullable=True, description="policy's first effective date"
    )
    original_effective_date_precision: Str = _precision("the original date")
    last_reviewed_date: Date = pa.Field(nullable=True, description="last review date")
    last_reviewed_date_precision: Str = _precision("the last review date")
    next_review_date: Date = pa.Field(nullable=True, description="scheduled next review")
    next_review_date_precision: Str = _precision("the next review date")
    version_date: Date = pa.Field(
        nullable=True, description="effective date if stated, else last review: orders versions"
    )

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id"]
