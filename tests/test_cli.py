"""The audit commands of `policy-etl` (changes, history, as-of, diff, query) through
typer's CliRunner over real published tables, and the help-text rule for every command."""

from __future__ import annotations

import csv
import io
import json
import os
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from flows.cli import app
from flows.publish import TableStore
from tests.test_audit import IN_PLACE, TwoRuns, build_published, build_two_runs

runner = CliRunner()


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_published(tmp_path_factory.mktemp("published")))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    return build_two_runs(tmp_path_factory.mktemp("two_runs"))


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def as_json(*args: str):
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _doc_id(output: str, source_path: str) -> str:
    docs = TableStore(output).read("documents").to_pylist()
    [doc] = [d for d in docs if d["source_path"] == source_path]
    return doc["doc_id"]


# --- the help rule -----------------------------------------------------------------------


def test_every_command_documents_every_option_and_has_an_example():
    # typer builds its own click-style command tree (typer >= 0.2x vendors click).
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert {"run", "changes", "history", "as-of", "diff", "query"} <= set(commands)
    assert len(commands) == len(app.registered_commands)
    for name, command in commands.items():
        assert "Example:" in (command.help or ""), f"{name}: docstring lacks an Example: line"
        for param in command.params:
            if param.name == "help":
                continue
            assert getattr(param, "help", None), f"{name} {param.name}: no help text"


@pytest.mark.parametrize("name", ["changes", "history", "as-of", "diff", "query"])
def test_help_runs(name):
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


# --- changes -----------------------------------------------------------------------------


def test_changes_json(output):
    rows = as_json("changes", "--output", output, "--code", "64490")
    assert {r["series_key"] for r in rows} == {"code_report:64490"}
    [prior_auth] = [r for r in rows if r["field"] == "prior_auth"]
    assert prior_auth["old_source_path"] == "code_reports/cpt_64490_facet_injection_v1.md"
    assert prior_auth["new_source_path"] == "code_reports/cpt_64490_facet_injection_v2.md"
    assert len(prior_auth["new_doc_id"]) == 64
    assert prior_auth["detected_at"].endswith("+00:00")


