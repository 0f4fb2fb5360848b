"""History stage: order the versions of each series (bitemporally) and derive the change log
between consecutive versions. A series touched by a run is recomputed whole, so a late
arriving older version (a backfill) slots in where its version date puts it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow
import pyarrow.compute as pc

from flows.model import Plan
from flows.publish import COMPARED_KEYS_PER_STEP
from flows.runtime.memory import release_memory
from schemas.datasets import CHANGE_LOG, CODE_REPORT, DOCUMENTS, PAYER_POLICY, compared_datasets

if TYPE_CHECKING:
    from flows.publish import TableStore

#: A column of a table or a lone array: what pyarrow.compute takes and returns.
Column = Any

#: What is compared between versions, per document kind (from the dataset registry):
#: dataset, entity name, the columns that identify an entity within a version, and the
#: fields whose change is reported; the kind's primary entity first.
COMPARED: dict[str, list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]] = {
    kind: [
        (d.name, d.compared.entity, d.compared.key, d.compared.fields)
        for d in compared_datasets(kind)
        if d.compared is not None
    ]
    for kind in (CODE_REPORT, PAYER_POLICY)
}
#: The dataset of each kind's primary entity: all a first version's change-log row needs.
PRIMARY_DATASETS = frozenset(compared[0][0] for compared in COMPARED.values())
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


def version_order_key(doc: dict[str, Any]) -> tuple[Any, ...]:
    """Versions sort by version date (effective date, else last review; see DESIGN.md),
    then by when we first saw them; undated versions sort by first_seen_at alone, last.
    Versions first seen in the same run fall back to their path (`..._v1` before `..._v2`),
    then to doc_id, so the order never depends on the order files were read."""
    version = doc.get("version_date") or doc.get("effective_date")
    return (
        version is None,
        version or date.min,
        doc["first_seen_at"],
        doc.get("source_path") or "",
        doc["doc_id"],
    )


#: What ordering and labelling versions needs from `documents` (read nothing more: at
#: 60,000 documents every extra column is tens of megabytes of Python objects).
VERSION_COLUMNS = (
    "doc_id",
    "series_key",
    "doc_kind",
    "status",
    "version_date",
    "effective_date",
    "first_seen_at",
    "source_path",
)


def ordered_versions(store: TableStore, series: Iterable[str]) -> pyarrow.Table:
    """The published, non-rejected versions of `series` (VERSION_COLUMNS), grouped by
    series and oldest first within each: `version_order_key`'s order, sorted in Arrow so
    no Python object is made per document."""
    wanted = pyarrow.array(sorted(set(series)), pyarrow.string())
    where = pc.field("series_key").isin(wanted) & (pc.field("status") != "rejected")
    docs = store.read(DOCUMENTS.name, list(VERSION_COLUMNS), where=where)
    version = pc.coalesce(docs.column("version_date"), docs.column("effective_date"))
    keyed = docs.append_column("_undated", pc.is_null(version)).append_column("_version", version)
    order = pc.sort_indices(
        keyed,
        # source_path is never null (documents.source_path is required), so nulls-first
        # here never has to agree with the Python key's `or ""`.
        sort_keys=[
            (column, "ascending", "at_start")
            for column in (
                "series_key",
                "_undated",
                "_version",
                "first_seen_at",
                "source_path",
                "doc_id",
            )
        ],
    )
    return docs.take(order)


def series_versions(store: TableStore, series: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The published, non-rejected versions of each series, oldest first."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ordered_versions(store, series).to_pylist():
        out[row["series_key"]].append(row)
    return dict(out)


def _format(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _entities(
    rows: list[dict[str, Any]], key_cols: tuple[str, ...], fields: tuple[str, ...]
) -> dict[str, dict[str, str | None]]:
    """Each entity of one version's `rows`, by key: its fields as text. An entity listed
    more than once in a version (a code under two groupings) gets, per field, its distinct
    values sorted and joined, whatever order the rows come in."""
    seen: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        key = " | ".join(_format(row.get(c)) or "" for c in key_cols)
        values = seen.setdefault(key, {f: set() for f in fields})
        for f in fields:
            value = _format(row.get(f))
            if value is not None:
                values[f].add(value)
    return {
        key: {f: ", ".join(sorted(v)) if v else None for f, v in values.items()}
        for key, values in seen.items()
    }


def diff_versions(
    kind: str,
    old: dict[str, list[dict[str, Any]]] | None,
    new: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Changes from `old` to `new` (records by dataset); `old` None for a first version."""
    changes: list[dict[str, Any]] = []
    compared = COMPARED.get(kind, [])
    # A first version is one `added` row for its primary entity (the first compared one).
    for dataset, entity, key_cols, fields in compared if old is not None else compared[:1]:
        before = _entities(old.get(dataset, []), key_cols, fields) if old is not None else {}
        after = _entities(new.get(dataset, []), key_cols, fields)
        for key in sorted(set(before) | set(after)):
            if key not in before:
                if old is None and entity not in ("policy", "code_report"):
                    continue  # a first version is one `added` row, not one per record
                changes.append(
                    _change(entity, key, "*", "added", None, _summary(after[key]) or key)
                )
            elif key not in after:
                changes.append(
                    _change(entity, key, "*", "removed", _summary(before[key]) or key, None)
                )
            else:
                for f in fields:
                    if before[key][f] != after[key][f]:
                        changes.append(
                            _change(entity, key, f, "modified", before[key][f], after[key][f])
                        )
    return changes


