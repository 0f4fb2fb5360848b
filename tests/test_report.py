"""The per-run change report reads what a run changed from the change log's Delta versions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows import publish
from flows.audit import report
from flows.audit.report import change_report_markdown, run_changes
from flows.extract import rows_to_table
from flows.publish import TableStore
from schemas import CHANGE_LOG

SERIES = "code_report:47383"


def _row(key: str, new_value: str, effective: date | None, run_id: str) -> dict:
    return {
        "series_key": SERIES,
        "old_doc_id": None if key == "first" else "a" * 64,
        "new_doc_id": "b" * 64,
        "entity": "code_payer",
        "entity_key": key,
        "field": "*",
        "change_type": "added",
        "old_value": None,
        "new_value": new_value,
        "effective_date": effective,
        "run_id": run_id,
        "detected_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


def _publish(store: TableStore, rows: list[dict], run_id: str) -> None:
    table = rows_to_table(CHANGE_LOG.arrow, rows)
    assert store.replace_rows(CHANGE_LOG, table, "series_key", {SERIES}, run_id)


@pytest.mark.parametrize(
    "how", ["predicate", "rewrite", "two commits"], ids=["predicate", "rewrite", "retried"]
)
def test_new_revised_and_withdrawn_rows_of_a_run(tmp_path, monkeypatch, how):
    """One commit is read from the change data feed (a predicate overwrite or a table
    rewrite); a run that committed twice (a retried publish) compares whole versions."""
    if how == "rewrite":
        monkeypatch.setattr(publish, "PREDICATE_MAX_KEYS", 0)
    store = TableStore(tmp_path)
    _publish(
        store,
        [_row("first", "x", date(2025, 1, 1), "r1"), _row("gone", "y", None, "r1")],
        "r1",
    )
    # The first run's commit created the table (version 0): its rows are all new.
    first = run_changes(store, "r1")
    assert sorted(first.new.column("entity_key").to_pylist()) == ["first", "gone"]
    assert first.revised.num_rows == first.withdrawn.num_rows == 0 and first.version == 0
    _publish(
        store,
        [
            _row("first", "x", date(2025, 2, 1), "r1"),  # same change, new effective date
            _row("other", "z", None, "r2"),
        ],
        "r2",
    )
    if how == "two commits":
        _publish(store, [_row("first", "x", date(2025, 2, 1), "r1")], "r2")
        _publish(
            store,
            [_row("first", "x", date(2025, 2, 1), "r1"), _row("other", "z", None, "r2")],
            "r2",
        )
    changes = run_changes(store, "r2")
    assert changes.new.column("entity_key").to_pylist() == ["other"]
    assert changes.revised.column("entity_key").to_pylist() == ["first"]
    assert changes.previous.column("effective_date").to_pylist() == [date(2025, 1, 1)]
    assert changes.withdrawn.column("entity_key").to_pylist() == ["gone"]
    assert changes.version == store.version(CHANGE_LOG.name)
    text = change_report_markdown(store, "r2")
    assert text is not None and "## Revised changes" in text and "## Withdrawn changes" in text
    # Listing is capped for every kind of change; the rest are counted.
    monkeypatch.setattr(report, "CHANGES_LISTED", 0)
    text = change_report_markdown(store, "r2")
    assert text is not None and "## Revised changes" not in text
    assert "1 more revised changes are not listed" in text
    assert "1 more withdrawn changes are not listed" in text
    never = run_changes(store, "never-ran")
    assert never.version is None and never.new.num_rows == never.withdrawn.num_rows == 0
