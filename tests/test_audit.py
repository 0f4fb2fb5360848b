"""Audit views (flows/audit/views.py) and the per-run change report (flows/audit/report.py) over real
Delta tables made by running the pipeline (no Prefect) into temporary folders."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import flows.run as run_module
from flows.audit import views as audit
from flows.audit.report import change_report_markdown, write_change_report
from flows.publish import TableStore
from flows.run import RunSummary, run_pipeline
from flows.settings import Settings
from tests.conftest import SOURCES, copy_samples

V1 = SOURCES / "code_reports" / "cpt_64490_facet_injection_v1.md"
V2 = SOURCES / "code_reports" / "cpt_64490_facet_injection_v2.md"
AETNA = SOURCES / "payer_policies" / "aetna"
IN_PLACE = "code_reports/cpt_64490_facet_injection.md"


class Clock:
    """A stand-in for flows.run.now_utc: each call one second after the last."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _settings(sources: Path, output: Path) -> Settings:
    return Settings(sources=sources, output=output, workers=1)


def build_published(root: Path) -> Path:
    """Every bundled sample, one run; returns the output folder."""
    sources, output = root / "sources", root / "output"
    copy_samples(sources)
    run_pipeline(_settings(sources, output))
    return output


@dataclass
class TwoRuns:
    output: Path
    first: RunSummary
    second: RunSummary
    rerun: RunSummary
    reports_after_second: set[str]

    @property
    def store(self) -> TableStore:
        return TableStore(self.output)


def build_two_runs(root: Path) -> TwoRuns:
    """64490 v1 seen on 2025-01-10, revised in place to v2 on 2025-03-01, then a rerun over
    the same files on 2025-04-01 (the clock of each run is set, so first_seen is known)."""
    sources, output = root / "sources", root / "output"
    (sources / "code_reports").mkdir(parents=True)
    target = sources / IN_PLACE
    settings = _settings(sources, output)
    with pytest.MonkeyPatch.context() as mp:
        shutil.copy2(V1, target)
        mp.setattr(run_module, "now_utc", Clock(datetime(2025, 1, 10, 9, tzinfo=UTC)))
        first = run_pipeline(settings)
        shutil.copy2(V2, target)
        mp.setattr(run_module, "now_utc", Clock(datetime(2025, 3, 1, 9, tzinfo=UTC)))
        second = run_pipeline(settings)
        reports = {p.name for p in (output / "reports").iterdir()}
        mp.setattr(run_module, "now_utc", Clock(datetime(2025, 4, 1, 9, tzinfo=UTC)))
        rerun = run_pipeline(settings)
    return TwoRuns(output, first, second, rerun, reports)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> TableStore:
    return TableStore(build_published(tmp_path_factory.mktemp("published")))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    return build_two_runs(tmp_path_factory.mktemp("two_runs"))


def _doc_id(store: TableStore, source_path: str) -> str:
    rows = [d for d in store.read("documents").to_pylist() if d["source_path"] == source_path]
    assert len(rows) == 1, source_path
    return rows[0]["doc_id"]


def _needs_policies(store: TableStore) -> None:
    series = set(store.read("documents").column("series_key").to_pylist())
    if "payer_policy:aetna:0315" not in series:
        pytest.skip("payer-policy extraction does not publish the Aetna CPB 0315 versions yet")


# --- current_state -----------------------------------------------------------------------


def test_current_state_is_the_latest_version_of_each_series(published):
    rows = {r["series_key"]: r for r in audit.current_state(published).to_pylist()}
    report = rows["code_report:64490"]
    assert report["source_path"] == "code_reports/cpt_64490_facet_injection_v2.md"
    assert report["versions"] == 2
    # One row per series, nothing else.
    series = {s for s in published.read("documents").column("series_key").to_pylist() if s}
    assert set(rows) == series


def test_current_state_filters(published, two_runs):
    only = audit.current_state(published, series_key="code_report:64490").to_pylist()
    assert [r["series_key"] for r in only] == ["code_report:64490"]
    # code is case-insensitive and matches a report's primary code ...
    matched = {r["series_key"] for r in audit.current_state(published, code="0581t").to_pylist()}
    assert "code_report:0581T" in matched
    # ... in the two-run store the latest version is the one seen last (v2, in place).
    latest = audit.current_state(two_runs.store).to_pylist()
    assert [r["doc_id"] for r in latest] == [two_runs_v2(two_runs)]
    assert audit.current_state(published, payer="no-such-payer").num_rows == 0


