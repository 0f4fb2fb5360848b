"""The published tables, pinned: a restructuring of the code must publish the same rows.

Each table of a run over the bundled sources and over a small synthetic corpus is reduced
to a digest of its rows, sorted, without what differs from run to run (run ids, timestamps,
`parser_version`). `tests/data/pinned_tables.json` holds the digests; a change that means to
change the tables (a parser fix) rewrites it with `pytest --update-golden` and says why in
its commit.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow
import pytest
from deltalake import DeltaTable

from bench.synth import synthesize_corpus
from flows.run import run_pipeline
from flows.settings import Settings
from schemas import DATASETS
from tests.conftest import SOURCES

PINNED = Path(__file__).resolve().parent.parent / "data" / "pinned_tables.json"
#: Columns that differ between two runs of the same inputs.
VOLATILE = frozenset({"run_id", "parser_version", "duration_s"})


def digest(table: pyarrow.Table) -> dict[str, Any]:
    """Rows and a sha256 of the table's stable columns, rows sorted."""
    keep = [
        f.name
        for f in table.schema
        if f.name not in VOLATILE and not pyarrow.types.is_timestamp(f.type)
    ]
    rows = sorted(
        json.dumps(row, sort_keys=True, default=str) for row in table.select(keep).to_pylist()
    )
    sha = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return {"rows": len(rows), "columns": len(keep), "sha256": sha}


def tables_of(sources: Path, output: Path) -> dict[str, dict[str, Any]]:
    run_pipeline(Settings(sources=sources, output=output, workers=1))
    out = {}
    for name in sorted(DATASETS):
        if name == "runs":
            continue  # one row of counts and timings per run: nothing but volatile
        path = output / name
        if (path / "_delta_log").exists():
            out[name] = digest(DeltaTable(str(path)).to_pyarrow_table())
    return out


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("pinned")
    shutil.copytree(SOURCES, base / "bundled")
    synthesize_corpus(base / "synthetic", reports=60, policies=40, seed=13)
    return {
        "bundled": tables_of(base / "bundled", base / "out-bundled"),
        "synthetic": tables_of(base / "synthetic", base / "out-synthetic"),
    }


def test_the_tables_are_the_pinned_ones(published, update_golden):
    if update_golden:
        PINNED.write_text(json.dumps(published, indent=1, sort_keys=True) + "\n")
    assert published == json.loads(PINNED.read_text())


def test_the_digest_sees_a_changed_value():
    table = pyarrow.table({"code": ["A", "B"], "coverage": ["covered", "covered"]})
    changed = pyarrow.table({"code": ["A", "B"], "coverage": ["covered", "not_covered"]})
    assert digest(table) != digest(changed)
    assert digest(table) == digest(table.take([1, 0]))  # row order is not a difference