def test_changes_table_and_csv(output):
    table = invoke("changes", "-o", output, "--payer", "cigna")
    assert table.exit_code == 0, table.output
    assert "row(s)" in table.stdout
    text = invoke("changes", "-o", output, "--payer", "cigna", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(
        r["series_key"].startswith("payer_policy:cigna:") or r["entity_key"] == "cigna"
        for r in rows
    )


def test_changes_since_and_empty_result(runs):
    out = str(runs.output)
    recent = as_json("changes", "-o", out, "--since", "2025-02-01")
    assert recent and all(r["detected_at"] >= "2025-03-01" for r in recent)
    # An empty answer is still a good answer.
    assert as_json("changes", "-o", out, "--since", "2030-01-01") == []
    assert as_json("changes", "-o", out, "--payer", "nobody") == []


def test_changes_bad_date_is_usage_error(output):
    result = invoke("changes", "-o", output, "--since", "01/02/2026")
    assert result.exit_code == 2
    assert "ISO date" in result.output


# --- history -----------------------------------------------------------------------------


def test_history_json(runs):
    result = as_json("history", "code_report:64490", "-o", str(runs.output))
    assert result["series_key"] == "code_report:64490"
    assert [v["version"] for v in result["versions"]] == [1, 2]
    assert [e["event"] for e in result["file_events"]] == ["added", "changed"]
    assert {e["source_path"] for e in result["file_events"]} == {IN_PLACE}


def test_history_table_and_csv(runs):
    table = invoke("history", "code_report:64490", "-o", str(runs.output))
    assert table.exit_code == 0 and "file events" in table.stdout
    text = invoke("history", "code_report:64490", "-o", str(runs.output), "-f", "csv").stdout
    versions, events = text.split("\n\n")
    assert len(list(csv.DictReader(io.StringIO(versions)))) == 2
    assert len(list(csv.DictReader(io.StringIO(events)))) == 2


def test_history_unknown_series_fails(runs):
    result = invoke("history", "64490", "-o", str(runs.output))
    assert result.exit_code == 1
    assert "unknown series" in result.stderr and "code_report:64490" in result.stderr


# --- as-of -------------------------------------------------------------------------------


def _cigna_prior_auth(rows: list[dict]) -> str:
    [row] = [r for r in rows if r["payer_id"] == "cigna"]
    return row["prior_auth"]


def test_as_of_before_and_after_the_revision(runs):
    out = str(runs.output)
    before = as_json("as-of", "2025-02-28", "-o", out, "--code", "64490")
    after = as_json("as-of", "2025-03-01", "-o", out, "--code", "64490", "--payer", "CIGNA")
    assert _cigna_prior_auth(before) == "not_required"
    assert _cigna_prior_auth(after) == "required"
    assert [r["payer_id"] for r in after] == ["cigna"]


def test_as_of_known_at(runs):
    out = str(runs.output)
    later = as_json("as-of", "2025-03-15", "-o", out, "--known-at", runs.first.run_id)
    assert _cigna_prior_auth(later) == "not_required"
    stamp = as_json("as-of", "2025-03-15", "-o", out, "--known-at", "2025-03-02T00:00:00Z")
    assert _cigna_prior_auth(stamp) == "required"
    assert as_json("as-of", "2025-03-15", "-o", out, "--known-at", "2024-01-01") == []


def test_as_of_policy_versions(output):
    rows = as_json("as-of", "2026-03-04", "-o", output, "--payer", "aetna", "--code", "0581T")
    policies = [r for r in rows if r["doc_kind"] == "payer_policy"]
    if not policies:
        pytest.skip("payer-policy extraction does not publish Aetna CPB 0315 yet")
    assert [r["coverage"] for r in policies] == ["not_covered"]
    rows = as_json("as-of", "2026-03-05", "-o", output, "--payer", "aetna", "--code", "0581T")
    assert [r["coverage"] for r in rows if r["doc_kind"] == "payer_policy"] == ["covered"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["as-of", "2025-02-30"], 2),  # not a date
        (["as-of", "2025-03-01", "--known-at", "yesterday"], 2),  # not a run id or timestamp
        (["as-of", "2025-03-01", "--known-at", "20990101T000000Z-deadbeef"], 1),  # no such run
        (["as-of", "2025-03-01", "--format", "xml"], 2),  # unknown format
    ],
)
def test_as_of_errors(runs, args, code):
    result = invoke(*args, "-o", str(runs.output))
    assert result.exit_code == code, result.output


def test_as_of_table(runs):
    result = invoke("as-of", "2025-03-01", "-o", str(runs.output))
    assert result.exit_code == 0
    assert "coverage in force on 2025-03-01" in result.stdout


# --- diff --------------------------------------------------------------------------------


def test_diff_json_by_prefix(output):
    v1 = _doc_id(output, "code_reports/cpt_64490_facet_injection_v1.md")
    v2 = _doc_id(output, "code_reports/cpt_64490_facet_injection_v2.md")
    rows = as_json("diff", v1[:8], v2[:8], "-o", output)
    changed = {(r["entity"], r["entity_key"], r["field"]) for r in rows}
    assert ("code_payer", "cigna", "prior_auth") in changed
    assert {r["old_doc_id"] for r in rows} == {v1} and {r["new_doc_id"] for r in rows} == {v2}
    table = invoke("diff", v1[:8], v2[:8], "-o", output)
    assert table.exit_code == 0 and "facet_injection_v2.md" in table.stdout


def test_diff_errors(output):
    v1 = _doc_id(output, "code_reports/cpt_64490_facet_injection_v1.md")
    unknown = invoke("diff", v1[:8], "00000000", "-o", output)
    assert unknown.exit_code == 1 and "unknown doc id" in unknown.stderr
    short = invoke("diff", v1[:6], v1, "-o", output)
    assert short.exit_code == 2


# --- query -------------------------------------------------------------------------------


