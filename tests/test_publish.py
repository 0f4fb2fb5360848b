"""Publishing to Delta: one commit per real change, none for a no-op, history and time travel."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow
import pytest
from deltalake import DeltaTable, write_deltalake

from flows import publish
from flows.publish import Staging, TableStore, in_predicate
from flows.validate import frame_from_rows
from schemas import DATASETS

DATASET = DATASETS["code_documentation"]


def _rows(doc: str, *elements: str):
    return frame_from_rows(
        DATASET,
        [
            {
                "doc_id": doc,
                "code": "47383",
                "ordinal": i,
                "element": e,
                "section_ordinal": 0,
                "char_start": i,
                "char_end": i + 1,
            }
            for i, e in enumerate(elements, start=1)
        ],
    )


A, B = "a" * 64, "b" * 64


def test_three_versions_history_and_time_travel(tmp_path):
    store = TableStore(tmp_path)
    assert store.replace_rows(DATASET, _rows(A, "x", "y"), "doc_id", {A}, "run-1")  # v0 create
    assert store.replace_rows(DATASET, _rows(B, "z"), "doc_id", {B}, "run-2")  # v1 append
    assert store.replace_rows(DATASET, _rows(A, "x2"), "doc_id", {A}, "run-3")  # v2 replace A
    # Same rows again: nothing to write, no version.
    assert not store.replace_rows(DATASET, _rows(A, "x2"), "doc_id", {A}, "run-4")
    assert not store.replace_rows(DATASET, _rows(B, "z"), "doc_id", set(), "run-4")

    table = DeltaTable(str(tmp_path / DATASET.name))
    assert table.version() == 2  # the first write created the table with its rows
    runs = [h.get("run_id") for h in table.history()]
    assert runs == ["run-3", "run-2", "run-1"]
    current = sorted(table.to_pyarrow_table().column("element").to_pylist())
    assert current == ["x2", "z"]
    v1 = DeltaTable(str(tmp_path / DATASET.name), version=1).to_pyarrow_table()
    assert sorted(v1.column("element").to_pylist()) == ["x", "y", "z"]
    v0 = DeltaTable(str(tmp_path / DATASET.name), version=0).to_pyarrow_table()
    assert sorted(v0.column("element").to_pylist()) == ["x", "y"]


def test_replacing_with_no_rows_deletes(tmp_path):
    store = TableStore(tmp_path)
    store.replace_rows(DATASET, _rows(A, "x"), "doc_id", {A}, "run-1")
    assert store.replace_rows(DATASET, _rows(A), "doc_id", {A}, "run-2")
    assert store.read(DATASET.name).num_rows == 0


def test_append_new_skips_known_keys(tmp_path):
    store = TableStore(tmp_path)
    quarantine = DATASETS["quarantine"]
    row = {
        "quarantine_id": "q1",
        "source_path": "a",
        "doc_id": None,
        "stage": "read",
        "reason": "empty_file",
        "message": "m",
        "record": None,
        "run_id": "r1",
        "detected_at": None,
    }
    from datetime import UTC, datetime

    row["detected_at"] = datetime(2026, 1, 1, tzinfo=UTC)
    assert (
        store.append_new(quarantine, frame_from_rows(quarantine, [row]), "quarantine_id", "r1") == 1
    )
    assert (
        store.append_new(quarantine, frame_from_rows(quarantine, [row]), "quarantine_id", "r2") == 0
    )
    assert store.version(quarantine.name) == 0  # created by the first append, then nothing


def test_predicate_quotes_are_escaped():
    assert in_predicate("series_key", ["b", "o'k"]) == "series_key IN ('b', 'o''k')"


def test_many_keys_rewrite_the_table_in_one_commit(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "PREDICATE_MAX_KEYS", 1)  # two keys: too many
    monkeypatch.setattr(publish, "COMPARED_KEYS_PER_STEP", 1)  # compared a key at a time
    store = TableStore(tmp_path)
    C = "c" * 64
    store.replace_rows(DATASET, _rows(A, "a1", "a2"), "doc_id", {A}, "run-1")
    store.replace_rows(DATASET, _rows(B, "b1"), "doc_id", {B}, "run-2")
    store.replace_rows(DATASET, _rows(C, "c1"), "doc_id", {C}, "run-3")
    both = pyarrow.concat_tables([_rows(A, "a3"), _rows(B)])
    assert store.replace_rows(DATASET, both, "doc_id", {A, B}, "run-4")
    table = DeltaTable(str(tmp_path / DATASET.name))
    assert table.version() == 3 and table.history()[0]["run_id"] == "run-4"
    assert sorted(store.read(DATASET.name).column("element").to_pylist()) == ["a3", "c1"]
    assert table.metadata().configuration["delta.enableChangeDataFeed"] == "true"
    # The same rows again: no commit, on this path too (a parser upgrade that changes
    # nothing in a table leaves it alone).
    assert not store.replace_rows(DATASET, both, "doc_id", {A, B}, "run-4b")
    assert DeltaTable(str(tmp_path / DATASET.name)).version() == 3
    # Deleting many keys also rewrites; the rows of other keys stay.
    store.replace_rows(DATASET, _rows(B, "b2"), "doc_id", {B}, "run-5")
    assert store.replace_rows(DATASET, _rows(A), "doc_id", {A, C}, "run-6")
    assert store.read(DATASET.name).column("element").to_pylist() == ["b2"]


def test_unchanged_rows_in_another_order_are_not_rewritten(tmp_path):
    store = TableStore(tmp_path)
    store.replace_rows(DATASET, _rows(A, "x", "y", "z"), "doc_id", {A}, "run-1")
    reordered = _rows(A, "x", "y", "z").take([2, 0, 1])
    assert not store.replace_rows(DATASET, reordered, "doc_id", {A}, "run-2")
    assert store.version(DATASET.name) == 0


@pytest.mark.parametrize("max_keys", [10_000, 10], ids=["predicate", "rewrite"])
def test_parser_upgrade_with_equal_output_rewrites_only_documents(tmp_path, monkeypatch, max_keys):
    """A new parser version re-extracts everything; tables whose rows come out equal get no
    new version, whichever way the replacement would be written."""
    from bench.synth import synthesize_corpus
    from flows import run as run_module
    from flows.run import run_pipeline
    from flows.settings import Settings

    monkeypatch.setattr(publish, "PREDICATE_MAX_KEYS", max_keys)
    synthesize_corpus(tmp_path / "s", reports=40, policies=20, seed=2)
    settings = Settings(sources=tmp_path / "s", output=tmp_path / "o", workers=1)
    monkeypatch.setattr(run_module, "parser_version", lambda: "0.1.0+aaaaaaaaaaaa")
    run_pipeline(settings)
    before = TableStore(tmp_path / "o").versions()
    monkeypatch.setattr(run_module, "parser_version", lambda: "0.1.0+bbbbbbbbbbbb")
    summary = run_pipeline(settings)
    assert summary.files_new == 60
    after = TableStore(tmp_path / "o").versions()
    assert sorted(n for n in after if after[n] != before[n]) == ["documents", "runs"]


def test_a_second_run_on_the_same_output_is_refused_while_one_runs(tmp_path):
    from flows.run import run_pipeline
    from flows.runtime.writer_lock import OutputBusyError, exclusive_writer
    from flows.settings import Settings
    from tests.conftest import SOURCES

    output = tmp_path / "output"
    settings = Settings(sources=SOURCES, output=output, workers=1)
    with exclusive_writer(output):  # as a run in another process would hold it
        with pytest.raises(OutputBusyError, match=rf"another run is writing .*pid {os.getpid()}"):
            run_pipeline(settings)
        assert [p.name for p in output.iterdir()] == [".writer.lock"]  # nothing else touched
    summary = run_pipeline(settings)  # the lock goes with its holder
    assert summary.files_new > 0
    assert TableStore(output).table("runs") is not None


def test_planning_a_run_needs_the_writer_lock(tmp_path):
    from flows.run import PipelineRun
    from flows.runtime.writer_lock import exclusive_writer, holds_writer
    from flows.settings import Settings
    from tests.conftest import SOURCES

    output = tmp_path / "output"
    run = PipelineRun(Settings(sources=SOURCES, output=output, workers=1))
    with pytest.raises(RuntimeError, match="writer lock"):
        run.plan()  # it would clear the staged batches of a run that holds it
    with exclusive_writer(output):
        assert holds_writer(output)
        assert run.plan().files
    assert not holds_writer(output)


def test_staging_is_absolute_for_workers_in_another_folder(tmp_path, monkeypatch):
    # Workers spill chunks to the staging folder, and a worker's working folder may not be
    # the flow's: a relative output folder must not resolve elsewhere in a worker.

    monkeypatch.chdir(tmp_path)
    staging = Staging(Path("output"), "run-1")
    assert staging.root == tmp_path / "output" / ".staging" / "run-1"
    first, retried = staging.chunk(0, 3, attempt=1), staging.chunk(0, 3, attempt=2)
    assert first.is_absolute() and first != retried  # a retry never shares a failed attempt's


def test_migrate_brings_an_older_table_to_the_contract(tmp_path):
    # A policy_codes table as the contract had it before prior_auth, listed_under,
    # from_range and range_end, with a non-nullable policy_id.
    dataset = DATASETS["policy_codes"]
    old_fields = [
        f.with_nullable(False) if f.name == "policy_id" else f
        for f in dataset.arrow
        if f.name not in ("prior_auth", "listed_under", "from_range", "range_end")
    ]
    row = {f.name: None for f in old_fields}
    row.update(
        doc_id="a" * 64,
        char_start=0,
        char_end=5,
        payer_id="aetna",
        policy_id="0315",
        code="47383",
        code_system="CPT",
        coverage="covered",
    )
    old = pyarrow.Table.from_pylist([row], schema=pyarrow.schema(old_fields))
    write_deltalake(str(tmp_path / "policy_codes"), old)
    store = TableStore(tmp_path)
    assert store.migrate([dataset], "run-1") == ["policy_codes"]
    assert store.migrate([dataset], "run-2") == []  # on the contract now: no new version
    table = store.table("policy_codes")
    assert table is not None and table.version() == 1
    (got,) = table.to_pyarrow_table().to_pylist()
    assert (got["code"], got["prior_auth"], got["from_range"], got["listed_under"]) == (
        "47383",
        "unknown",
        False,
        None,
    )
