"""The change log is computed in steps and versions are ordered in Arrow: neither may change
what the log says."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from flows import history
from flows.publish import TableStore
from flows.run import run_pipeline
from flows.settings import Settings
from flows.synth import synthesize_corpus
from schemas import DOCUMENTS

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
    docs = published.read(DOCUMENTS.name, list(history.VERSION_COLUMNS)).to_pylist()
    expected: dict[str, list[str]] = {}
    for doc in sorted(docs, key=lambda d: (d["series_key"], *history.version_order_key(d))):
        if doc["status"] != "rejected":
            expected.setdefault(doc["series_key"], []).append(doc["doc_id"])
    got = {
        key: [v["doc_id"] for v in versions]
        for key, versions in history.series_versions(published, series).items()
    }
    assert got == expected


@pytest.mark.parametrize("step", [1, 2, 7])
def test_change_log_does_not_depend_on_the_step_size(published, monkeypatch, step):
    plan = _all_documents(published)
    whole, series = history.build_change_log(published, plan, "run", DETECTED)
    assert whole.num_rows > len(series)  # later versions add rows beyond the first `added`
    monkeypatch.setattr(history, "VERSIONS_PER_STEP", step)
    stepped, same_series = history.build_change_log(published, plan, "run", DETECTED)
    assert same_series == series
    assert _canonical(stepped) == _canonical(whole)


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
    kept = history.keep_first_detection(rows, history.first_detections(existing))
    assert kept.column("series_key").to_pylist() == ["s2", "s1", "s3"]
    assert kept.column("run_id").to_pylist() == ["now", "first", "now"]
    assert [d.day for d in kept.column("detected_at").to_pylist()] == [9, 1, 9]
    assert kept.schema == rows.schema