def test_current_state_payer_and_code_on_policies(published):
    _needs_policies(published)
    rows = audit.current_state(published, payer="AETNA").to_pylist()
    assert [r["source_path"] for r in rows] == ["payer_policies/aetna/cpb_0315_2026.html"]
    # A policy matches a code its latest version lists.
    by_code = audit.current_state(published, code="32994").to_pylist()
    assert "payer_policy:aetna:0315" in {r["series_key"] for r in by_code}


def two_runs_v1(runs: TwoRuns) -> str:
    return _versions(runs)[0]


def two_runs_v2(runs: TwoRuns) -> str:
    return _versions(runs)[1]


def _versions(runs: TwoRuns) -> list[str]:
    return audit.history(runs.store, "code_report:64490").versions.column("doc_id").to_pylist()


# --- coverage_as_of ----------------------------------------------------------------------


def _cigna(table) -> dict:
    rows = [r for r in table.to_pylist() if r["payer_id"] == "cigna"]
    assert len(rows) == 1, rows
    return rows[0]


def test_as_of_code_report_counts_from_the_day_first_seen(two_runs):
    store = two_runs.store
    # Before v1 was seen nothing was in force.
    assert audit.coverage_as_of(store, date(2025, 1, 9)).num_rows == 0
    before = _cigna(audit.coverage_as_of(store, date(2025, 2, 28), code="64490"))
    after = _cigna(audit.coverage_as_of(store, date(2025, 3, 1), code="64490"))
    assert (before["prior_auth"], before["doc_id"]) == ("not_required", two_runs_v1(two_runs))
    assert (after["prior_auth"], after["doc_id"]) == ("required", two_runs_v2(two_runs))
    assert before["in_force_from"] == date(2025, 1, 10)
    assert after["in_force_from"] == date(2025, 3, 1)
    assert after["doc_kind"] == "code_report"
    assert after["source_path"] == IN_PLACE
    assert "musculoskeletal" in after["coverage_text"]


def test_as_of_policy_uses_version_dates(published):
    _needs_policies(published)

    def aetna_0581t(day: date) -> list[dict]:
        table = audit.coverage_as_of(published, day, payer="aetna", code="0581T")
        return [r for r in table.to_pylist() if r["doc_kind"] == "payer_policy"]

    # The 2025 bulletin (reviewed 2025-09-18) said not covered; the 2026 one (2026-03-05)
    # covers it. Before the first version date the policy was not in force at all.
    assert aetna_0581t(date(2025, 9, 17)) == []
    [old] = aetna_0581t(date(2026, 3, 4))
    [new] = aetna_0581t(date(2026, 3, 5))
    assert (old["coverage"], old["source_path"]) == (
        "not_covered",
        "payer_policies/aetna/cpb_0315_2025.html",
    )
    assert (new["coverage"], new["source_path"]) == (
        "covered",
        "payer_policies/aetna/cpb_0315_2026.html",
    )
    assert new["version_date"] == date(2026, 3, 5) == new["in_force_from"]
    assert new["policy_id"] == "0315"


def test_as_of_known_at_answers_with_what_was_known(two_runs):
    store, first, second = two_runs.store, two_runs.first, two_runs.second
    day = date(2025, 3, 15)  # v2 was in force on this day, but run 1 did not know v2 yet
    by_run = _cigna(audit.coverage_as_of(store, day, known_at=first.run_id))
    by_time = _cigna(audit.coverage_as_of(store, day, known_at="2025-02-15T00:00:00+00:00"))
    now = _cigna(audit.coverage_as_of(store, day, known_at=second.run_id))
    assert by_run["prior_auth"] == by_time["prior_auth"] == "not_required"
    assert now["prior_auth"] == "required"
    # Before any run had finished nothing was known.
    assert audit.coverage_as_of(store, day, known_at="2024-12-31").num_rows == 0


def test_known_at_errors(two_runs):
    with pytest.raises(audit.AuditError, match="unknown run id"):
        audit.store_at(two_runs.store, "20990101T000000Z-deadbeef")
    with pytest.raises(audit.BadInput):
        audit.store_at(two_runs.store, "last tuesday")


