"""`policy-etl run`: the pipeline once over the inbox, with a progress bar and a summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli.app import OutputOption, SourcesOption, _settings
from flows.cli.output import _print_summary, console

if TYPE_CHECKING:
    from flows.runtime.api_server import ApiServer
    from flows.settings import Settings


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
    _check_can_run(settings)
    _print_summary(_run_with_progress(settings, no_prefect))


def _check_can_run(settings: Settings) -> None:
    """Exit 2 without a sources folder, 1 when another run is writing to the output."""
    if not settings.sources.is_dir():
        console.print(f"[red]sources folder not found:[/] {settings.sources}")
        raise typer.Exit(2)
    from flows.runtime.writer_lock import OutputBusyError, check_writer_free

    try:  # before any start-up work: a busy folder fails in a moment, without a traceback
        check_writer_free(settings.output)
    except OutputBusyError as exc:
        console.print(f"[red]run failed:[/] {exc}")
        raise typer.Exit(1) from exc


def _run_with_progress(settings: Settings, no_prefect: bool) -> object:
    """Start Prefect's API server and the workers, then run under an extraction progress bar
    (on a terminal); exit 1 if the run fails. Returns the run's summary."""
    from flows.runtime.api_server import ApiServer, api_url_configured
    from flows.runtime.workers import start_workers, stop_started

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
            return _run_once(settings, no_prefect, server, advance)
        except Exception as exc:
            console.print(f"[red]run failed:[/] {type(exc).__name__}: {exc}")
            raise typer.Exit(1) from exc
        finally:
            stop_started()
            if server is not None:
                server.stop()


def _run_once(
    settings: Settings,
    no_prefect: bool,
    server: ApiServer | None,
    advance: Callable[[int, int], None],
) -> object:
    """The stages as plain function calls (--no-prefect), or as the Prefect flow."""
    if no_prefect:
        from flows.run import run_pipeline

        return run_pipeline(settings, progress=advance)
    from flows.pipeline import run_flow

    if server is not None:
        # What the first validation loads, loaded while the server starts.
        from flows.validate import load_checks
        from schemas import DATASETS

        load_checks(DATASETS.values())
    return run_flow(settings, progress=advance, server=server)
