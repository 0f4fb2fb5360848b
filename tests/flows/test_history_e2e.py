"""Version history end to end: an Aetna bulletin revised in place, a backfill, removals."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from flows.pipeline import run_flow
from flows.publish import TableStore
from flows.settings import Settings
from tests.conftest import SOURCES

pytestmark = pytest.mark.e2e

AETNA_2025 = SOURCES / "payer_policies" / "aetna" / "cpb_0315_2025.html"
AETNA_2026 = SOURCES / "payer_policies" / "aetna" / "cpb_0315_2026.html"
SERIES = "payer_policy:aetna:0315"


def _run(sources: Path, output: Path):
    return run_flow(Settings(sources=sources, output=output, workers=1))


def _doc_id(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _changes(output: Path, series: str = SERIES) -> list[dict]:
    return [
        r for r in TableStore(output).read("change_log").to_pylist() if r["series_key"] == series
    ]


def _comparable(rows: list[dict]) -> set[tuple]:
    keys = (
        "entity",
        "entity_key",
        "field",
        "change_type",
        "old_value",
        "new_value",
        "old_doc_id",
        "new_doc_id",
        "effective_date",
    )
    return {tuple(r[k] for k in keys) for r in rows}


def test_bulletin_replaced_in_place(prefect_harness, sources_dir, tmp_path):
    target = sources_dir / "payer_policies" / "aetna" / "cpb_0315.html"
    target.parent.mkdir(parents=True)
    shutil.copy(AETNA_2025, target)
    output = tmp_path / "output"
    _run(sources_dir, output)
    shutil.copy(AETNA_2026, target)  # the same path, new content
    summary = _run(sources_dir, output)
    assert summary.files_new == 1

    old, new = _doc_id(AETNA_2025), _doc_id(AETNA_2026)
    pair = [c for c in _changes(output) if c["old_doc_id"] == old]
    assert all(c["new_doc_id"] == new for c in pair)
    codes = {
        (c["entity_key"], c["change_type"], c["old_value"], c["new_value"])
        for c in pair
        if c["entity"] == "policy_code"
    }
    # An added or removed code shows every compared field (coverage and, since the
    # real-layouts work, prior authorization); a modified one the field that changed.
    assert codes == {
        ("0581T", "modified", "not_covered", "covered"),
        ("32994", "added", None, "coverage=covered; prior_auth=unknown"),
        ("0601T", "removed", "coverage=not_covered; prior_auth=unknown", None),
    }
    policy_fields = {c["field"] for c in pair if c["entity"] == "policy"}
    assert policy_fields and policy_fields <= {
        "last_reviewed_date",
        "next_review_date",
        "effective_date",
    }
    assert "last_reviewed_date" in policy_fields
    assert {c["entity"] for c in pair} == {"policy", "policy_code"}
    rows = sorted(
        TableStore(output).read("file_events").to_pylist(), key=lambda e: e["detected_at"]
    )
    events = [(e["source_path"], e["event"]) for e in rows]
    assert events == [
        ("payer_policies/aetna/cpb_0315.html", "added"),
        ("payer_policies/aetna/cpb_0315.html", "changed"),
    ]


def test_backfill_gives_the_same_change_log_as_in_order(prefect_harness, tmp_path):
    def feed(order: list[Path], name: str) -> set[tuple]:
        sources = tmp_path / name / "sources"
        folder = sources / "payer_policies" / "aetna"
        folder.mkdir(parents=True)
        output = tmp_path / name / "output"
        for path in order:
            shutil.copy(path, folder / path.name)
            _run(sources, output)
        return _comparable(_changes(output))

    in_order = feed([AETNA_2025, AETNA_2026], "in_order")
    backfilled = feed([AETNA_2026, AETNA_2025], "backfill")
    assert in_order == backfilled
    # Never a change in the wrong direction: the older version is always the `old` side.
    assert any(c[6] == _doc_id(AETNA_2025) and c[7] == _doc_id(AETNA_2026) for c in backfilled)
    assert not any(c[6] == _doc_id(AETNA_2026) for c in backfilled)


def test_removed_file_is_recorded_and_rerun_is_idempotent(prefect_harness, sources_dir, tmp_path):
    target = sources_dir / "payer_policies" / "aetna" / "cpb_0315_2025.html"
    target.parent.mkdir(parents=True)
    shutil.copy(AETNA_2025, target)
    output = tmp_path / "output"
    _run(sources_dir, output)
    target.unlink()
    summary = _run(sources_dir, output)
    assert summary.files_removed == 1
    events = sorted(
        TableStore(output).read("file_events").to_pylist(), key=lambda e: e["detected_at"]
    )
    assert [(e["event"], e["previous_doc_id"]) for e in events][-1] == (
        "removed",
        _doc_id(AETNA_2025),
    )
    store = TableStore(output)
    before = store.versions()
    _run(sources_dir, output)
    after = store.versions()
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }
    # The document stays in history: removal from the inbox is an event, not a deletion.
    assert len(store.read("documents").to_pylist()) == 1


_NO_NUMBER = """Kaiser Permanente Washington Clinical Review Criteria
Hypoglossal Nerve Stimulation
Last Review Date: {reviewed}
Criteria
Hypoglossal nerve stimulation is covered when the criteria above are met.
| CPT Code | Description |
| --- | --- |
| 64582 | Open implantation of hypoglossal nerve neurostimulator array |
{extra}"""


def test_policy_without_number_is_tracked_by_title(prefect_harness, sources_dir, tmp_path):
    # A policy that shows no number is published partial, keyed by its title, and its
    # next version (a new file name) continues the same series in the change log.
    folder = sources_dir / "payer_policies" / "kaiser"
    folder.mkdir(parents=True)
    (folder / "hgns_2024.txt").write_text(_NO_NUMBER.format(reviewed="05/01/2024", extra=""))
    output = tmp_path / "output"
    _run(sources_dir, output)
    (folder / "hgns_2025.txt").write_text(
        _NO_NUMBER.format(
            reviewed="05/01/2025", extra="| 64583 | Revision of hypoglossal nerve array |\n"
        )
    )
    _run(sources_dir, output)
    store = TableStore(output)
    docs = store.read("documents").to_pylist()
    assert {(d["status"], d["series_key_source"]) for d in docs} == {("partial", "title")}
    series = "payer_policy:kaiser:title:hypoglossal-nerve-stimulation"
    assert {d["series_key"] for d in docs} == {series}
    reasons = {r["reason"] for r in store.read("quarantine").to_pylist()}
    assert "missing_policy_id" in reasons
    added = [
        (r["entity"], r["entity_key"], r["change_type"])
        for r in _changes(output, series)
        if r["old_doc_id"] is not None
    ]
    assert ("policy_code", "64583", "added") in added