def test_store_at_pins_every_table_to_the_run(two_runs):
    pinned = audit.store_at(two_runs.store, two_runs.first.run_id)
    assert pinned.read("documents").num_rows == 1
    assert [r["run_id"] for r in pinned.read("runs").to_pylist()] == [two_runs.first.run_id]
    assert two_runs.store.read("documents").num_rows == 2


# --- changes -----------------------------------------------------------------------------


def test_changes_by_code_name_their_files(published):
    rows = audit.changes(published, code="64490").to_pylist()
    assert {r["series_key"] for r in rows} == {"code_report:64490"}
    [prior_auth] = [r for r in rows if r["entity_key"] == "cigna" and r["field"] == "prior_auth"]
    assert (prior_auth["old_value"], prior_auth["new_value"]) == ("not_required", "required")
    assert prior_auth["old_source_path"] == "code_reports/cpt_64490_facet_injection_v1.md"
    assert prior_auth["new_source_path"] == "code_reports/cpt_64490_facet_injection_v2.md"
    # The first version's row comes first (version order), with no old file.
    assert rows[0]["change_type"] == "added" and rows[0]["old_source_path"] is None


def test_changes_by_payer(published):
    rows = audit.changes(published, payer="cigna").to_pylist()
    assert rows
    for r in rows:
        assert r["series_key"].startswith("payer_policy:cigna:") or (
            r["entity"] == "code_payer" and r["entity_key"] == "cigna"
        )
    assert any(r["series_key"] == "code_report:64490" for r in rows)


def test_changes_by_payer_and_code_on_policies(published):
    _needs_policies(published)
    rows = audit.changes(published, payer="aetna", code="0581T").to_pylist()
    coverage = [r for r in rows if r["entity"] == "policy_code"]
    assert [(r["old_value"], r["new_value"]) for r in coverage] == [("not_covered", "covered")]
    assert coverage[0]["old_source_path"] == "payer_policies/aetna/cpb_0315_2025.html"
    assert coverage[0]["effective_date"] == date(2026, 3, 5)


def test_changes_since(two_runs):
    everything = audit.changes(two_runs.store).to_pylist()
    recent = audit.changes(two_runs.store, since=date(2025, 2, 1)).to_pylist()
    # The v1 "added" row was detected on 2025-01-10; the v1 -> v2 rows on 2025-03-01.
    assert {r["new_doc_id"] for r in recent} == {two_runs_v2(two_runs)}
    assert len(everything) == len(recent) + 1
    assert audit.changes(two_runs.store, since=date(2025, 3, 2)).num_rows == 0


# --- history -----------------------------------------------------------------------------


def test_history_lists_versions_and_file_events(two_runs):
    result = audit.history(two_runs.store, "code_report:64490")
    versions = result.versions.to_pylist()
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["source_path"] for v in versions] == [IN_PLACE, IN_PLACE]
    assert [v["run_id"] for v in versions] == [two_runs.first.run_id, two_runs.second.run_id]
    assert versions[0]["first_seen_at"] < versions[1]["first_seen_at"]
    events = result.file_events.to_pylist()
    assert [(e["event"], e["doc_id"], e["previous_doc_id"]) for e in events] == [
        ("added", versions[0]["doc_id"], None),
        ("changed", versions[1]["doc_id"], versions[0]["doc_id"]),
    ]


def test_history_of_unknown_series_suggests(published):
    with pytest.raises(audit.AuditError, match="code_report:64490"):
        audit.history(published, "64490")


# --- diff --------------------------------------------------------------------------------


