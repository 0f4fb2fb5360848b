"""Ingest: discovery refuses what must not be read and hashes the rest."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from flows.ingest import discover_files, read_source
from flows.model import DocumentError, Limits


def _reasons(refusals) -> dict[str, str]:
    return {r.source_path: r.problem.reason for r in refusals}


def test_hashes_and_sorts_files(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_bytes(b"two")
    (tmp_path / "one.txt").write_bytes(b"one")
    files, refused = discover_files(tmp_path, Limits())
    assert [f.source_path for f in files] == ["b/two.txt", "one.txt"]
    assert files[1].doc_id == hashlib.sha256(b"one").hexdigest()
    assert files[1].byte_size == 3
    assert refused == []


def test_symlinks_out_of_the_root_are_refused(tmp_path: Path):
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "real.txt").write_text("real")
    os.symlink(outside / "secret.txt", root / "file_link.txt")
    os.symlink(outside, root / "dir_link")
    os.symlink(root / "real.txt", root / "inside_link.txt")  # stays inside: allowed
    os.symlink(root / "nowhere", root / "dangling.txt")
    files, refused = discover_files(root, Limits())
    assert [f.source_path for f in files] == ["inside_link.txt", "real.txt"]
    assert _reasons(refused) == {
        "file_link.txt": "outside_sources_root",
        "dir_link": "outside_sources_root",
        "dangling.txt": "broken_link",
    }


def test_size_limit_and_special_files(tmp_path: Path):
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    (tmp_path / "ok.txt").write_bytes(b"x" * 100)
    os.mkfifo(tmp_path / "pipe")
    files, refused = discover_files(tmp_path, Limits(max_file_bytes=100))
    assert [f.source_path for f in files] == ["ok.txt"]
    assert _reasons(refused) == {"big.txt": "file_too_large", "pipe": "not_a_regular_file"}
    big = next(r for r in refused if r.source_path == "big.txt")
    assert "101" in big.problem.message and big.problem.record == {"byte_size": 101}


def test_inbox_litter_and_root_readme_are_skipped(tmp_path: Path):
    (tmp_path / "README.md").write_text("about the inbox")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "README.md").write_text("a document that happens to be called README")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    files, refused = discover_files(tmp_path, Limits())
    assert [f.source_path for f in files] == ["sub/README.md"]
    assert refused == []


def test_read_source_detects_a_change_since_discovery(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("first")
    (source,), _ = discover_files(tmp_path, Limits())
    assert read_source(source, Limits()) == b"first"
    path.write_text("second")
    with pytest.raises(DocumentError) as info:
        read_source(source, Limits())
    assert info.value.reason == "changed_during_run"


def test_empty_file_is_reported_on_read(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (source,), _ = discover_files(tmp_path, Limits())
    with pytest.raises(DocumentError) as info:
        read_source(source, Limits())
    assert info.value.reason == "empty_file"


# --- hashes kept between runs ------------------------------------------------------------


def test_a_file_whose_stamp_holds_keeps_its_hash_unread(tmp_path: Path):
    (tmp_path / "one.txt").write_bytes(b"one")
    [first], _ = discover_files(tmp_path, Limits())
    assert first.stamp is not None
    # Whatever hash the last run took for this stamp is kept: the file is not read.
    known = {"one.txt": (first.stamp, "f" * 64)}
    [again], _ = discover_files(tmp_path, Limits(), known)
    assert again.doc_id == "f" * 64
    assert (again.byte_size, again.stamp) == (3, first.stamp)


def test_a_file_rewritten_with_its_old_size_and_mtime_is_hashed_again(tmp_path: Path):
    path = tmp_path / "one.txt"
    path.write_bytes(b"one")
    [first], _ = discover_files(tmp_path, Limits())
    old = path.stat()
    path.write_bytes(b"two")  # same size
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))  # and the old modification time
    [again], _ = discover_files(tmp_path, Limits(), {"one.txt": (first.stamp, first.doc_id)})
    assert again.doc_id == hashlib.sha256(b"two").hexdigest()  # its change time gave it away


def test_kept_hashes_round_trip_except_for_files_changed_just_before_discovery(tmp_path):
    import time

    from flows.ingest import RACY_SECONDS, load_hashes, save_hashes

    root = tmp_path / "sources"
    root.mkdir()
    (root / "old.txt").write_bytes(b"old")
    (root / "new.txt").write_bytes(b"new")
    discovered_at = time.time_ns()
    files, _ = discover_files(root, Limits())
    by_path = {f.source_path: f for f in files}
    past = by_path["old.txt"].stamp
    assert past is not None
    # As if old.txt had last changed a minute ago (a real ctime cannot be set back).
    minute = 60 * 10**9
    aged = (past[0], past[1] - minute, past[2] - minute, past[3], past[4])
    files = [
        type(f)(f.source_path, f.path, f.byte_size, f.doc_id, aged)
        if f.source_path == "old.txt"
        else f
        for f in files
    ]
    cache = tmp_path / "cache.json"
    save_hashes(cache, root, files, discovered_at)
    # new.txt changed within RACY_SECONDS of discovery: it could change again unseen.
    assert load_hashes(cache, root) == {"old.txt": (aged, by_path["old.txt"].doc_id)}
    assert RACY_SECONDS > 0
    assert load_hashes(cache, tmp_path) == {}  # another sources root
    assert list(tmp_path.glob(".cache.json*")) == []  # no temporary file left


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[" * 100_000,  # nested past the parser's recursion limit
        '{"root": 1}',
        '{"root": "%s", "files": []}',
    ],
)
def test_a_damaged_hash_cache_only_means_hashing_again(tmp_path, text):
    from flows.ingest import load_hashes

    cache = tmp_path / "cache.json"
    cache.write_text(text.replace("%s", str(tmp_path.resolve())), encoding="utf-8")
    assert load_hashes(cache, tmp_path) == {}


def test_malformed_hash_cache_entries_are_ignored(tmp_path):
    import json

    from flows.ingest import load_hashes

    good = [3, 1, 2, 4, 5, "a" * 64]
    files = {
        "good.txt": good,
        "short.txt": [3, 1, 2, "a" * 64],
        "null_hash.txt": [3, 1, 2, 4, 5, None],
        "not_hex.txt": [3, 1, 2, 4, 5, "z" * 64],
        "float.txt": [3.0, 1, 2, 4, 5, "a" * 64],
        "flag.txt": [True, 1, 2, 4, 5, "a" * 64],
    }
    cache = tmp_path / "cache.json"
    cache.write_text(json.dumps({"root": str(tmp_path.resolve()), "files": files}))
    assert load_hashes(cache, tmp_path) == {"good.txt": ((3, 1, 2, 4, 5), "a" * 64)}


def test_a_rerun_reads_no_unchanged_file_and_publishes_nothing_new(tmp_path, monkeypatch):
    import json
    import shutil

    from flows import ingest
    from flows.publish import TableStore
    from flows.run import HASH_CACHE, PipelineRun, run_pipeline
    from flows.runtime.writer_lock import exclusive_writer
    from flows.settings import Settings
    from tests.conftest import SOURCES

    # Files written just before the run count as old enough (the guard is tested above).
    monkeypatch.setattr(ingest, "RACY_SECONDS", 0.0)
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    settings = Settings(sources=sources, output=tmp_path / "output", workers=1)
    first = run_pipeline(settings)
    versions = TableStore(settings.output).versions()

    def plan_of(settings):
        with exclusive_writer(settings.output):
            return PipelineRun(settings).plan()

    plan = plan_of(settings)
    assert plan.hashes_reused == len(plan.files) == first.files_seen - first.files_quarantined
    assert plan.to_extract == []
    rerun = run_pipeline(settings)
    assert rerun.files_new == 0
    after = TableStore(settings.output).versions()
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in versions.items() if k != "runs"
    }
    # Changed content is read again, whatever the stamps.
    changed = sorted(sources.rglob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + b"\nA new closing line.\n")
    assert plan_of(settings).hashes_reused == len(plan.files) - 1
    # With the setting off, every file is read.
    off = settings.model_copy(update={"trust_stamps": False})
    assert plan_of(off).hashes_reused == 0
    # A wrong kept hash (a damaged cache) is caught when the file is read for extraction,
    # and dropped, so the next run hashes the file again.
    cache = settings.output / HASH_CACHE
    saved = json.loads(cache.read_text())
    victim = sorted(saved["files"])[0]
    saved["files"][victim][5] = "0" * 64
    cache.write_text(json.dumps(saved))
    run_pipeline(settings)
    problems = TableStore(settings.output).read("quarantine").to_pylist()
    assert any(
        p["source_path"] == victim and p["reason"] == ingest.REASON_CHANGED_DURING_RUN
        for p in problems
    )
    assert victim not in json.loads(cache.read_text())["files"]
