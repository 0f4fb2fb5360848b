"""A recomputed change-log row keeps the run_id and detected_at of the row that first
recorded it, so the log says when a change was first detected."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow
import pyarrow.compute as pc

from flows.publish import COMPARED_KEYS_PER_STEP
from flows.runtime.memory import release_memory

if TYPE_CHECKING:
    from flows.history.changes import Column

#: A recomputed change-log row equal on all of these keeps its first run_id/detected_at;
#: a row whose values changed (e.g. after a parser upgrade) is a new detection.
IDENTITY = (
    "series_key",
    "old_doc_id",
    "new_doc_id",
    "entity",
    "entity_key",
    "field",
    "change_type",
    "old_value",
    "new_value",
)

#: Stands in for null in the identity columns when joining: a join never matches nulls. No
#: real value holds NUL: decoding turns it into U+FFFD (flows/readers/decode.py), and ids
#: and keys are hex or come from that text.
_NULL_KEY = "\x00"


def identity_keys(table: pyarrow.Table) -> pyarrow.Table:
    """The IDENTITY columns of change-log rows, ready to join on (nulls as a sentinel)."""
    return pyarrow.table({c: pc.fill_null(table.column(c), _NULL_KEY) for c in IDENTITY})


def first_detections(existing: pyarrow.Table) -> pyarrow.Table:
    """One row per IDENTITY of the `existing` change-log rows, with the run_id and
    detected_at that first recorded it (the join side of `keep_first_detection`)."""
    table = identity_keys(existing)
    table = table.append_column("_first_run_id", existing.column("run_id"))
    table = table.append_column("_first_detected_at", existing.column("detected_at"))
    return table.group_by(list(IDENTITY), use_threads=False).aggregate(
        [("_first_run_id", "first"), ("_first_detected_at", "first")]
    )


def _first_of(rows: pyarrow.Table, first: pyarrow.Table) -> tuple[Column, Column]:
    """The run_id and detected_at of each of `rows`: those of its row of `first` (see
    `first_detections`) equal on IDENTITY where there is one, else its own. A hash join
    in Arrow, no Python object per row."""
    if first.num_rows == 0:
        return rows.column("run_id"), rows.column("detected_at")
    left = identity_keys(rows).append_column(
        "_row", pyarrow.array(range(rows.num_rows), pyarrow.int64())
    )
    # The join does not keep the row order: sorted back.
    joined = left.join(first, keys=list(IDENTITY), join_type="left outer").sort_by("_row")
    run_id, detected_at = (
        pc.coalesce(joined.column(f"_first_{name}_first"), rows.column(name))
        for name in ("run_id", "detected_at")
    )
    return run_id, detected_at


def _joined(parts: list[Column], kind: pyarrow.DataType) -> pyarrow.ChunkedArray:
    """Arrays and chunked arrays of one type as one chunked array, in order."""
    chunks = [c for p in parts for c in (p.chunks if isinstance(p, pyarrow.ChunkedArray) else [p])]
    return pyarrow.chunked_array(chunks, kind)


def keep_first_detection(
    rows: pyarrow.Table, existing: pyarrow.Table, series_per_step: int = COMPARED_KEYS_PER_STEP
) -> pyarrow.Table:
    """`rows` with the run_id and detected_at of the `existing` change-log row equal on
    IDENTITY, where there is one. Joined `series_per_step` series at a time, so memory is
    bounded: one join of a parser upgrade's ~110,000 rows at 60,000 files took ~250 MiB
    more than its inputs, for text keys of nine columns."""
    if rows.num_rows == 0 or existing.num_rows == 0:
        return rows
    series = pc.unique(rows.column("series_key"))
    at: list[pyarrow.Array] = []
    run_ids: list[Column] = []
    detected: list[Column] = []
    for begin in range(0, len(series), series_per_step):
        step = series.slice(begin, series_per_step)
        mine = pc.indices_nonzero(pc.is_in(rows.column("series_key"), value_set=step))
        theirs = existing.filter(pc.is_in(existing.column("series_key"), value_set=step))
        run_id, detected_at = _first_of(rows.take(mine), first_detections(theirs))
        at.append(mine)
        run_ids.append(run_id)
        detected.append(detected_at)
        del theirs
        release_memory()  # each step's join freed: their peaks do not add up
    # Every row is in exactly one step: sorting the steps' row numbers puts them back.
    order = pc.sort_indices(_joined(at, pyarrow.uint64()))
    for name, parts in (("run_id", run_ids), ("detected_at", detected)):
        index = rows.schema.get_field_index(name)
        column = _joined(parts, rows.schema.field(index).type).take(order)
        rows = rows.set_column(index, rows.schema.field(index), column)
    return rows