def test_diff_of_64490_reports_by_prefix(published):
    v1 = _doc_id(published, "code_reports/cpt_64490_facet_injection_v1.md")
    v2 = _doc_id(published, "code_reports/cpt_64490_facet_injection_v2.md")
    result = audit.diff(published, v1[:8], v2[:10].upper())
    assert (result.old["doc_id"], result.new["doc_id"]) == (v1, v2)
    rows = {(r["entity"], r["entity_key"], r["field"]): r for r in result.changes.to_pylist()}
    assert rows["code_payer", "cigna", "prior_auth"]["new_value"] == "required"
    assert rows["code_modifier", "50", "*"]["change_type"] == "added"
    # The same diff as the change log recorded between these two versions.
    logged = {
        (r["entity"], r["entity_key"], r["field"])
        for r in audit.changes(published, code="64490").to_pylist()
        if r["old_doc_id"] == v1
    }
    assert logged == set(rows)
    # Reversed, an addition is a removal.
    back = audit.diff(published, v2, v1).changes.to_pylist()
    assert ("code_modifier", "50", "removed") in {
        (r["entity"], r["entity_key"], r["change_type"]) for r in back
    }


def test_diff_errors(published):
    v1 = _doc_id(published, "code_reports/cpt_64490_facet_injection_v1.md")
    with pytest.raises(audit.BadInput):
        audit.diff(published, v1[:7], v1)  # too short to be a trustworthy reference
    with pytest.raises(audit.BadInput):
        audit.diff(published, "not-hex!", v1)
    with pytest.raises(audit.AuditError, match="unknown doc id"):
        audit.diff(published, "00000000", v1)
    policies = [
        d for d in published.read("documents").to_pylist() if d["doc_kind"] != "code_report"
    ]
    if policies:
        with pytest.raises(audit.AuditError, match="cannot compare"):
            audit.diff(published, v1, policies[0]["doc_id"])


# --- query -------------------------------------------------------------------------------


def test_query_joins_two_tables(published):
    result = audit.query(
        published,
        """
        select d.source_path, count(*) as changes
        from change_log c join documents d on d.doc_id = c.new_doc_id
        where c.series_key = 'code_report:64490'
        group by all order by d.source_path
        """,
    ).to_pylist()
    assert result == [
        {"source_path": "code_reports/cpt_64490_facet_injection_v1.md", "changes": 1},
        {"source_path": "code_reports/cpt_64490_facet_injection_v2.md", "changes": 4},
    ]


def test_query_sees_every_dataset_and_utc(published):
    from schemas import DATASETS

    counts = ", ".join(f"(select count(*) from {name}) as {name}" for name in DATASETS)
    [row] = audit.query(published, f"select {counts}").to_pylist()
    assert set(row) == set(DATASETS) and row["documents"] > 0
    [row] = audit.query(published, "select max(first_seen_at) as t from documents").to_pylist()
    assert row["t"].utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",  # no file access
        "select * from 'https://example.com/x.parquet'",  # no network
        "INSTALL delta",  # no extension downloads
        "LOAD httpfs",
        "SET enable_external_access = true",  # the settings are locked
        "COPY documents TO 'stolen.csv'",
        "select nonsense",  # plain SQL errors too
    ],
)
def test_query_refuses(published, sql):
    with pytest.raises(audit.AuditError):
        audit.query(published, sql)


def test_query_at_a_past_run(two_runs):
    pinned = audit.store_at(two_runs.store, two_runs.first.run_id)
    [row] = audit.query(pinned, "select count(*) as n from documents").to_pylist()
    assert row["n"] == 1


# --- change report -----------------------------------------------------------------------


def test_report_written_for_changing_runs_only(two_runs):
    first, second = two_runs.first.run_id, two_runs.second.run_id
    assert two_runs.reports_after_second == {f"{first}.md", f"{second}.md"}
    # The rerun over unchanged sources changed nothing: no report, the folder as it was.
    reports = two_runs.output / "reports"
    assert {p.name for p in reports.iterdir()} == two_runs.reports_after_second
    assert change_report_markdown(two_runs.store, two_runs.rerun.run_id) is None
    assert write_change_report(two_runs.store, two_runs.rerun.run_id, "reports") is None
    text = (reports / f"{second}.md").read_text(encoding="utf-8")
    v1, v2 = two_runs_v1(two_runs), two_runs_v2(two_runs)
    assert "#### 64490" in text
    assert "prior_auth **modified**: `not_required` → `required`" in text
    assert f"old: `{IN_PLACE}` (doc `{v1[:12]}`)" in text
    assert f"new: `{IN_PLACE}` (doc `{v2[:12]}`)" in text
    assert "first version" not in text  # v1's "added" row belongs to the first run's report
    assert "first version" in (reports / f"{first}.md").read_text(encoding="utf-8")


