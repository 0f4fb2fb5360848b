"""Audit views over the published tables: what is current, what coverage was in force on a
date of service (as known at a past run), what changed, the history of a series, the
difference between two documents, and read-only SQL. Plain Python (no Prefect import)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow
import pyarrow.compute as pc
from deltalake import DeltaTable

from flows.history.compared import records_of
from flows.history.diff import diff_versions
from flows.history.versions import version_order_key
from flows.publish import TableStore
from schemas.datasets import (
    CHANGE_LOG,
    CODE_PAYERS,
    DATASETS,
    DOCUMENTS,
    FILE_EVENTS,
    POLICY_CODES,
    RUNS,
)

#: Run ids are `<UTC start, YYYYMMDDTHHMMSSZ>-<8 hex>` (flows.run.new_run_id).
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
#: A doc_id prefix must be long enough to be meaningful in an audit trail.
MIN_PREFIX = 8
HEX = re.compile(r"^[0-9a-f]+$")


class AuditError(Exception):
    """The tables cannot answer: an unknown doc id, run or series, or a failed query."""


class BadInput(ValueError):
    """The question is malformed (a short doc id prefix, a timestamp that is not one)."""


# --- pinned reads (known_at) -------------------------------------------------------------


class PinnedStore(TableStore):
    """The tables as a past run left them: each read at the Delta version that run recorded
    in `runs.table_versions` (a table it did not list reads as absent, i.e. empty)."""

    def __init__(self, output: Path, versions: dict[str, int | None], run_id: str | None):
        super().__init__(output)
        self.pinned = dict(versions)
        self.run_id = run_id

    def table(self, name: str) -> DeltaTable | None:
        version = self.pinned.get(name)
        if version is None or not DeltaTable.is_deltatable(str(self.path(name))):
            return None
        return DeltaTable(str(self.path(name)), version=version)

    def version(self, name: str) -> int | None:
        return self.pinned.get(name)


def parse_timestamp(text: str) -> datetime:
    """An ISO date or timestamp as an aware UTC datetime (naive means UTC)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def find_run(store: TableStore, known_at: str | datetime) -> dict[str, Any] | None:
    """The `runs` row `known_at` names: a run id, or the latest completed run that had
    finished by an ISO timestamp (None: no run had finished by then).

    Raises AuditError for an unknown run id, BadInput for text that is neither.
    """
    runs = store.read(RUNS.name).to_pylist()
    if isinstance(known_at, str):
        for row in runs:
            if row["run_id"] == known_at.strip():
                return row
        if RUN_ID.match(known_at.strip()):
            raise AuditError(f"unknown run id: {known_at}")
        try:
            moment = parse_timestamp(known_at)
        except ValueError:
            raise BadInput(f"not a run id or an ISO timestamp: {known_at!r}") from None
    else:
        moment = known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC)
    done = [r for r in runs if r["status"] == "completed" and r["finished_at"] <= moment]
    return max(done, key=lambda r: (r["finished_at"], r["run_id"])) if done else None


def store_at(store: TableStore, known_at: str | datetime | None) -> TableStore:
    """`store` as known at a run id or timestamp (`store` itself when `known_at` is None)."""
    if known_at is None:
        return store
    run = find_run(store, known_at)
    if run is None:
        return PinnedStore(store.output, {}, None)
    versions: dict[str, int | None] = json.loads(run["table_versions"])
    versions[RUNS.name] = _commit_version(store, RUNS.name, run["run_id"])
    return PinnedStore(store.output, versions, run["run_id"])


def _commit_version(store: TableStore, name: str, run_id: str) -> int | None:
    """The last version of table `name` committed by `run_id` (commit metadata)."""
    versions = run_commit_versions(store, name, run_id)
    return max(versions) if versions else None


def run_commit_versions(store: TableStore, name: str, run_id: str) -> list[int]:
    """Versions of table `name` whose commit metadata names `run_id`."""
    table = store.table(name)
    if table is None:
        return []
    return sorted(h["version"] for h in table.history() if h.get("run_id") == run_id)


# --- helpers -----------------------------------------------------------------------------


def _norm_code(code: str | None) -> str | None:
    return code.strip().upper() if code else None


def _norm_payer(payer: str | None) -> str | None:
    return payer.strip().lower() if payer else None


