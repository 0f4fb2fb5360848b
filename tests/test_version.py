"""The parser version covers what shapes extracted rows: every module the extractors load lies
in a hashed input (or is listed here as shaping no row), and a change to a file of any hashed
input changes the version."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows import version

REPO = version._ROOT

#: Modules that importing `flows.extract` loads from outside the hashed inputs, each with why
#: it shapes no extracted row. A module that does shape rows belongs in `version._INPUTS`.
NOT_HASHED = {
    "flows": "the package's empty `__init__`",
    "flows.ingest": "hands the parsers a file's bytes unchanged (checked against the doc_id hash)",
    "flows.runtime": "a package docstring, no code",
    "flows.runtime.memory": "allocator and garbage-collector tuning: no data passes through it",
}

#: Run in a fresh interpreter: the modules under flows/ and schemas/ that importing
#: `flows.extract` loads, by name, with their paths from the repository root.
_LOADED_BY_EXTRACT = """
import json, sys
from pathlib import Path

import flows.extract

root = Path(sys.argv[1])
loaded = {}
for name, module in list(sys.modules.items()):
    path = getattr(module, "__file__", None)
    if path is None:
        continue
    path = Path(path).resolve()
    if path.is_relative_to(root / "flows") or path.is_relative_to(root / "schemas"):
        loaded[name] = path.relative_to(root).as_posix()
print(json.dumps(loaded))
"""


def _loaded_by_extract() -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_BY_EXTRACT, str(REPO)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _hashed(relative: str) -> bool:
    return any(relative == entry or relative.startswith(f"{entry}/") for entry in version._INPUTS)


def test_every_module_the_extractors_load_is_hashed():
    loaded = _loaded_by_extract()
    assert "flows.extract.code_report.document" in loaded  # the probe sees the extractors
    unhashed = {
        name: path for name, path in loaded.items() if not _hashed(path) and name not in NOT_HASHED
    }
    assert not unhashed, (
        f"flows.extract loads {unhashed}, outside the parser version's inputs: add the "
        "package to flows/version.py `_INPUTS`, or to NOT_HASHED here if it shapes no row"
    )
    stale = sorted(set(NOT_HASHED) - set(loaded))
    assert not stale, f"NOT_HASHED lists modules flows.extract no longer loads: {stale}"


def test_every_hashed_input_exists():
    # A missing input is silently skipped by the digest: a renamed package would drop out.
    missing = [entry for entry in version._INPUTS if not (REPO / entry).exists()]
    assert not missing


def _hashed_files(root: Path, entry: str) -> list[Path]:
    base = root / entry
    files = sorted(base.rglob("*")) if base.is_dir() else [base]
    return [p for p in files if p.is_file() and p.suffix in {".py", ".csv", ".toml"}]


@pytest.fixture
def tree_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the hashed inputs, which `parser_version` then reads instead of the repo."""
    for entry in version._INPUTS:
        source, target = REPO / entry, tmp_path / entry
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    monkeypatch.setattr(version, "_ROOT", tmp_path)
    return tmp_path


def _version_now() -> str:
    return version.parser_version.__wrapped__()  # past the cache: the tree changes


def test_the_copy_stamps_the_repository_version(tree_copy, monkeypatch):
    copied = _version_now()
    monkeypatch.setattr(version, "_ROOT", REPO)
    assert copied == _version_now()


@pytest.mark.parametrize("entry", version._INPUTS)
def test_changing_a_file_of_a_hashed_input_changes_the_version(tree_copy, entry):
    before = _version_now()
    files = _hashed_files(tree_copy, entry)
    assert files, f"{entry} holds no hashed file"
    # One file of each kind the input holds (code, and reference data under schemas/).
    for path in {p.suffix: p for p in reversed(files)}.values():
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert _version_now() != before, path.relative_to(tree_copy)
        path.write_bytes(original)
        assert _version_now() == before