def test_report_of_a_past_run_is_reproducible(two_runs):
    # Later runs do not change what an earlier run's report says.
    path = two_runs.output / "reports" / f"{two_runs.first.run_id}.md"
    assert change_report_markdown(two_runs.store, two_runs.first.run_id) == path.read_text(
        encoding="utf-8"
    )


def test_report_groups_by_payer_then_code(published):
    [run_id] = published.read("runs").column("run_id").to_pylist()
    text = (published.output / "reports" / f"{run_id}.md").read_text(encoding="utf-8")
    assert text == change_report_markdown(published, run_id)
    code_reports = text.index("### Code reports")
    assert text.index("#### 64490", code_reports) < text.index("#### 73721", code_reports)
    if "### Payer policies" in text:
        aetna, cigna = text.index("#### aetna"), text.index("#### cigna")
        assert aetna < text.index("**0581T**") < cigna < code_reports
        assert "`payer_policies/aetna/cpb_0315_2025.html`" in text


def test_report_lists_withdrawn_changes_after_a_backfill(tmp_path):
    sources, output = tmp_path / "sources", tmp_path / "output"
    copy_samples(sources, "payer_policies/aetna/cpb_0315_2026.html")
    settings = _settings(sources, output)
    run_pipeline(settings)
    store = TableStore(output)
    _needs_policies(store)
    # The older bulletin arrives late: it slots in before the 2026 one, so the 2026
    # version's "added" row is withdrawn and v2025 -> v2026 changes appear.
    copy_samples(sources, "payer_policies/aetna/cpb_0315_2025.html")
    late = run_pipeline(settings)
    text = change_report_markdown(store, late.run_id)
    assert text is not None
    new, withdrawn = text.split("## Withdrawn changes")
    assert "`not_covered` → `covered`" in new
    assert "cpb_0315_2026.html" in withdrawn and "first version" in withdrawn
    assert (output / "reports" / f"{late.run_id}.md").read_text(encoding="utf-8") == text


def test_report_lists_a_sample_of_first_versions_and_counts_the_rest(tmp_path, monkeypatch):
    # A first run over a big inbox: every series is new; the report must stay readable.
    import flows.audit.report as report
    from bench.synth import synthesize_corpus
    from flows.run import run_pipeline
    from flows.settings import Settings

    monkeypatch.setattr(report, "FIRST_VERSIONS_LISTED", 5)
    synthesize_corpus(tmp_path / "s", reports=20, policies=0, seed=3)
    summary = run_pipeline(Settings(sources=tmp_path / "s", output=tmp_path / "o", workers=1))
    text = report.change_report_markdown(TableStore(tmp_path / "o"), summary.run_id)
    assert text is not None
    assert text.count("none (first version)") == 5
    assert "more series were seen for the first time" in text
    # The sample is the first five first versions in report order, not any five.
    log = TableStore(tmp_path / "o").read("change_log").to_pylist()
    firsts = sorted(r["series_key"].split(":", 1)[1] for r in log if r["old_doc_id"] is None)
    sampled, heading = [], None
    for line in text.splitlines():
        if line.startswith("#### "):
            heading = line[5:]
        elif "none (first version)" in line:
            sampled.append(heading)
    assert sampled == firsts[:5]


def test_report_caps_the_changes_it_lists(tmp_path, monkeypatch):
    import flows.audit.report as report
    from bench.synth import synthesize_corpus
    from flows.run import run_pipeline
    from flows.settings import Settings

    monkeypatch.setattr(report, "FIRST_VERSIONS_LISTED", 0)
    monkeypatch.setattr(report, "CHANGES_LISTED", 2)
    synthesize_corpus(tmp_path / "s", reports=40, policies=0, seed=3)
    summary = run_pipeline(Settings(sources=tmp_path / "s", output=tmp_path / "o", workers=1))
    log = TableStore(tmp_path / "o").read("change_log").to_pylist()
    later = [r for r in log if r["old_doc_id"] is not None]
    assert len(later) > 2, "the corpus needs changes between versions"
    text = report.change_report_markdown(TableStore(tmp_path / "o"), summary.run_id)
    assert text is not None
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(items) == 2
    assert f"{len(later) - 2:,} more changes between versions are not listed" in text
