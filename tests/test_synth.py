"""The synthetic corpus generator (bench/synth/): deterministic, counted, readable by the
real extractor, and `mutate_corpus` changes exactly the files it says it changes."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from bench.synth import mutate_corpus, synthesize_corpus
from flows.extract import extract_file
from flows.ingest import discover_files
from flows.model import Limits
from flows.textkit.codes import classify_code

REPORTS, POLICIES = 100, 25


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("synth") / "sources"
    stats = synthesize_corpus(
        root, reports=REPORTS, policies=POLICIES, seed=11, formats=("txt", "md", "html")
    )
    return root, stats


@pytest.fixture(scope="module")
def extracted(corpus: tuple[Path, dict]) -> dict[str, object]:
    root, _ = corpus
    files, refusals = discover_files(root, Limits())
    assert refusals == []
    return {f.source_path: extract_file(f, Limits()) for f in files}


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    a = synthesize_corpus(tmp_path / "a", reports=40, policies=10, seed=5, changed_fraction=0.1)
    b = synthesize_corpus(tmp_path / "b", reports=40, policies=10, seed=5, changed_fraction=0.1)
    assert a == b
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    synthesize_corpus(tmp_path / "c", reports=40, policies=10, seed=6)
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


def test_counts_and_bytes_match_the_files(corpus: tuple[Path, dict]) -> None:
    root, stats = corpus
    reports = [p for p in (root / "code_reports").iterdir() if p.is_file()]
    policies = [p for p in (root / "payer_policies").rglob("*") if p.is_file()]
    assert (
        (stats["reports"], stats["policies"])
        == (REPORTS, POLICIES)
        == (
            len(reports),
            len(policies),
        )
    )
    assert stats["files"] == REPORTS + POLICIES
    assert stats["bytes"] == sum(p.stat().st_size for p in [*reports, *policies])
    assert 2_500 < stats["bytes"] / stats["files"] < 7_000  # ~4 KB documents
    assert {p.parent.name for p in policies} <= {
        "aetna",
        "cigna",
        "unitedhealthcare",
        "bcbs",
        "medicare",
    }
    assert set(stats["by_format"]) == {"txt", "md", "html"}


def test_codes_are_real_looking_and_some_have_versions(corpus: tuple[Path, dict]) -> None:
    root, stats = corpus
    codes = Counter(p.name.split("_")[1].upper() for p in (root / "code_reports").iterdir())
    assert all(classify_code(c) for c in codes)
    categories = {classify_code(c)[1] for c in codes}  # type: ignore[index]
    assert categories == {"I", "II", "III", "HCPCS"}
    assert stats["distinct_codes"] == len(codes) < REPORTS
    assert any(n > 1 for n in codes.values())


def test_encodings_and_damaged_documents_are_present(tmp_path: Path) -> None:
    stats = synthesize_corpus(tmp_path, reports=300, policies=0, seed=2)
    assert stats["by_encoding"].get("cp1252", 0) > 0
    assert stats["by_encoding"].get("utf-16", 0) > 0
    assert stats["truncated"] > 0
    raw = [p.read_bytes() for p in (tmp_path / "code_reports").iterdir()]
    assert any(b.startswith(b"\xff\xfe") for b in raw)
    assert any(b"\r\n" in b and b"\x96" in b for b in raw)  # cp1252 en dash, CRLF


def test_the_real_extractor_reads_the_corpus(extracted: dict) -> None:
    reports = {p: d for p, d in extracted.items() if p.startswith("code_reports/")}
    policies = {p: d for p, d in extracted.items() if p.startswith("payer_policies/")}
    assert all(d.doc_kind == "code_report" and not d.rejected for d in reports.values())
    payers = [r for d in reports.values() for r in d.records.get("code_payers", [])]
    modifiers = [r for d in reports.values() for r in d.records.get("code_modifiers", [])]
    assert len(payers) > 3 * REPORTS and len(modifiers) > 2 * REPORTS
    assert all(r["payer_id"] for r in payers)  # every alias resolves
    assert {r["prior_auth"] for r in payers} == {"required", "not_required", "unknown"}
    assert sum(1 for d in reports.values() if d.records.get("code_benchmarks")) > REPORTS * 0.9
    assert sum(1 for d in reports.values() if d.records.get("code_policy_updates")) > REPORTS * 0.9
    partial = [d for d in reports.values() if d.problems]
    assert all(p.reason == "truncated_document" for d in partial for p in d.problems)
    for path, d in policies.items():
        assert d.doc_kind == "payer_policy" and not d.rejected, path
        assert d.document["payer_id"] == path.split("/")[1]
        assert d.document["policy_id"] and d.document["version_date"], path
        assert d.records.get("policy_codes"), path
    series = Counter(d.document["series_key"] for d in policies.values())
    assert any(n > 1 for n in series.values())  # policies have versions too


def test_mutate_changes_exactly_the_asked_number_of_files(tmp_path: Path) -> None:
    synthesize_corpus(tmp_path, reports=150, policies=50, seed=4, formats=("txt", "md", "html"))
    before = _digests(tmp_path)
    result = mutate_corpus(tmp_path, 0.05, seed=9)
    after = _digests(tmp_path)
    changed = {p for p in before if before[p] != after[p]}
    assert result["changed"] == 10 == len(changed)
    assert changed == set(result["paths"])
    assert set(before) == set(after)
    # Encodings survive: every file still reads, and the same seed picks other content next time.
    files, _ = discover_files(tmp_path, Limits())
    by_path = {f.source_path: f for f in files}
    for path in changed:
        assert not extract_file(by_path[path], Limits()).rejected
    assert mutate_corpus(tmp_path, 0.001, seed=9)["changed"] == 1  # at least one file


def test_next_year_of_a_leap_day() -> None:
    from datetime import date

    from bench.synth.common import _next_year

    assert _next_year(date(2024, 2, 29)) == date(2025, 2, 28)
    assert _next_year(date(2025, 3, 31)) == date(2026, 3, 31)


def test_command_line_writes_and_mutates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from bench.synth.__main__ import main

    direct = synthesize_corpus(tmp_path / "direct", reports=30, policies=10, seed=3)
    root = tmp_path / "corpus"
    assert main([str(root), "--reports", "30", "--policies", "10", "--seed", "3"]) == 0
    assert capsys.readouterr().out == f"wrote 40 files ({direct['bytes']:,} bytes) under {root}\n"
    assert _digests(root) == _digests(tmp_path / "direct")
    assert main([str(root), "--mutate", "0.1", "--seed", "3"]) == 0
    assert capsys.readouterr().out == f"changed 4 files under {root}\n"
    assert _digests(root) != _digests(tmp_path / "direct")
    assert main([str(tmp_path / "bad"), "--formats", "txt,pdf"]) == 2
    assert "unknown format in: txt,pdf" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path / "bad"), "--reports", "-1"])
    assert exit_.value.code == 2