def _summary(values: dict[str, str | None]) -> str | None:
    shown = {k: v for k, v in values.items() if v is not None}
    if not shown:
        return None
    if len(shown) == 1:
        return next(iter(shown.values()))
    return "; ".join(f"{k}={v}" for k, v in shown.items())


def _change(
    entity: str, key: str, field: str, kind: str, old: str | None, new: str | None
) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_key": key,
        "field": field,
        "change_type": kind,
        "old_value": old,
        "new_value": new,
    }


def _columns_of(dataset: str) -> list[str] | None:
    for compared in COMPARED.values():
        for name, _, keys, fields in compared:
            if name == dataset:
                return ["doc_id", *keys, *fields]
    return None


def records_of(
    store: TableStore,
    doc_ids: list[str],
    datasets: Iterable[str] | None = None,
) -> dict[str, dict[str, list]]:
    """Records of the compared datasets (or of `datasets`) for a few `doc_ids`, grouped by
    doc_id (the change log itself is computed in Arrow: `change_rows`)."""
    by_doc: dict[str, dict[str, list]] = {d: defaultdict(list) for d in doc_ids}
    if not doc_ids:
        return by_doc
    value_set = pyarrow.array(sorted(doc_ids), pyarrow.string())
    if datasets is None:
        datasets = {dataset for compared in COMPARED.values() for dataset, *_ in compared}
    for dataset in sorted(set(datasets)):
        where = pc.field("doc_id").isin(value_set)
        table = store.read(dataset, _columns_of(dataset), where=where)
        for row in table.to_pylist():
            by_doc[row["doc_id"]][dataset].append(row)
    return by_doc


def compared_records(
    store: TableStore, versions: pyarrow.Table
) -> Callable[[str], pyarrow.Table | None]:
    """A reader of the compared columns of a compared dataset, cut to the documents that
    need them: the primary datasets for every version, the others only for the versions of
    series with several (a first version is one `added` row); None when none does. One
    dataset at a time, so only one is in memory."""
    counts = versions.group_by("series_key").aggregate([("doc_id", "count")])
    several = counts.filter(pc.greater(counts.column("doc_id_count"), 1)).column("series_key")
    in_several = pc.is_in(versions.column("series_key"), value_set=several)
    multi = versions.filter(in_several).column("doc_id")

    def read(dataset: str) -> pyarrow.Table | None:
        needed = versions.column("doc_id") if dataset in PRIMARY_DATASETS else multi
        if len(needed) == 0:
            return None
        where = pc.field("doc_id").isin(needed.combine_chunks())
        return store.read(dataset, _columns_of(dataset), where=where)

    return read


def _as_text(column: Column) -> Column:
    """`_format` of every value, in Arrow: dates as ISO text, booleans as Python prints
    them, decimals and text as they are; null stays null."""
    kind = column.type
    if pyarrow.types.is_string(kind):
        return column
    if pyarrow.types.is_large_string(kind) or pyarrow.types.is_string_view(kind):
        return pc.cast(column, pyarrow.string())
    if pyarrow.types.is_boolean(kind):
        return pc.if_else(column, "True", "False")
    if pyarrow.types.is_date32(kind) or pyarrow.types.is_decimal(kind):
        return pc.cast(column, pyarrow.string())
    raise TypeError(f"no text form like _format's for a compared column of type {kind}")


