"""History stage: order the versions of each series (bitemporally) and derive the change log
between consecutive versions. A series touched by a run is recomputed whole, so a late
arriving older version (a backfill) slots in where its version date puts it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow
import pyarrow.compute as pc

from flows.extract import rows_to_table
from schemas import CHANGE_LOG, DOCUMENTS

if TYPE_CHECKING:
    from flows.publish import TableStore
    from flows.run import Plan

#: What is compared between versions, per document kind: dataset, entity name, the columns
#: that identify an entity within a version, and the fields whose change is reported.
COMPARED: dict[str, list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]] = {
    "code_report": [
        (
            "billing_codes",
            "code_report",
            ("code",),
            ("descriptor", "service_type", "site_of_service"),
        ),
        (
            "code_modifiers",
            "code_modifier",
            ("modifier",),
            ("description", "usage", "modifier_valid"),
        ),
        ("code_payers", "code_payer", ("payer_id",), ("coverage_statement", "prior_auth")),
        ("code_policy_updates", "code_policy_update", ("update_date", "summary"), ()),
        ("code_benchmarks", "code_benchmark", ("metric",), ("amount", "unit", "setting")),
        ("code_documentation", "code_documentation", ("element",), ()),
    ],
    "payer_policy": [
        (
            "payer_policies",
            "policy",
            ("policy_id",),
            (
                "title",
                "policy_type",
                "effective_date",
                "original_effective_date",
                "last_reviewed_date",
                "next_review_date",
            ),
        ),
        ("policy_codes", "policy_code", ("code",), ("coverage",)),
    ],
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
    out: dict[str, dict[str, str | None]] = {}
    for row in rows:
        key = " | ".join(_format(row.get(c)) or "" for c in key_cols)
        values = {f: _format(row.get(f)) for f in fields}
        if key in out and fields:
            # The same entity listed twice in one version (a code under two groupings):
            # merge the values so the comparison sees the set, not the last one read.
            for f in fields:
                merged = {v for v in (out[key][f], values[f]) if v is not None}
                out[key][f] = ", ".join(sorted(merged)) if merged else None
        else:
            out.setdefault(key, values)
    return out


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
    tables: dict[str, pyarrow.Table] | None = None,
) -> dict[str, dict[str, list]]:
    """Records of the compared datasets (or of `datasets`) for `doc_ids`, grouped by
    doc_id. `tables` holds tables already read (only the compared columns), reused across
    calls; without it each table is read once per call."""
    by_doc: dict[str, dict[str, list]] = {d: defaultdict(list) for d in doc_ids}
    if not doc_ids:
        return by_doc
    value_set = pyarrow.array(sorted(doc_ids), pyarrow.string())
    if datasets is None:
        datasets = {dataset for compared in COMPARED.values() for dataset, *_ in compared}
    for dataset in sorted(set(datasets)):
        if tables is not None and dataset in tables:
            table = tables[dataset]
        else:
            table = store.read(dataset, _columns_of(dataset))
            if tables is not None:
                tables[dataset] = table
        table = table.filter(pc.is_in(table.column("doc_id"), value_set=value_set))
        for row in table.to_pylist():
            by_doc[row["doc_id"]][dataset].append(row)
    return by_doc


#: Versions per step of change-log computation (whole series, so a step may hold a few
#: more): each step's records and rows are Python objects only while the step runs.
VERSIONS_PER_STEP = 2000


def _steps(versions: pyarrow.Table) -> Iterator[pyarrow.Table]:
    """Slices of `versions` (grouped by series) of about VERSIONS_PER_STEP rows, each
    holding whole series."""
    keys = versions.column("series_key")
    begin, total = 0, versions.num_rows
    while begin < total:
        end = min(begin + VERSIONS_PER_STEP, total)
        last = keys[end - 1].as_py()
        while end < total and keys[end].as_py() == last:
            end += 1  # finish the series (a handful of versions at most)
        yield versions.slice(begin, end - begin)
        begin = end


def _compared_tables(store: TableStore, versions: pyarrow.Table) -> dict[str, pyarrow.Table]:
    """The compared columns of every compared dataset, read once and cut to the documents
    that need them: the primary datasets for every version, the others only for the
    versions of series with several (a first version is one `added` row). Also returns the
    doc_ids of those series."""
    counts = versions.group_by("series_key").aggregate([("doc_id", "count")])
    several = counts.filter(pc.greater(counts.column("doc_id_count"), 1)).column("series_key")
    in_several = pc.is_in(versions.column("series_key"), value_set=several)
    multi = versions.filter(in_several).column("doc_id")
    tables: dict[str, pyarrow.Table] = {}
    for dataset in sorted({name for compared in COMPARED.values() for name, *_ in compared}):
        needed = versions.column("doc_id") if dataset in PRIMARY_DATASETS else multi
        if len(needed) == 0:
            continue
        where = pc.field("doc_id").isin(needed.combine_chunks())
        tables[dataset] = store.read(dataset, _columns_of(dataset), where=where)
    return tables


def _change_log_steps(
    store: TableStore, series: Iterable[str], run_id: str, detected_at: datetime
) -> Iterator[list[dict[str, Any]]]:
    """The full change log of each series, from all its published versions, as rows, a
    step of about VERSIONS_PER_STEP versions at a time."""
    versions = ordered_versions(store, series)
    tables = _compared_tables(store, versions)
    for step_table in _steps(versions):
        step: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in step_table.to_pylist():
            step[row["series_key"]].append(row)
        # Series with one version need only their primary entity; the rest need everything.
        single = [vs[0]["doc_id"] for vs in step.values() if len(vs) == 1]
        several = [v["doc_id"] for vs in step.values() if len(vs) > 1 for v in vs]
        records = records_of(store, single, PRIMARY_DATASETS, tables)
        records.update(records_of(store, several, None, tables))
        rows: list[dict[str, Any]] = []
        for series_key, versions_of in step.items():
            kind = versions_of[0]["doc_kind"]
            previous: dict[str, Any] | None = None
            for version in versions_of:
                old = records[previous["doc_id"]] if previous else None
                for change in diff_versions(kind, old, records[version["doc_id"]]):
                    rows.append(
                        {
                            "series_key": series_key,
                            **change,
                            "old_doc_id": previous["doc_id"] if previous else None,
                            "new_doc_id": version["doc_id"],
                            "effective_date": version.get("version_date")
                            or version.get("effective_date"),
                            "run_id": run_id,
                            "detected_at": detected_at,
                        }
                    )
                previous = version
        yield rows


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


def keep_first_detection(rows: pyarrow.Table, first: pyarrow.Table) -> pyarrow.Table:
    """`rows` with the run_id and detected_at of the row of `first` (see
    `first_detections`) equal on IDENTITY, where there is one: a hash join in Arrow, no
    Python object per row."""
    if rows.num_rows == 0 or first.num_rows == 0:
        return rows
    left = identity_keys(rows).append_column(
        "_row", pyarrow.array(range(rows.num_rows), pyarrow.int64())
    )
    joined = left.join(first, keys=list(IDENTITY), join_type="left outer").sort_by("_row")
    for name in ("run_id", "detected_at"):  # the join does not keep the row order: sorted
        earlier = joined.column(f"_first_{name}_first")
        index = rows.schema.get_field_index(name)
        column = pc.coalesce(earlier, rows.column(name))
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
    existing = store.read(CHANGE_LOG.name, [*IDENTITY, "run_id", "detected_at"])
    existing = existing.filter(
        pc.is_in(existing.column("series_key"), value_set=pyarrow.array(sorted(series)))
    )
    tables = [
        rows_to_table(CHANGE_LOG.arrow, rows)
        for rows in _change_log_steps(store, series, run_id, detected_at)
    ]
    if not tables:
        return empty, series
    changes = pyarrow.concat_tables(tables).combine_chunks()
    return keep_first_detection(changes, first_detections(existing)), series
