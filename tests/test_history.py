"""The change log is computed in Arrow and versions are ordered in Arrow: neither may change
what the log says. The reference is the Python diff (`diff_versions`), which `policy-etl
diff` uses."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pyarrow
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synth import synthesize_corpus
from flows.history.changes import change_rows
from flows.history.compared import COMPARED, _columns_of, compared_records
from flows.history.detections import keep_first_detection
from flows.history.diff import diff_versions
from flows.history.log import build_change_log
from flows.history.versions import (
    VERSION_COLUMNS,
    ordered_versions,
    series_versions,
    version_order_key,
)
from flows.publish import TableStore
from flows.run import run_pipeline
from flows.settings import Settings
from schemas import DATASETS, DOCUMENTS

DETECTED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A published corpus in which many series have several versions."""
    root = tmp_path_factory.mktemp("history")
    synthesize_corpus(root / "sources", reports=150, policies=40, seed=5)
    run_pipeline(Settings(sources=root / "sources", output=root / "output", workers=1))
    store = TableStore(root / "output")
    series = Counter(store.read(DOCUMENTS.name, ["series_key"]).column("series_key").to_pylist())
    assert any(n > 1 for n in series.values()), "the corpus needs series with several versions"
    return store


def _all_documents(store: TableStore) -> SimpleNamespace:
    doc_ids = store.read(DOCUMENTS.name, ["doc_id"]).column("doc_id").to_pylist()
    return SimpleNamespace(to_extract=[SimpleNamespace(doc_id=d) for d in doc_ids])


def _canonical(table) -> list[tuple]:
    return sorted(tuple(str(v) for v in row.values()) for row in table.to_pylist())


def test_arrow_version_order_is_version_order_key(published):
    series = set(published.read(DOCUMENTS.name, ["series_key"]).column("series_key").to_pylist())
    docs = published.read(DOCUMENTS.name, list(VERSION_COLUMNS)).to_pylist()
    expected: dict[str, list[str]] = {}
    for doc in sorted(docs, key=lambda d: (d["series_key"], *version_order_key(d))):
        if doc["status"] != "rejected":
            expected.setdefault(doc["series_key"], []).append(doc["doc_id"])
    got = {
        key: [v["doc_id"] for v in versions]
        for key, versions in series_versions(published, series).items()
    }
    assert got == expected


def _python_change_log(versions: pyarrow.Table, tables: dict, run_id: str) -> list[dict]:
    """The change log as the Python diff makes it: diff_versions between consecutive
    versions of each series (versions grouped by series, oldest first)."""
    records: dict = defaultdict(lambda: defaultdict(list))
    for dataset, table in tables.items():
        for row in table.to_pylist():
            records[row["doc_id"]][dataset].append(row)
    out, previous = [], None
    for version in versions.to_pylist():
        if previous is not None and previous["series_key"] != version["series_key"]:
            previous = None
        old = records[previous["doc_id"]] if previous else None
        for change in diff_versions(version["doc_kind"], old, records[version["doc_id"]]):
            out.append(
                {
                    "series_key": version["series_key"],
                    **change,
                    "old_doc_id": previous["doc_id"] if previous else None,
                    "new_doc_id": version["doc_id"],
                    "effective_date": version["version_date"] or version["effective_date"],
                    "run_id": run_id,
                    "detected_at": DETECTED,
                }
            )
        previous = version
    return out


def _compared_tables(store: TableStore, versions) -> dict:
    read = compared_records(store, versions)
    tables = {d: read(d) for compared in COMPARED.values() for d, *_ in compared}
    return {d: table for d, table in tables.items() if table is not None}


def test_arrow_change_log_is_the_python_diff(published):
    series = set(published.read(DOCUMENTS.name, ["series_key"]).column("series_key").to_pylist())
    versions = ordered_versions(published, series)
    tables = _compared_tables(published, versions)
    rows = change_rows(versions, tables.get, "run", DETECTED).to_pylist()
    kinds = Counter((r["change_type"], r["old_doc_id"] is None) for r in rows)
    assert kinds[("added", True)] == len(series)  # one first-version row per series
    assert kinds[("modified", False)] and kinds[("removed", False)]  # later versions
    assert kinds[("added", False)]
    assert rows == _python_change_log(versions, tables, "run")  # same rows, same order


def test_build_change_log_is_the_python_diff(published):
    plan = _all_documents(published)
    log, series = build_change_log(published, plan, "run", DETECTED)
    versions = ordered_versions(published, series)
    tables = _compared_tables(published, versions)
    # Rows already published keep the run and time that first detected them.
    assert set(log.column("run_id").to_pylist()) != {"run"}
    when = ("run_id", "detected_at")
    expected = [
        {k: v for k, v in row.items() if k not in when}
        for row in _python_change_log(versions, tables, "run")
    ]
    assert log.drop_columns(list(when)).to_pylist() == expected


# --- the same, over records made up to reach the corners -----------------------------

