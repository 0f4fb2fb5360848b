"""`runs`: one row per pipeline run, written last, listing the table versions it wrote."""

import pandera.pandas as pa

from schemas.base import Int, Str, Timestamp


class Run(pa.DataFrameModel):
    run_id: Str = pa.Field(description="our run id (also in each Delta commit's metadata)")
    flow_run_id: Str = pa.Field(nullable=True, description="Prefect flow run id")
    started_at: Timestamp = pa.Field(description="start (UTC)")
    finished_at: Timestamp = pa.Field(description="end (UTC)")
    status: Str = pa.Field(isin=["completed", "failed"], description="outcome of the run")
    sources_root: Str = pa.Field(description="sources root the run read")
    parser_version: Str = pa.Field(description="extraction code version")
    files_seen: Int = pa.Field(ge=0, description="files found under the sources root")
    files_new: Int = pa.Field(ge=0, description="files whose content was extracted this run")
    files_unchanged: Int = pa.Field(ge=0, description="files whose content was already published")
    files_quarantined: Int = pa.Field(ge=0, description="files refused or rejected this run")
    files_removed: Int = pa.Field(ge=0, description="paths gone since the last run")
    records_quarantined: Int = pa.Field(ge=0, description="records that failed a check this run")
    table_versions: Str = pa.Field(description="JSON {table: Delta version} as of this run")

    class Config:
        strict = True
        coerce = True
        unique = ["run_id"]
