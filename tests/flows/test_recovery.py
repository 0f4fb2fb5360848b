"""Crash and retry recovery: a run that dies mid-publish is completed by the next one, and a
retried publish neither loses nor duplicates rows."""

from __future__ import annotations

import pytest

import flows.run as run_module
from flows.extract.batch import extract_batch
from flows.publish import TableStore
from flows.run import PipelineRun, run_pipeline
from flows.runtime.writer_lock import exclusive_writer
from flows.settings import Settings
from tests.conftest import copy_samples


def _settings(tmp_path):
    sources = tmp_path / "sources"
    copy_samples(sources, "code_reports/*")
    return Settings(sources=sources, output=tmp_path / "output", workers=1)


def _counts(store: TableStore) -> dict[str, int]:
    return {
        n: store.read(n).num_rows
        for n in ("documents", "billing_codes", "quarantine", "change_log", "file_events", "runs")
    }


def test_crash_after_the_documents_commit_is_completed_by_the_next_run(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    reference = _counts_of_clean_run(tmp_path)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut after the documents commit")

    monkeypatch.setattr(run_module, "build_change_log", crash)
    with pytest.raises(RuntimeError):
        run_pipeline(settings)
    monkeypatch.undo()
    summary = run_pipeline(settings)
    assert summary.files_new == reference["documents"]  # redone: its run never finished
    counts = _counts(TableStore(settings.output))
    assert {k: counts[k] for k in ("documents", "billing_codes", "quarantine", "change_log")} == {
        k: reference[k] for k in ("documents", "billing_codes", "quarantine", "change_log")
    }
    # The redone documents now name the run that finished: the next run skips them.
    assert run_pipeline(settings).files_new == 0


def _counts_of_clean_run(tmp_path):
    clean = tmp_path / "clean"
    settings = _settings(clean)
    run_pipeline(settings)
    return _counts(TableStore(settings.output))


def _extracted(settings):
    """A run planned and extracted, ready to publish."""
    run = PipelineRun(settings)
    with exclusive_writer(settings.output):
        plan = run.plan()
    results = [
        run.stage(extract_batch(run.extract_job(plan, b, i)), i, plan.known_first_seen)
        for i, b in enumerate(plan.batches(settings.batch_size))
    ]
    return run, plan, results


def test_retried_publish_keeps_rows_and_adds_no_duplicates(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    run, plan, results = _extracted(settings)
    original_append = TableStore.append
    calls = {"runs": 0}

    def flaky_append(self, dataset, rows, run_id, table=None):
        if dataset.name == "runs" and calls["runs"] == 0:
            calls["runs"] += 1
            raise OSError("disk hiccup writing the runs row")
        return original_append(self, dataset, rows, run_id, table)

    monkeypatch.setattr(TableStore, "append", flaky_append)
    with pytest.raises(OSError):
        run.publish(plan, results)
    run.publish(plan, results)  # what Prefect's task retry does
    counts = _counts(TableStore(settings.output))
    assert counts["documents"] == len(plan.to_extract) > 0
    assert counts["billing_codes"] > 0
    assert counts["file_events"] == len(plan.file_events)
    assert counts["runs"] == 1


def test_publish_retried_after_the_runs_row_records_the_run_once(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    run, plan, results = _extracted(settings)
    original_append = TableStore.append
    failed = []

    def append_then_fail(self, dataset, rows, run_id, table=None):
        original_append(self, dataset, rows, run_id, table)
        if dataset.name == "runs" and not failed:
            failed.append(True)
            raise OSError("connection lost after the runs commit")

    monkeypatch.setattr(TableStore, "append", append_then_fail)
    with pytest.raises(OSError):
        run.publish(plan, results)
    run.publish(plan, results)  # what Prefect's task retry does
    assert _counts(TableStore(settings.output))["runs"] == 1
