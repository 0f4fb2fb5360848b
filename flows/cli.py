"""The `policy-etl` command line: run the pipeline, and read what it published.

Exit codes: 0 the command completed (quarantined files are reported, not fatal), 1 the run
or query failed, 2 bad usage.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.settings import Settings

app = typer.Typer(
    name="policy-etl",
    help="Billing-code reports and payer policies to versioned, validated Delta tables.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()


@app.callback()
def main() -> None:
    """Billing-code reports and payer policies to versioned, validated Delta tables.

    Example: policy-etl run && policy-etl changes --payer aetna
    """
    # Prefect's anonymous usage analytics would try the network from the temporary server.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


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
    return Settings().model_copy(update=updates)


@app.command()
def run(
    sources: SourcesOption = None,
    output: OutputOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Processes for extraction (default: up to 4 cores).", min=1)
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Documents per extraction batch (one Prefect task).", min=1)
    ] = None,
    no_prefect: Annotated[
        bool, typer.Option("--no-prefect", help="Run the same stages without Prefect (no API).")
    ] = False,
) -> None:
    """Run the pipeline once over SOURCES into OUTPUT.

    Example: policy-etl run --sources sources/ --output output/
    """
    settings = _settings(sources, output, workers=workers, batch_size=batch_size)
    if not settings.sources.is_dir():
        console.print(f"[red]sources folder not found:[/] {settings.sources}")
        raise typer.Exit(2)
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

                summary = run_flow(settings, progress=advance)
        except Exception as exc:
            console.print(f"[red]run failed:[/] {type(exc).__name__}: {exc}")
            raise typer.Exit(1) from exc
    _print_summary(summary)


def _print_summary(summary: object) -> None:
    from flows.run import RunSummary

    assert isinstance(summary, RunSummary)
    files = Table(title=f"run {summary.run_id} ({summary.seconds:.1f} s)")
    for col in ("files seen", "new", "unchanged", "quarantined", "removed", "changes"):
        files.add_column(col, justify="right")
    files.add_row(
        *map(
            str,
            (
                summary.files_seen,
                summary.files_new,
                summary.files_unchanged,
                summary.files_quarantined,
                summary.files_removed,
                summary.change_count,
            ),
        )
    )
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
