"""The `policy-etl` command line: run the pipeline, and read what it published.

Exit codes: 0 the command completed (quarantined files are reported, not fatal), 1 the run
or query failed, 2 bad usage.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

if TYPE_CHECKING:
    import pyarrow

    from flows.publish import TableStore
    from flows.settings import Settings

# Heavy modules (pyarrow, deltalake, pandera, pydantic-settings) are imported inside the
# commands: worker processes re-import the console script's module (multiprocessing does
# that for a `__main__` file), and `policy-etl --help` should not wait for them either.

app = typer.Typer(
    name="policy-etl",
    help="Billing-code reports and payer policies to versioned, validated Delta tables.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()


@app.callback()
def root() -> None:
    """Billing-code reports and payer policies to versioned, validated Delta tables.

    Example: policy-etl run && policy-etl changes --payer aetna
    """
    # Prefect's anonymous usage analytics would try the network from the temporary server.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if sys.platform == "linux":
        # Arrow's memory from the C heap (before pyarrow loads: it reads this once), where
        # flows.publish.release_memory trims it, instead of the mimalloc pool pyarrow
        # bundles, which keeps what each Delta read and change-log join freed: the run's
        # process peaked ~100 MiB lower at 60,000 files (README.md).
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", "-s", help="Inbox folder to read (default: sources/).", show_default=False
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Folder of the Delta tables (default: output/).", show_default=False
    ),
]


def _settings(sources: Path | None = None, output: Path | None = None, **extra: object) -> Settings:
    updates: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    if sources is not None:
        updates["sources"] = sources
    if output is not None:
        updates["output"] = output
    from flows.settings import Settings

    return Settings().model_copy(update=updates)


@app.command()
def run(
    sources: SourcesOption = None,
    output: OutputOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Processes for extraction (default: up to 4 cores).", min=1)
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Documents per extraction batch (one Prefect task; default 2000).", min=1
        ),
    ] = None,
    no_prefect: Annotated[
        bool, typer.Option("--no-prefect", help="Run the same stages without Prefect (no API).")
    ] = False,
    rehash: Annotated[
        bool,
        typer.Option(
            "--rehash",
            help="Read and hash every file, keeping no hash from the last run "
            "(POLICY_ETL_TRUST_STAMPS=false).",
        ),
    ] = False,
) -> None:
    """Run the pipeline once over SOURCES into OUTPUT.

    Example: policy-etl run --sources sources/ --output output/
    """
    settings = _settings(
        sources,
        output,
        workers=workers,
        batch_size=batch_size,
        trust_stamps=False if rehash else None,
    )
    if not settings.sources.is_dir():
        console.print(f"[red]sources folder not found:[/] {settings.sources}")
        raise typer.Exit(2)
    from flows.api_server import ApiServer, api_url_configured
    from flows.workers import start_workers, stop_started
    from flows.writer_lock import OutputBusyError, check_writer_free

    try:  # before any start-up work: a busy folder fails in a moment, without a traceback
        check_writer_free(settings.output)
    except OutputBusyError as exc:
        console.print(f"[red]run failed:[/] {exc}")
        raise typer.Exit(1) from exc

    # Prefect's API server and the worker processes start first, on the other core, while
    # this one imports the pipeline; the run takes the workers when it has files to extract.
    server = None if no_prefect or api_url_configured() else ApiServer().start()
    start_workers(settings.workers)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        bar = progress.add_task("extract", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        try:
            if no_prefect:
                from flows.run import run_pipeline

                summary = run_pipeline(settings, progress=advance)
            else:
                from flows.pipeline import run_flow

                if server is not None:
                    # What the first validation loads, loaded while the server starts.
                    from flows.validate import load_checks
                    from schemas import DATASETS

                    load_checks(DATASETS.values())
                summary = run_flow(settings, progress=advance, server=server)
        except Exception as exc:
            console.print(f"[red]run failed:[/] {type(exc).__name__}: {exc}")
            raise typer.Exit(1) from exc
        finally:
            stop_started()
            if server is not None:
                server.stop()
    _print_summary(summary)


def _print_summary(summary: object) -> None:
    from rich.table import Table

    from flows.run import RunSummary

    assert isinstance(summary, RunSummary)
    files = Table(title=f"run {summary.run_id} ({summary.seconds:.1f} s)")
    columns = {
        "files seen": summary.files_seen,
        "new": summary.files_new,
        "unchanged": summary.files_unchanged,
        "rejected": summary.files_quarantined,
        "removed": summary.files_removed,
        "new problems": summary.table_rows.get("quarantine", 0),
        "changes": summary.change_count,
    }
    for col in columns:
        files.add_column(col, justify="right")
    files.add_row(*map(str, columns.values()))
    out.print(files)
    tables = Table(title="tables")
    tables.add_column("table")
    tables.add_column("rows this run", justify="right")
    tables.add_column("version", justify="right")
    tables.add_column("written", justify="center")
    for name, version in sorted(summary.table_versions.items()):
        tables.add_row(
            name,
            str(summary.table_rows.get(name, "")),
            "-" if version is None else str(version),
            "yes" if name in summary.tables_written or name == "runs" else "",
        )
    out.print(tables)


# --- audit: read what the runs published -------------------------------------------------


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="table (for people), csv or json (for programs).",
        case_sensitive=False,
    ),
]
PayerOption = Annotated[
    str | None,
    typer.Option(
        "--payer", "-p", help="Payer id from the registry, e.g. aetna.", show_default=False
    ),
]
CodeOption = Annotated[
    str | None,
    typer.Option(
        "--code", "-c", help="Billing code (CPT/HCPCS/ICD-10), e.g. 64490.", show_default=False
    ),
]
KnownAtOption = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="Answer with what was known then: a run id, or an ISO timestamp (latest run "
        "finished by then).",
        show_default=False,
    ),
]


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _open_store(output: Path | None) -> TableStore:
    """The published tables under OUTPUT, or exit 1 with a message saying what is missing."""
    folder = _settings(output=output).output
    if not folder.is_dir():
        console.print(
            f"[red]output folder not found:[/] {escape(str(folder))} "
            "(run `policy-etl run` first, or pass --output)"
        )
        raise typer.Exit(1)
    from flows.publish import TableStore

    store = TableStore(folder)
    if store.table("documents") is None:
        console.print(f"[red]no published tables in[/] {escape(str(folder))}")
        raise typer.Exit(1)
    return store


@contextmanager
def _audit_errors() -> Iterator[None]:
    """Map audit failures to exit codes: 2 malformed input, 1 anything the tables can't answer."""
    from flows.audit import AuditError, BadInput

    try:
        yield
    except BadInput as exc:
        console.print(f"[red]bad usage:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except AuditError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except Exception as exc:
        console.print(f"[red]failed:[/] {type(exc).__name__}: {escape(str(exc))}")
        raise typer.Exit(1) from exc


def _json_default(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _cell(value: object, *, short: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds" if short else "microseconds")
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    return str(value)


def _rows(table: pyarrow.Table) -> list[dict[str, object]]:
    return table.to_pylist()


def _print_csv(table: pyarrow.Table) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in _rows(table):
        writer.writerow([_cell(row[c]) for c in table.column_names])
    typer.echo(buffer.getvalue(), nl=False)


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, default=_json_default, ensure_ascii=False, indent=2))


#: doc ids shown in full are 64 characters; 12 identify a document in a table for people.
_SHORT_ID = 12
#: Longer values are cut in the table view (csv and json carry them whole).
_MAX_CELL = 60


def _print_table(table: pyarrow.Table, title: str, columns: list[str] | None = None) -> None:
    columns = [c for c in (columns or table.column_names) if c in table.column_names]
    from rich.table import Table

    view = Table(title=title, highlight=False, caption=f"{table.num_rows} row(s)")
    for column in columns:
        view.add_column(column, overflow="fold")
    for row in _rows(table):
        cells = []
        for column in columns:
            text = _cell(row[column], short=True)
            if column.endswith("doc_id") and len(text) == 64:
                text = text[:_SHORT_ID]
            elif len(text) > _MAX_CELL:
                text = text[: _MAX_CELL - 1] + "…"
            cells.append(Text(text))
        view.add_row(*cells)
    out.print(view)


def _emit(
    table: pyarrow.Table, fmt: OutputFormat, title: str, columns: list[str] | None = None
) -> None:
    if fmt is OutputFormat.json:
        _print_json(_rows(table))
    elif fmt is OutputFormat.csv:
        _print_csv(table)
    else:
        _print_table(table, title, columns)


@app.command()
def changes(
    payer: PayerOption = None,
    code: CodeOption = None,
    since: Annotated[
        date | None,
        typer.Option(
            parser=_parse_date,
            metavar="DATE",
            help="Only changes effective or detected on or after this ISO date.",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List changes between consecutive document versions, with the files they come from.

    Example: policy-etl changes --payer aetna --code 0581T --since 2026-01-01
    """
    from flows import audit

    store = _open_store(output)
    with _audit_errors():
        result = audit.changes(store, payer=payer, code=code, since=since)
    _emit(
        result,
        fmt,
        "changes",
        [
            "series_key",
            "entity",
            "entity_key",
            "field",
            "change_type",
            "old_value",
            "new_value",
            "effective_date",
            "old_source_path",
            "new_source_path",
        ],
    )


@app.command()
def history(
    series_key: Annotated[
        str,
        typer.Argument(
            help="Series to show, e.g. payer_policy:aetna:0315 or code_report:64490.",
            show_default=False,
        ),
    ],
    output: OutputOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show every version of a series in order, and what happened to its files.

    csv prints the versions, a blank line, then the file events; json prints
    {"series_key", "versions", "file_events"}.

    Example: policy-etl history payer_policy:aetna:0315 --format json
    """
    from flows import audit

    store = _open_store(output)
    with _audit_errors():
        result = audit.history(store, series_key)
    if fmt is OutputFormat.json:
        _print_json(
            {
                "series_key": result.series_key,
                "versions": _rows(result.versions),
                "file_events": _rows(result.file_events),
            }
        )
    elif fmt is OutputFormat.csv:
        _print_csv(result.versions)
        typer.echo("")
        _print_csv(result.file_events)
    else:
        _print_table(
            result.versions,
            f"versions of {series_key}",
            [
                "version",
                "doc_id",
                "source_path",
                "version_date",
                "effective_date",
                "first_seen_at",
                "status",
            ],
        )
        _print_table(
            result.file_events,
            "file events",
            ["detected_at", "event", "source_path", "doc_id", "previous_doc_id", "run_id"],
        )


@app.command("as-of")
def as_of(
    date_of_service: Annotated[
        date,
        typer.Argument(
            parser=_parse_date,
            help="Date of service (ISO, YYYY-MM-DD): the versions in force on that day.",
            show_default=False,
        ),
    ],
    payer: PayerOption = None,
    code: CodeOption = None,
    known_at: KnownAtOption = None,
    output: OutputOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show what payer policies and code reports said for a date of service.

    For each series, the latest version in force on DATE_OF_SERVICE (its version date,
    else the day we first saw it); with --known-at, as the tables stood after that run.

    Example: policy-etl as-of 2026-03-01 --payer aetna --code 0581T
    """
    from flows import audit

    store = _open_store(output)
    with _audit_errors():
        result = audit.coverage_as_of(
            store, date_of_service, payer=payer, code=code, known_at=known_at
        )
    _emit(
        result,
        fmt,
        f"coverage in force on {date_of_service.isoformat()}",
        [
            "payer_id",
            "code",
            "coverage",
            "prior_auth",
            "coverage_text",
            "series_key",
            "in_force_from",
            "doc_id",
            "source_path",
        ],
    )


@app.command()
def diff(
    old_doc_id: Annotated[
        str, typer.Argument(help="Older document: doc_id or a unique prefix (8+ hex characters).")
    ],
    new_doc_id: Annotated[
        str, typer.Argument(help="Newer document: doc_id or a unique prefix (8+ hex characters).")
    ],
    output: OutputOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Compare two documents of the same kind, as the change log would.

    Example: policy-etl diff 226ab11c 2726542b
    """
    import pyarrow

    from flows import audit

    store = _open_store(output)
    with _audit_errors():
        result = audit.diff(store, old_doc_id, new_doc_id)
    changes = result.changes.append_column(
        "old_doc_id", pyarrow.array([result.old["doc_id"]] * result.changes.num_rows)
    ).append_column("new_doc_id", pyarrow.array([result.new["doc_id"]] * result.changes.num_rows))
    _emit(
        changes,
        fmt,
        f"{result.old['source_path']} → {result.new['source_path']}",
        ["entity", "entity_key", "field", "change_type", "old_value", "new_value"],
    )


@app.command()
def query(
    sql: Annotated[
        str,
        typer.Argument(help="SQL over the datasets, each a table of its name.", show_default=False),
    ],
    known_at: KnownAtOption = None,
    output: OutputOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run SQL (DuckDB, in process, no file or network access) over the published tables.

    Example: policy-etl query "select payer_id, coverage, count(*) from policy_codes group by all"
    """
    from flows import audit

    store = _open_store(output)
    with _audit_errors():
        result = audit.query(audit.store_at(store, known_at), sql)
    _emit(result, fmt, "query")


@app.command()
def synth(
    folder: Annotated[
        Path, typer.Argument(help="Folder to write the corpus into.", show_default=False)
    ],
    reports: Annotated[int, typer.Option(help="Code reports to write.", min=0)] = 1000,
    policies: Annotated[int, typer.Option(help="Payer policy files to write.", min=0)] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 1,
    formats: Annotated[
        str, typer.Option(help="Comma-separated formats among txt, md, html.")
    ] = "txt,md",
    mutate: Annotated[
        float,
        typer.Option(
            help="Instead of writing, change this fraction of an existing corpus's files.",
            min=0.0,
            max=1.0,
        ),
    ] = 0.0,
) -> None:
    """Write a synthetic, deterministic corpus of code reports and policies (for benchmarks
    and demos), or change a fraction of an existing one with --mutate.

    Example: policy-etl synth /tmp/corpus --reports 5100 --policies 900 --seed 7
    """
    from flows.synth import mutate_corpus, synthesize_corpus

    if mutate:
        result = mutate_corpus(folder, mutate, seed)
        out.print(f"changed {result['changed']} files under {folder}")
        return
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    if not wanted or set(wanted) - {"txt", "md", "html"}:
        console.print(f"[red]unknown format in:[/] {formats}")
        raise typer.Exit(2)
    result = synthesize_corpus(
        folder, reports=reports, policies=policies, seed=seed, formats=wanted
    )
    out.print(f"wrote {result['files']} files ({result['bytes']:,} bytes) under {folder}")


def main() -> None:
    """Console entry point: run the app, then exit without interpreter teardown.

    deltalake 1.6 can abort the process while Python tears down its runtime threads
    ("terminate called without an active exception", exit 134) after a command has
    already succeeded. Exit handlers (which stop Prefect's temporary server) still run.
    """
    import atexit
    import threading
    import traceback

    code = 0
    try:
        app(prog_name="policy-etl")
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:  # an unexpected error: report it, exit 1, still skip the teardown
        traceback.print_exc()
        code = 1
    # What interpreter shutdown does, in its order: join threads and run their exit hooks
    # (Prefect flushes logs there), then atexit handlers (Prefect stops its server).
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
