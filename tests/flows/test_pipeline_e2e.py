"""End to end: the real Prefect flow over a temporary sources folder into real Delta tables."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from deltalake import DeltaTable

from flows.pipeline import run_flow
from flows.publish import TableStore
from flows.settings import Settings
from schemas import DATASETS

pytestmark = pytest.mark.e2e


def _run(sources: Path, output: Path, **kw: object):
    return run_flow(Settings(sources=sources, output=output, workers=1, **kw))


def _rows(output: Path, name: str) -> list[dict]:
    return TableStore(output).read(name).to_pylist()


def test_seed_report_acceptance(prefect_harness, sources_dir, tmp_path, seed_text):
    (sources_dir / "code_reports" / "000_cd0088245f7f7ca7.txt").write_text(
        seed_text, encoding="utf-8"
    )
    output = tmp_path / "output"
    summary = _run(sources_dir, output)

    assert summary.status == "completed"
    docs = _rows(output, "documents")
    assert [d["primary_code"] for d in docs] == ["47383"]
    assert docs[0]["series_key"] == "code_report:47383"
    billing = _rows(output, "billing_codes")
    assert billing[0]["service_type"] == "Percutaneous tumor ablation (cryosurgery)"
    assert "interventional radiology suite" in billing[0]["site_of_service"].lower()
    payers = sorted(r["payer_id"] for r in _rows(output, "code_payers"))
    assert payers == ["aetna", "bcbs", "cigna", "medicare", "unitedhealthcare"]
    modifiers = _rows(output, "code_modifiers")
    assert [(m["modifier"], m["modifier_valid"]) for m in modifiers] == [("11", False)]
    # The seed stops right after its first table row: published, but flagged partial.
    assert docs[0]["status"] == "partial"
    reasons = {q["reason"] for q in _rows(output, "quarantine")}
    assert reasons == {"truncated_document"}
    # One commit per table per run, carrying the run id: the first run's writes create
    # the tables (version 0 holds its rows); the runs row lists the versions it wrote.
    for name in DATASETS:
        history = DeltaTable(str(output / name)).history()
        assert [h.get("run_id") for h in history] == [summary.run_id], name
    run_row = _rows(output, "runs")[0]
    assert json.loads(run_row["table_versions"])["documents"] == 0
    assert run_row["flow_run_id"]


def _write_bad_files(root: Path, outside: Path) -> dict[str, str]:
    """One file per way a file can be refused; returns source_path -> expected reason."""
    (root / "code_reports" / "empty.txt").write_bytes(b"")
    (root / "code_reports" / "junk.bin").write_bytes(bytes(range(256)) * 8)
    (root / "code_reports" / "huge.txt").write_bytes(b"CPT 47383: x\n" * 2000)
    (root / "code_reports" / "archive.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    secret = outside / "secret.txt"
    secret.write_text("CPT 99999: not ours\n", encoding="utf-8")
    os.symlink(secret, root / "code_reports" / "link_out.txt")
    os.symlink(outside, root / "linked_dir")
    os.symlink(root / "missing.txt", root / "code_reports" / "dangling.txt")
    return {
        "code_reports/empty.txt": "empty_file",
        "code_reports/junk.bin": "unsupported_type",
        "code_reports/huge.txt": "file_too_large",
        "code_reports/archive.zip": "unsupported_type",
        "code_reports/link_out.txt": "outside_sources_root",
        "linked_dir": "outside_sources_root",
        "code_reports/dangling.txt": "broken_link",
    }


def test_nothing_lost_and_rerun_is_idempotent(prefect_harness, sources_dir, tmp_path, seed_text):
    outside = tmp_path / "outside"
    outside.mkdir()
    expected = _write_bad_files(sources_dir, outside)
    (sources_dir / "code_reports" / "seed.txt").write_text(seed_text, encoding="utf-8")
    output = tmp_path / "output"
    first = _run(sources_dir, output, max_file_bytes=10_000)

    quarantine = _rows(output, "quarantine")
    by_path = {}
    for q in quarantine:
        by_path.setdefault(q["source_path"], set()).add(q["reason"])
    for path, reason in expected.items():
        assert reason in by_path.get(path, set()), (path, by_path.get(path))
    documents = {d["source_path"] for d in _rows(output, "documents")}
    found = {
        p.relative_to(sources_dir).as_posix()
        for p in sources_dir.rglob("*")
        if p.is_file() or p.is_symlink()
    }
    assert found <= documents | set(by_path)
    assert not any("not ours" in json.dumps(q, default=str) for q in quarantine)
    assert first.files_quarantined == len(expected)

    store = TableStore(output)
    before = store.versions()
    second = _run(sources_dir, output, max_file_bytes=10_000)
    after = store.versions()
    assert second.files_new == 0
    assert {k: v for k, v in after.items() if k != "runs"} == {
        k: v for k, v in before.items() if k != "runs"
    }
    assert after["runs"] == before["runs"] + 1
    assert len(_rows(output, "runs")) == 2


def test_every_table_matches_the_contract_types(prefect_harness, sources_dir, tmp_path, seed_text):
    (sources_dir / "code_reports" / "seed.txt").write_text(seed_text, encoding="utf-8")
    output = tmp_path / "output"
    _run(sources_dir, output)
    for name, dataset in DATASETS.items():
        schema = DeltaTable(str(output / name)).to_pyarrow_dataset().schema
        got = {f.name: str(f.type) for f in schema}
        want = {f.name: str(f.type) for f in dataset.arrow}
        assert got == want, name
        for field_type in got.values():
            if field_type.startswith("timestamp"):
                assert field_type == "timestamp[us, tz=UTC]", name


def test_revised_code_report_is_logged_as_changes(
    prefect_harness, sources_dir, tmp_path, seed_text
):
    report = sources_dir / "code_reports" / "cpt_47383.txt"
    report.write_text(seed_text + "\n", encoding="utf-8")
    output = tmp_path / "output"
    _run(sources_dir, output)
    revised = seed_text.replace(
        "Service type: Percutaneous tumor ablation (cryosurgery)",
        "Service type: Percutaneous cryoablation",
    ).replace("Cigna Health, ", "")
    revised += "\n59 | Distinct procedural service | Separate lesion. |\n"
    report.write_text(revised, encoding="utf-8")
    summary = _run(sources_dir, output)

    assert summary.files_new == 1
    changes = [c for c in _rows(output, "change_log") if c["old_doc_id"] is not None]
    got = {(c["entity"], c["entity_key"], c["field"], c["change_type"]) for c in changes}
    assert got == {
        ("code_report", "47383", "service_type", "modified"),
        ("code_payer", "cigna", "*", "removed"),
        ("code_modifier", "59", "*", "added"),
    }
    assert all(c["new_doc_id"] != c["old_doc_id"] for c in changes)
    events = [(e["source_path"], e["event"]) for e in _rows(output, "file_events")]
    assert ("code_reports/cpt_47383.txt", "changed") in events


def test_a_large_change_report_is_cut_for_the_artifact(tmp_path):
    from flows.pipeline import ARTIFACT_MAX_CHARS, artifact_text

    report = tmp_path / "run.md"
    report.write_text("# Changes\n" + "- a change line\n" * 50_000, encoding="utf-8")
    text = artifact_text(report)
    assert len(text) < ARTIFACT_MAX_CHARS + 500
    assert text.startswith("# Changes\n- a change line\n")
    assert str(report) in text
    small = tmp_path / "small.md"
    small.write_text("# Changes\n- one\n", encoding="utf-8")
    assert artifact_text(small) == "# Changes\n- one\n"
