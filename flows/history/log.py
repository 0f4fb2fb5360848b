"""The history stage's entry point: recompute the change log of the series a run touched."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow
import pyarrow.compute as pc

from flows.history.changes import change_rows
from flows.history.compared import compared_records
from flows.history.detections import IDENTITY, keep_first_detection
from flows.history.versions import ordered_versions
from flows.model import Plan
from flows.runtime.memory import release_memory
from schemas.datasets import CHANGE_LOG, DOCUMENTS

if TYPE_CHECKING:
    from flows.publish import TableStore


def build_change_log(
    store: TableStore, plan: Plan, run_id: str, detected_at: datetime
) -> tuple[pyarrow.Table, set[str]]:
    """Recompute the change log of every series this run added a version to.

    Rows already in the log keep their original run_id and detected_at, so the log says when
    a change was first detected, and an unchanged series is not rewritten. Returns the rows
    (as a table in the change_log schema) and the series they replace.
    """
    empty = CHANGE_LOG.arrow.empty_table()
    extracted = {f.doc_id for f in plan.to_extract}
    if not extracted:
        return empty, set()
    docs = store.read(DOCUMENTS.name, ["doc_id", "series_key"])
    mask = pc.is_in(docs.column("doc_id"), value_set=pyarrow.array(sorted(extracted)))
    series = {s for s in docs.filter(mask).column("series_key").to_pylist() if s}
    if not series:
        return empty, set()
    existing = store.read(
        CHANGE_LOG.name,
        [*IDENTITY, "run_id", "detected_at"],
        where=pc.field("series_key").isin(pyarrow.array(sorted(series), pyarrow.string())),
    )
    versions = ordered_versions(store, series)
    changes = change_rows(versions, compared_records(store, versions), run_id, detected_at)
    release_memory()
    changes = changes.combine_chunks()
    return keep_first_detection(changes, existing), series