_TEXT = st.sampled_from(["a", "b", "c", "", "a, b", "é"])


def _value(field: pyarrow.Field) -> st.SearchStrategy:
    if pyarrow.types.is_boolean(field.type):
        values: st.SearchStrategy = st.booleans()
    elif pyarrow.types.is_date32(field.type):
        values = st.sampled_from([date(2025, 1, 1), date(2026, 7, 4)])
    elif pyarrow.types.is_decimal(field.type):
        values = st.sampled_from([Decimal("0.00"), Decimal("12.50"), Decimal("-3.10")])
    else:
        values = _TEXT
    return st.one_of(st.none(), values) if field.nullable else values


def _records(dataset: str) -> st.SearchStrategy:
    schema = pyarrow.schema([DATASETS[dataset].arrow.field(c) for c in _columns_of(dataset)[1:]])
    row = st.fixed_dictionaries({f.name: _value(f) for f in schema})
    return st.lists(row, max_size=4)


@st.composite
def _versions_and_records(draw):
    kind = draw(st.sampled_from(sorted(COMPARED)))
    datasets = [dataset for dataset, *_ in COMPARED[kind]]
    versions, rows = [], defaultdict(list)
    for s in range(draw(st.integers(1, 3))):
        for v in range(draw(st.integers(1, 3))):
            doc_id = f"{s}-{v}"
            versions.append(
                {
                    "doc_id": doc_id,
                    "series_key": f"{kind}:{s}",
                    "doc_kind": kind,
                    "version_date": draw(st.sampled_from([None, date(2025, v + 1, 1)])),
                    "effective_date": None,
                }
            )
            for dataset in datasets:
                for record in draw(_records(dataset)):
                    rows[dataset].append({"doc_id": doc_id, **record})
    schema = pyarrow.schema(
        [
            ("doc_id", pyarrow.string()),
            ("series_key", pyarrow.string()),
            ("doc_kind", pyarrow.string()),
            ("version_date", pyarrow.date32()),
            ("effective_date", pyarrow.date32()),
        ]
    )
    tables = {}
    for dataset in datasets:
        fields = [DATASETS[dataset].arrow.field(c) for c in _columns_of(dataset)]
        tables[dataset] = pyarrow.Table.from_pylist(rows[dataset], pyarrow.schema(fields))
    return pyarrow.Table.from_pylist(versions, schema), tables


# Prefect's background threads (left by earlier tests in the session) draw from `random`
# while hypothesis generates a case, which it reports as if the strategy had.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=150, deadline=None)
@given(_versions_and_records())
def test_arrow_change_log_is_the_python_diff_on_any_records(case):
    versions, tables = case
    rows = change_rows(versions, tables.get, "run", DETECTED).to_pylist()
    assert rows == _python_change_log(versions, tables, "run")
    # Nor does the order a version's records are read in matter (Delta keeps none).
    backwards = {
        d: t.take(pyarrow.array(range(t.num_rows - 1, -1, -1), pyarrow.int64()))
        for d, t in tables.items()
    }
    assert change_rows(versions, backwards.get, "run", DETECTED).to_pylist() == rows


def _log_row(key: str, old_value, run_id: str, day: int) -> dict:
    return {
        "series_key": key,
        "old_doc_id": None,
        "new_doc_id": "d" * 64,
        "entity": "code_report",
        "entity_key": "47383",
        "field": "*",
        "change_type": "added",
        "old_value": old_value,
        "new_value": "x",
        "effective_date": None,
        "run_id": run_id,
        "detected_at": datetime(2026, 1, day, tzinfo=UTC),
    }


def test_recomputed_rows_keep_their_first_detection():
    from flows.extract import rows_to_table
    from schemas import CHANGE_LOG

    existing = rows_to_table(
        CHANGE_LOG.arrow,
        [
            _log_row("s1", None, "first", 1),
            _log_row("s1", None, "first", 1),  # a duplicate
            _log_row("s3", "old", "first", 2),
        ],
    )
    rows = rows_to_table(
        CHANGE_LOG.arrow,
        [
            _log_row("s2", None, "now", 9),  # new
            _log_row("s1", None, "now", 9),  # seen before (null old_value, old_doc_id)
            _log_row("s3", "changed", "now", 9),  # same entity, other value: a new detection
        ],
    )
    # Rows of a series need not be together; one step, or one series per step, agree.
    rows = pyarrow.concat_tables([rows, rows.slice(0, 2)])
    for per_step in (10_000, 1):
        kept = keep_first_detection(rows, existing, series_per_step=per_step)
        assert kept.column("series_key").to_pylist() == ["s2", "s1", "s3", "s2", "s1"]
        assert kept.column("run_id").to_pylist() == ["now", "first", "now", "now", "first"]
        assert [d.day for d in kept.column("detected_at").to_pylist()] == [9, 1, 9, 9, 1]
        assert kept.schema == rows.schema