def entity_table(
    records: pyarrow.Table, key_cols: tuple[str, ...], fields: tuple[str, ...]
) -> pyarrow.Table:
    """`_entities` of each document's `records` as one table: doc_id, _key and each field
    as text, one row per (doc_id, _key). The documents that list an entity twice (rare: a
    code under two groupings) are merged by `_entities` itself, so both paths agree."""
    keys = [pc.fill_null(_as_text(records.column(c)), "") for c in key_cols]
    key = keys[0] if len(keys) == 1 else pc.binary_join_element_wise(*keys, " | ")
    table = pyarrow.table(
        {
            "doc_id": records.column("doc_id"),
            "_key": key,
            **{f: _as_text(records.column(f)) for f in fields},
        }
    )
    counts = table.group_by(["doc_id", "_key"], use_threads=False).aggregate([("doc_id", "count")])
    repeated = counts.filter(pc.greater(counts.column("doc_id_count"), 1))
    if repeated.num_rows == 0:
        return table
    docs = pc.unique(repeated.column("doc_id"))
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in records.filter(pc.is_in(records.column("doc_id"), value_set=docs)).to_pylist():
        by_doc[row["doc_id"]].append(row)
    merged: dict[str, list[Any]] = {name: [] for name in table.column_names}
    for doc_id, rows in by_doc.items():
        for key_text, values in _entities(rows, key_cols, fields).items():
            merged["doc_id"].append(doc_id)
            merged["_key"].append(key_text)
            for f in fields:
                merged[f].append(values[f])
    others = table.filter(pc.invert(pc.is_in(table.column("doc_id"), value_set=docs)))
    return pyarrow.concat_tables([others, pyarrow.table(merged, schema=table.schema)])


def _summaries(values: list[Column], names: tuple[str, ...], key: Column) -> Column:
    """`_summary(values) or key` for every row, in Arrow."""
    if not values:
        return key
    shown = pc.cast(pc.is_valid(values[0]), pyarrow.int64())
    for column in values[1:]:
        shown = pc.add(shown, pc.cast(pc.is_valid(column), pyarrow.int64()))
    # "name=value; name=value" of the values shown. Not binary_join_element_wise with
    # null_handling="skip": pyarrow 26 drops the rows where every value is null.
    joined = None
    for name, column in zip(names, values, strict=True):
        labelled = pc.binary_join_element_wise(f"{name}=", column, "")
        joined = (
            labelled
            if joined is None
            else pc.coalesce(pc.binary_join_element_wise(joined, labelled, "; "), joined, labelled)
        )
    summary = pc.if_else(pc.equal(shown, 1), pc.coalesce(*values), joined)
    # No value shown, or just an empty one: the key stands in (`or key`).
    blank = pc.or_(pc.equal(shown, 0), pc.fill_null(pc.equal(summary, ""), True))
    return pc.if_else(blank, key, summary)


def differs(a: Column, b: Column) -> Column:
    """Row-wise a != b, with null equal to null."""
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.invert(pc.or_(pc.fill_null(pc.equal(a, b), False), both_null))


def _side(
    pairs: pyarrow.Table, doc_column: str, entities: pyarrow.Table, side: str
) -> pyarrow.Table:
    """The entities of the `doc_column` version of each pair: _pos, _key, `side`:field..."""
    joined = pairs.select(["_pos", doc_column]).join(
        entities, keys=doc_column, right_keys="doc_id", join_type="inner", use_threads=False
    )
    fields = [c for c in entities.column_names if c not in ("doc_id", "_key")]
    return (
        joined.select(["_pos", "_key", *fields])
        .rename_columns(["_pos", "_key", *(f"{side}:{f}" for f in fields)])
        .append_column(f"_in_{side}", pyarrow.repeat(True, joined.num_rows))
    )


def _pair_changes(
    pairs: pyarrow.Table, entities: pyarrow.Table, entity: str, fields: tuple[str, ...]
) -> list[pyarrow.Table]:
    """What `diff_versions` lists for one compared dataset between the version of each of
    `pairs` (_pos, doc_id, old_doc_id) and the one before it (none for a first version):
    `_CHANGES` tables, each with the columns that sort it into that order."""
    both = _side(pairs, "doc_id", entities, "new").join(
        _side(pairs, "old_doc_id", entities, "old"),
        keys=["_pos", "_key"],
        join_type="full outer",
        use_threads=False,
    )
    in_new = pc.fill_null(both.column("_in_new"), False)
    in_old = pc.fill_null(both.column("_in_old"), False)

    def summary(rows: pyarrow.Table, side: str) -> Column:
        values = [rows.column(f"{side}:{f}") for f in fields]
        return _summaries(values, fields, rows.column("_key"))

    out = []

    def emit(mask: Column, field: str, order: int, change: str, old: Any, new: Any) -> None:
        rows = both.filter(mask)
        n = rows.num_rows
        if n == 0:
            return
        none = pyarrow.nulls(n, pyarrow.string())
        out.append(
            pyarrow.table(
                [
                    rows.column("_pos"),
                    pyarrow.repeat(order, n).cast(pyarrow.int32()),
                    pyarrow.repeat(entity, n),
                    rows.column("_key"),
                    pyarrow.repeat(field, n),
                    pyarrow.repeat(change, n),
                    none if old is None else old(rows),
                    none if new is None else new(rows),
                ],
                schema=_CHANGES,
            )
        )

    emit(pc.and_(in_new, pc.invert(in_old)), "*", -1, "added", None, lambda r: summary(r, "new"))
    emit(pc.and_(in_old, pc.invert(in_new)), "*", -1, "removed", lambda r: summary(r, "old"), None)
    matched = pc.and_(in_new, in_old)
    for order, f in enumerate(fields):
        changed = pc.and_(matched, differs(both.column(f"new:{f}"), both.column(f"old:{f}")))
        emit(
            changed,
            f,
            order,
            "modified",
            lambda r, f=f: r.column(f"old:{f}"),
            lambda r, f=f: r.column(f"new:{f}"),
        )
    return out


