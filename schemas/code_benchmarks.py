"""`code_benchmarks`: one row per figure in a code report's benchmarks."""

import pandera.pandas as pa

from schemas.base import PROCEDURE_CODE, DocumentRecord, Money, Str


class CodeBenchmark(DocumentRecord):
    code: Str = pa.Field(str_matches=PROCEDURE_CODE, description="the report's code")
    metric: Str = pa.Field(description="the figure's label as written")
    amount: Money = pa.Field(nullable=True, description="the figure; null when 'not available'")
    unit: Str = pa.Field(
        nullable=True, isin=["USD", "percent", "RVU", "days"], description="unit of amount"
    )
    setting: Str = pa.Field(
        nullable=True,
        isin=["facility", "non-facility", "hospital_outpatient", "asc", "inpatient", "office"],
        description="site-of-service setting the figure applies to",
    )
    value_text: Str = pa.Field(nullable=True, description="the value as written")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "char_start"]
