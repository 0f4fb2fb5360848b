"""`file_events`: what happened to each path under the sources root (added, changed,
removed), so a file removed from the inbox is recorded, not forgotten."""

import pandera.pandas as pa

from schemas.base import Int, Str, Timestamp


class FileEvent(pa.DataFrameModel):
    source_path: Str = pa.Field(description="POSIX path relative to the sources root")
    event: Str = pa.Field(isin=["added", "changed", "removed"], description="what happened")
    doc_id: Str = pa.Field(nullable=True, description="content now at the path (null if removed)")
    previous_doc_id: Str = pa.Field(nullable=True, description="content before the event")
    byte_size: Int = pa.Field(nullable=True, ge=0, description="size of the new content")
    run_id: Str = pa.Field(description="run that saw it")
    detected_at: Timestamp = pa.Field(description="when it was seen (UTC)")

    class Config:
        strict = True
        coerce = True
        unique = ["source_path", "run_id"]