#: A change between two versions, with what sorts it: the new version's position, the
#: field's place in COMPARED (-1 for a whole entity); the entity's place comes from `_step`.
_CHANGES = pyarrow.schema(
    [
        ("_pos", pyarrow.int64()),
        ("_field", pyarrow.int32()),
        ("entity", pyarrow.string()),
        ("entity_key", pyarrow.string()),
        ("field", pyarrow.string()),
        ("change_type", pyarrow.string()),
        ("old_value", pyarrow.string()),
        ("new_value", pyarrow.string()),
    ]
)


def change_rows(
    versions: pyarrow.Table,
    records: Callable[[str], pyarrow.Table | None],
    run_id: str,
    detected_at: datetime,
) -> pyarrow.Table:
    """The change log of the series of `versions` (as `ordered_versions` returns them) from
    the records `records` reads by dataset (`compared_records`): `diff_versions` between consecutive
    versions of every series, in the order a loop over them would list the rows, computed
    with joins on the entity key in Arrow: no Python object per record."""
    n = versions.num_rows
    if n == 0:
        return CHANGE_LOG.arrow.empty_table()
    doc_ids = versions.column("doc_id").combine_chunks()
    series = versions.column("series_key").combine_chunks()
    same_series = pc.equal(series.slice(1), series.slice(0, n - 1))
    before = pc.if_else(same_series, doc_ids.slice(0, n - 1), None)
    old_doc_ids = pyarrow.concat_arrays([pyarrow.nulls(1, pyarrow.string()), before])
    positioned = pyarrow.table(
        {
            "_pos": pyarrow.array(range(n), pyarrow.int64()),
            "doc_id": doc_ids,
            "old_doc_id": old_doc_ids,
            "doc_kind": versions.column("doc_kind"),
        }
    )
    parts = []
    for kind, compared in COMPARED.items():
        of_kind = positioned.filter(pc.equal(positioned.column("doc_kind"), kind))
        later = of_kind.filter(pc.is_valid(of_kind.column("old_doc_id")))
        for step, (dataset, entity, key_cols, fields) in enumerate(compared):
            # A first version is compared on its primary entity only (one `added` row).
            pairs = of_kind if step == 0 else later
            table = records(dataset) if pairs.num_rows else None
            if table is None:
                continue
            entities = entity_table(table, key_cols, fields)
            del table
            for part in _pair_changes(pairs, entities, entity, fields):
                parts.append(part.append_column("_step", pyarrow.repeat(step, part.num_rows)))
            del entities
            release_memory()  # each dataset's joins freed: the steps' peaks do not add up
    if not parts:
        return CHANGE_LOG.arrow.empty_table()
    changes = pyarrow.concat_tables(parts).sort_by(
        [(c, "ascending") for c in ("_pos", "_step", "entity_key", "_field")]
    )
    position = changes.column("_pos")
    version_date = pc.coalesce(versions.column("version_date"), versions.column("effective_date"))
    count = changes.num_rows
    detected = CHANGE_LOG.arrow.field("detected_at").type
    columns = {
        "series_key": pc.take(series, position),
        "old_doc_id": pc.take(old_doc_ids, position),
        "new_doc_id": pc.take(doc_ids, position),
        "effective_date": pc.take(version_date, position),
        "run_id": pyarrow.repeat(run_id, count),
        "detected_at": pyarrow.repeat(pyarrow.scalar(detected_at, detected), count),
    }
    return pyarrow.table(
        [columns[n] if n in columns else changes.column(n) for n in CHANGE_LOG.arrow.names],
        schema=CHANGE_LOG.arrow,
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