def _table(rows: list[dict[str, Any]], schema: pyarrow.Schema) -> pyarrow.Table:
    return pyarrow.Table.from_pylist(
        [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
    )


def _documents(store: TableStore) -> list[dict[str, Any]]:
    return store.read(DOCUMENTS.name).to_pylist()


def _published_series(docs: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Non-rejected versions of each series, oldest first (flows.history.versions' order)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        if doc["series_key"] and doc["status"] != "rejected":
            out[doc["series_key"]].append(doc)
    for versions in out.values():
        versions.sort(key=version_order_key)
    return dict(out)


def in_force_from(doc: dict[str, Any]) -> date:
    """The day a version counts from: its version date (else effective date, as in
    flows.history.versions.version_order_key), else the day we first saw it."""
    stated = doc.get("version_date") or doc.get("effective_date")
    return stated or doc["first_seen_at"].astimezone(UTC).date()


def _rows_of(store: TableStore, dataset: str, doc_ids: Iterable[str]) -> list[dict[str, Any]]:
    wanted = set(doc_ids)
    if not wanted:
        return []
    table = store.read(dataset)
    mask = pc.is_in(table.column("doc_id"), value_set=pyarrow.array(sorted(wanted)))
    return table.filter(mask).to_pylist()


def _series_payer(series_key: str | None) -> str | None:
    if series_key and series_key.startswith("payer_policy:"):
        return series_key.split(":", 2)[1]
    return None


# --- views -------------------------------------------------------------------------------

CURRENT_SCHEMA = pyarrow.schema(
    [
        ("series_key", pyarrow.string()),
        ("doc_kind", pyarrow.string()),
        ("payer_id", pyarrow.string()),
        ("policy_id", pyarrow.string()),
        ("primary_code", pyarrow.string()),
        ("title", pyarrow.string()),
        ("version_date", pyarrow.date32()),
        ("effective_date", pyarrow.date32()),
        ("first_seen_at", pyarrow.timestamp("us", tz="UTC")),
        ("versions", pyarrow.int64()),
        ("doc_id", pyarrow.string()),
        ("source_path", pyarrow.string()),
        ("status", pyarrow.string()),
    ]
)


def current_state(
    store: TableStore,
    series_key: str | None = None,
    payer: str | None = None,
    code: str | None = None,
) -> pyarrow.Table:
    """The latest version of each series (flows.history.versions.version_order_key order).

    `code` matches a code report's primary code, or a policy whose latest version lists it.
    """
    payer, code = _norm_payer(payer), _norm_code(code)
    series = _published_series(_documents(store))
    latest = {key: versions[-1] for key, versions in series.items()}
    if series_key is not None:
        latest = {k: v for k, v in latest.items() if k == series_key}
    if payer is not None:
        latest = {k: v for k, v in latest.items() if (v["payer_id"] or "").lower() == payer}
    if code is not None:
        listing = {
            r["doc_id"]
            for r in _rows_of(store, POLICY_CODES.name, (v["doc_id"] for v in latest.values()))
            if r["code"].upper() == code
        }
        latest = {
            k: v
            for k, v in latest.items()
            if (v["primary_code"] or "").upper() == code or v["doc_id"] in listing
        }
    rows = [{**doc, "versions": len(series[key])} for key, doc in sorted(latest.items())]
    return _table(rows, CURRENT_SCHEMA)


COVERAGE_SCHEMA = pyarrow.schema(
    [
        ("doc_kind", pyarrow.string()),
        ("payer_id", pyarrow.string()),
        ("code", pyarrow.string()),
        ("coverage", pyarrow.string()),
        ("coverage_text", pyarrow.string()),
        ("prior_auth", pyarrow.string()),
        ("policy_id", pyarrow.string()),
        ("series_key", pyarrow.string()),
        ("version_date", pyarrow.date32()),
        ("in_force_from", pyarrow.date32()),
        ("doc_id", pyarrow.string()),
        ("source_path", pyarrow.string()),
    ]
)


def coverage_as_of(
    store: TableStore,
    date_of_service: date,
    payer: str | None = None,
    code: str | None = None,
    known_at: str | datetime | None = None,
) -> pyarrow.Table:
    """What each payer policy (its policy_codes rows) and each code report (its code_payers
    statements) said for `date_of_service`: per series, the latest version in force then
    (version date, else first-seen day, on or before the date), as known at `known_at`
    (a run id or ISO timestamp; None = now)."""
    store = store_at(store, known_at)
    payer, code = _norm_payer(payer), _norm_code(code)
    in_force: dict[str, dict[str, Any]] = {}
    for key, versions in _published_series(_documents(store)).items():
        candidates = [v for v in versions if in_force_from(v) <= date_of_service]
        if candidates:
            in_force[key] = candidates[-1]  # already in version order
    by_doc = {doc["doc_id"]: doc for doc in in_force.values()}
    rows: list[dict[str, Any]] = []
    policies = [d["doc_id"] for d in by_doc.values() if d["doc_kind"] == "payer_policy"]
    for r in _rows_of(store, POLICY_CODES.name, policies):
        doc = by_doc[r["doc_id"]]
        rows.append(
            {
                **r,
                "doc_kind": "payer_policy",
                "series_key": doc["series_key"],
                "version_date": doc["version_date"],
                "in_force_from": in_force_from(doc),
                "source_path": doc["source_path"],
            }
        )
    reports = [d["doc_id"] for d in by_doc.values() if d["doc_kind"] == "code_report"]
    for r in _rows_of(store, CODE_PAYERS.name, reports):
        doc = by_doc[r["doc_id"]]
        rows.append(
            {
                **r,
                "doc_kind": "code_report",
                "coverage_text": r["coverage_statement"],
                "series_key": doc["series_key"],
                "version_date": doc["version_date"],
                "in_force_from": in_force_from(doc),
                "source_path": doc["source_path"],
            }
        )
    if payer is not None:
        rows = [r for r in rows if (r["payer_id"] or "").lower() == payer]
    if code is not None:
        rows = [r for r in rows if (r["code"] or "").upper() == code]
    rows.sort(
        key=lambda r: (
            r["payer_id"] or "",
            r["code"] or "",
            r["doc_kind"],
            r["series_key"] or "",
            r.get("coverage") or "",
        )
    )
    return _table(rows, COVERAGE_SCHEMA)


CHANGES_SCHEMA = pyarrow.schema(
    [
        *[CHANGE_LOG.arrow.field(name) for name in CHANGE_LOG.columns],
        pyarrow.field("old_source_path", pyarrow.string()),
        pyarrow.field("new_source_path", pyarrow.string()),
    ]
)


def changes(
    store: TableStore,
    payer: str | None = None,
    code: str | None = None,
    since: date | None = None,
) -> pyarrow.Table:
    """change_log rows with the source paths of the old and new document.

    payer: the series is that payer's policy (series_key or documents.payer_id), or the row
    is a code report's statement about that payer (entity code_payer). code: the row's
    entity_key, or the primary code of the series' documents. since: effective_date or
    detected_at on or after that day. Rows come per series in version order.
    """
    payer, code = _norm_payer(payer), _norm_code(code)
    docs = {d["doc_id"]: d for d in _documents(store)}
    series_codes: dict[str, set[str]] = defaultdict(set)
    series_payers: dict[str, set[str]] = defaultdict(set)
    for d in docs.values():
        if d["series_key"]:
            if d["primary_code"]:
                series_codes[d["series_key"]].add(d["primary_code"].upper())
            if d["payer_id"]:
                series_payers[d["series_key"]].add(d["payer_id"].lower())
    rows = []
    for row in store.read(CHANGE_LOG.name).to_pylist():
        key = row["series_key"]
        if payer is not None and not (
            _series_payer(key) == payer
            or payer in series_payers.get(key, ())
            or (row["entity"] == "code_payer" and row["entity_key"].lower() == payer)
        ):
            continue
        if code is not None and not (
            row["entity_key"].upper() == code or code in series_codes.get(key, ())
        ):
            continue
        if since is not None and not (
            (row["effective_date"] is not None and row["effective_date"] >= since)
            or row["detected_at"].astimezone(UTC).date() >= since
        ):
            continue
        old, new = docs.get(row["old_doc_id"] or ""), docs.get(row["new_doc_id"] or "")
        row["old_source_path"] = old["source_path"] if old else None
        row["new_source_path"] = new["source_path"] if new else None
        rows.append(row)

    def order(row: dict[str, Any]) -> tuple[Any, ...]:
        new = docs.get(row["new_doc_id"] or "")
        version = version_order_key(new) if new else (True, date.max, row["detected_at"], "")
        return (row["series_key"], version, row["entity"], row["entity_key"], row["field"])

    rows.sort(key=order)
    return _table(rows, CHANGES_SCHEMA)


VERSIONS_SCHEMA = pyarrow.schema(
    [
        ("version", pyarrow.int64()),
        ("doc_id", pyarrow.string()),
        ("source_path", pyarrow.string()),
        ("version_date", pyarrow.date32()),
        ("effective_date", pyarrow.date32()),
        ("first_seen_at", pyarrow.timestamp("us", tz="UTC")),
        ("status", pyarrow.string()),
        ("media_type", pyarrow.string()),
        ("title", pyarrow.string()),
        ("run_id", pyarrow.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class SeriesHistory:
    """The versions of one series (rejected ones too, numbered None) and the file events of
    the paths and contents involved."""

    series_key: str
    versions: pyarrow.Table
    file_events: pyarrow.Table


def history(store: TableStore, series_key: str) -> SeriesHistory:
    """Every document of `series_key` in version order, and the file events of their paths
    (or of their contents at other paths). Raises AuditError for an unknown series."""
    docs = [d for d in _documents(store) if d["series_key"] == series_key]
    if not docs:
        raise AuditError(f"unknown series: {series_key}{_suggest(store, series_key)}")
    docs.sort(key=lambda d: (d["status"] == "rejected", *version_order_key(d)))
    number = 0
    rows = []
    for doc in docs:
        if doc["status"] != "rejected":
            number += 1
        rows.append({**doc, "version": number if doc["status"] != "rejected" else None})
    paths = {d["source_path"] for d in docs}
    ids = {d["doc_id"] for d in docs}
    events = [
        e
        for e in store.read(FILE_EVENTS.name).to_pylist()
        if e["source_path"] in paths or e["doc_id"] in ids or e["previous_doc_id"] in ids
    ]
    events.sort(key=lambda e: (e["detected_at"], e["source_path"]))
    return SeriesHistory(
        series_key,
        _table(rows, VERSIONS_SCHEMA),
        _table(events, FILE_EVENTS.arrow),
    )


def _suggest(store: TableStore, text: str) -> str:
    series = sorted(
        {
            d["series_key"]
            for d in _documents(store)
            if d["series_key"] and text.lower() in d["series_key"].lower()
        }
    )
    return f" (did you mean: {', '.join(series[:5])}?)" if series else ""


def resolve_doc_id(store: TableStore, prefix: str) -> dict[str, Any]:
    """The documents row whose doc_id starts with `prefix` (at least 8 hex characters).

    Raises BadInput for a malformed prefix, AuditError when none or several match.
    """
    prefix = prefix.strip().lower()
    if len(prefix) < MIN_PREFIX or len(prefix) > 64 or not HEX.match(prefix):
        raise BadInput(f"a doc id is 8 to 64 hex characters: {prefix!r}")
    hits = [d for d in _documents(store) if d["doc_id"].startswith(prefix)]
    if not hits:
        raise AuditError(f"unknown doc id: {prefix}")
    if len(hits) > 1:
        raise AuditError(f"doc id prefix {prefix} matches {len(hits)} documents; give more")
    return hits[0]


DIFF_SCHEMA = pyarrow.schema(
    [
        ("entity", pyarrow.string()),
        ("entity_key", pyarrow.string()),
        ("field", pyarrow.string()),
        ("change_type", pyarrow.string()),
        ("old_value", pyarrow.string()),
        ("new_value", pyarrow.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class DocumentDiff:
    old: dict[str, Any]
    new: dict[str, Any]
    changes: pyarrow.Table


def diff(store: TableStore, old_doc_id: str, new_doc_id: str) -> DocumentDiff:
    """flows.history.diff.diff_versions between two documents of the same kind (doc ids or unique
    prefixes), in the change log's terms. Raises AuditError for unknown or unlike documents."""
    old, new = resolve_doc_id(store, old_doc_id), resolve_doc_id(store, new_doc_id)
    if old["doc_kind"] is None or old["doc_kind"] != new["doc_kind"]:
        raise AuditError(
            f"cannot compare a {old['doc_kind'] or 'unknown'} document with a "
            f"{new['doc_kind'] or 'unknown'} one"
        )
    records = records_of(store, [old["doc_id"], new["doc_id"]])
    rows = diff_versions(old["doc_kind"], records[old["doc_id"]], records[new["doc_id"]])
    return DocumentDiff(old, new, _table(rows, DIFF_SCHEMA))


# --- SQL ---------------------------------------------------------------------------------

#: Run first on every query connection: no extension is installed or loaded, and once the
#: datasets are registered, no file or network access at all (then the settings are locked,
#: so the user's SQL cannot turn any of this back on).
_SAFE_SETTINGS = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET TimeZone = 'UTC'",
)
_LOCK_SETTINGS = ("SET enable_external_access = false", "SET lock_configuration = true")


def query(store: TableStore, sql: str) -> pyarrow.Table:
    """Run `sql` in an in-process DuckDB where every dataset is a table of its name (the
    Delta table's current version, or the pinned one for a PinnedStore). Read-only as far
    as the tables go: nothing outside the registered datasets is reachable.

    Raises AuditError with DuckDB's message when the SQL fails.
    """
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        for statement in _SAFE_SETTINGS:
            con.execute(statement)
        for name in DATASETS:
            table = store.table(name)
            source = (
                table.to_pyarrow_dataset()
                if table is not None
                else DATASETS[name].arrow.empty_table()
            )
            con.register(name, source)
        for statement in _LOCK_SETTINGS:
            con.execute(statement)
        try:
            relation = con.sql(sql)
            if relation is None:  # a statement without a result (SET, CREATE, ...)
                return pyarrow.table({})
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise AuditError(str(exc)) from exc
    finally:
        con.close()
