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