def test_query_join_json(output):
    rows = as_json(
        "query",
        "select d.payer_id, count(*) as n from change_log c "
        "join documents d on d.doc_id = c.new_doc_id "
        "where d.doc_kind = 'code_report' group by all",
        "-o",
        output,
    )
    assert rows == [{"payer_id": None, "n": rows[0]["n"]}] and rows[0]["n"] > 0


def test_query_csv_and_table(output):
    text = invoke("query", "select 1 as a, 'x,y' as b", "-o", output, "-f", "csv").stdout
    assert text == 'a,b\n1,"x,y"\n'
    table = invoke("query", "select '[bold]' as markup", "-o", output)
    assert table.exit_code == 0 and "[bold]" in table.stdout  # values are not rich markup


def test_query_known_at(runs):
    sql = "select count(*) as n from documents"
    assert as_json("query", sql, "-o", str(runs.output)) == [{"n": 2}]
    first = as_json("query", sql, "-o", str(runs.output), "--known-at", runs.first.run_id)
    assert first == [{"n": 1}]


def test_query_errors_exit_1(output):
    result = invoke("query", "select * from no_such_table", "-o", output)
    assert result.exit_code == 1
    assert "no_such_table" in result.stderr
    files = invoke("query", "select * from read_text('/etc/hostname')", "-o", output)
    assert files.exit_code == 1


# --- output folder -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["changes"],
        ["history", "code_report:64490"],
        ["as-of", "2026-01-01"],
        ["diff", "00000000", "11111111"],
        ["query", "select 1"],
    ],
)
def test_missing_output_folder(tmp_path, args):
    result = invoke(*args, "--output", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "output folder not found" in result.stderr


def test_folder_without_tables(tmp_path):
    result = invoke("changes", "--output", str(tmp_path))
    assert result.exit_code == 1
    assert "no published tables" in result.stderr


def test_output_defaults_to_settings(runs):
    result = invoke(
        "query", "select count(*) as n from runs", "-f", "json",
        env={"POLICY_ETL_OUTPUT": str(runs.output)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"n": 3}]


def test_console_entry_point_keeps_exit_codes(tmp_path):
    # The console script exits through flows.cli.main (os._exit after exit handlers):
    # its exit codes must still mean 0 ok, 2 bad usage, 1 failure.
    import subprocess
    import sys

    def run(*args: str) -> int:
        code = "from flows.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, timeout=120
        ).returncode

    assert run("--help") == 0
    assert run("as-of", "not-a-date", "--output", str(tmp_path)) == 2
    assert run("query", "select 1", "--output", str(tmp_path / "missing")) == 1


def test_run_refuses_an_output_folder_another_run_is_writing(tmp_path):
    from flows.runtime.writer_lock import exclusive_writer
    from tests.conftest import SOURCES

    output = tmp_path / "output"
    with exclusive_writer(output):
        result = invoke("run", "--sources", str(SOURCES), "--output", str(output), "--no-prefect")
    assert result.exit_code == 1
    assert "another run is writing to" in result.output


def test_run_refuses_a_folder_another_process_is_writing_before_starting_anything(tmp_path):
    import subprocess
    import sys
    import time

    from tests.conftest import SOURCES

    output = tmp_path / "output"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from flows.runtime.writer_lock import exclusive_writer\n"
            "with exclusive_writer(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(output),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = invoke("run", "--sources", str(SOURCES), "--output", str(output))
        assert result.exit_code == 1
        assert f"pid {holder.pid}" in result.output  # names the run that holds it
        assert time.monotonic() - started < 5  # no Prefect server, no workers were started
        assert "Traceback" not in result.output
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(sys.platform != "linux", reason="the CLI chooses Arrow's allocator on Linux")
def test_cli_gives_arrow_the_c_heap_before_pyarrow_loads(tmp_path):
    # release_memory can trim the C heap, not the mimalloc pool pyarrow bundles: every
    # command (workers and Prefect's server inherit it) must load pyarrow with the former.
    import subprocess

    code = (
        "import sys; from flows.cli import app; from typer.testing import CliRunner\n"
        "CliRunner().invoke(app, ['changes', '--output', sys.argv[1]])\n"
        "import pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=env, check=True,
    )  # fmt: skip
    assert done.stdout.split()[-1] == "system"
