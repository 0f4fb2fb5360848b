"""`quarantine`: one row per problem found, with a reason a person can act on."""

import pandera.pandas as pa

from schemas.base import Str, Timestamp

STAGES = ["discover", "read", "parse", "validate"]


class Quarantine(pa.DataFrameModel):
    quarantine_id: Str = pa.Field(description="sha256 of the problem's identity (dedupes reruns)")
    source_path: Str = pa.Field(nullable=True, description="file relative to the sources root")
    doc_id: Str = pa.Field(nullable=True, description="content hash when the file could be read")
    stage: Str = pa.Field(isin=STAGES, description="stage that found the problem")
    reason: Str = pa.Field(description="stable code: empty_file, check_failed:<check>, ...")
    message: Str = pa.Field(description="what is wrong and what to do, for a person")
    record: Str = pa.Field(nullable=True, description="JSON of the failing record")
    run_id: Str = pa.Field(description="run that found it")
    detected_at: Timestamp = pa.Field(description="when it was found (UTC)")

    class Config:
        strict = True
        coerce = True
        unique = ["quarantine_id"]
