"""The process-pool path gives exactly the rows of the in-process path."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from bench.synth import synthesize_corpus
from flows.publish import TableStore
from flows.run import POOL_THRESHOLD, run_pipeline
from flows.runtime.workers import new_pool, start_workers, stop_pool, stop_started, take_started
from flows.settings import Settings
from schemas import DOCUMENT_DATASETS

# Columns that say when or by which run a row was written, not what the document says.
VOLATILE = {"run_id", "first_seen_at"}


def _rows(output, name):
    table = TableStore(output).read(name)
    keep = [c for c in table.column_names if c not in VOLATILE]
    return sorted(tuple(str(v) for v in row.values()) for row in table.select(keep).to_pylist())


def _fork_servers() -> list[int]:
    """This process's children that are a multiprocessing fork server (Linux /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if parent == os.getpid() and b"multiprocessing.forkserver" in command:
            found.append(int(pid))
    return found


def test_pool_and_in_process_runs_publish_the_same_rows(tmp_path):
    sources = tmp_path / "sources"
    synthesize_corpus(sources, reports=POOL_THRESHOLD + 60, policies=40, seed=11)
    pooled = run_pipeline(
        Settings(sources=sources, output=tmp_path / "pooled", workers=2, batch_size=250)
    )
    serial = run_pipeline(Settings(sources=sources, output=tmp_path / "serial", workers=1))
    assert pooled.files_new == serial.files_new == POOL_THRESHOLD + 100
    for name in ["documents", *DOCUMENT_DATASETS]:
        assert _rows(tmp_path / "pooled", name) == _rows(tmp_path / "serial", name), name
    assert not (tmp_path / "pooled" / ".staging").exists()  # the spilled chunks too


def test_a_spilled_chunk_loads_back_the_same_tables(tmp_path):
    from flows.extract import extract_chunk
    from flows.ingest import discover_files
    from flows.model import Limits
    from flows.validate import relaxed

    sources = tmp_path / "sources"
    synthesize_corpus(sources, reports=20, policies=10, seed=5)
    files, _ = discover_files(sources, Limits())
    schemas = {n: relaxed(d.arrow) for n, d in DOCUMENT_DATASETS.items()}
    kept = extract_chunk(files, Limits(), schemas)
    spilled = extract_chunk(files, Limits(), schemas, spill_to=tmp_path / "chunk")
    assert spilled.tables == {}
    assert len(list((tmp_path / "chunk").glob("*.arrow"))) == len(schemas)
    loaded = spilled.load()
    assert not (tmp_path / "chunk").exists()  # read once, then removed
    assert loaded.tables.keys() == kept.tables.keys()
    for name, table in kept.tables.items():
        assert loaded.tables[name].equals(table), name
    assert [d.source for d in loaded.documents] == [d.source for d in kept.documents]


def test_a_run_takes_the_workers_started_ahead(tmp_path):
    sources = tmp_path / "sources"
    synthesize_corpus(sources, reports=POOL_THRESHOLD, policies=10, seed=3)
    start_workers(2)
    summary = run_pipeline(Settings(sources=sources, output=tmp_path / "out", workers=2))
    assert summary.files_new == POOL_THRESHOLD + 10
    assert take_started(2) is None  # the run took the pool...
    assert not multiprocessing.active_children()  # ... and shut it down
    if Path("/proc/self/stat").exists():
        assert _fork_servers() == []  # with the fork server, whose memory publish can use


def test_workers_are_started_once_and_stopped_when_not_needed():
    start_workers(2)
    start_workers(2)  # a second call does not start a second pool
    pool = take_started(2)
    assert pool is not None and take_started(2) is None
    assert len(multiprocessing.active_children()) == 2
    stop_pool(pool)
    start_workers(2)
    stop_started()  # the run had too few files to take them
    assert take_started(2) is None
    assert not multiprocessing.active_children()
    start_workers(1)  # one worker means extraction in-process: nothing to start
    assert take_started(1) is None


def test_the_fork_server_stays_while_another_pool_needs_it():
    first, second = new_pool(1), new_pool(1)
    assert first.submit(len, "ab").result() == 2
    assert second.submit(len, "abc").result() == 3
    stop_pool(second)
    if Path("/proc/self/stat").exists():
        assert _fork_servers()  # `first` may still start workers from it
    assert first.submit(len, "abcd").result() == 4
    stop_pool(first)
    if Path("/proc/self/stat").exists():
        assert _fork_servers() == []
