"""The change log between consecutive versions of every series, computed with joins on the
entity key in Arrow: what `flows.history.diff.diff_versions` lists, in the same order,
with no Python object per record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyarrow
import pyarrow.compute as pc

from flows.history.compared import COMPARED
from flows.history.diff import version_entities
from flows.runtime.memory import release_memory
from schemas.datasets import CHANGE_LOG

#: A column of a table or a lone array: what pyarrow.compute takes and returns.
Column = Any


def _as_text(column: Column) -> Column:
    """`_format` (flows.history.diff) of every value, in Arrow: dates as ISO text, booleans
    as Python prints them, decimals and text as they are; null stays null."""
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
    """`version_entities` of each document's `records` as one table: doc_id, _key and each
    field as text, one row per (doc_id, _key). The documents that list an entity twice (rare:
    a code under two groupings) are merged by `version_entities` itself, so both paths
    agree."""
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
        for key_text, values in version_entities(rows, key_cols, fields).items():
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
