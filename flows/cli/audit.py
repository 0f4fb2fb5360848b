"""The audit commands: read what the runs published (changes, history, as-of, diff, query).

Each opens the tables under --output, asks flows.audit, and prints the answer as a table
(for people), csv or json (for programs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from flows.cli.app import OutputOption, _settings
from flows.cli.output import (
    OutputFormat,
    _emit,
    _print_csv,
    _print_json,
    _print_table,
    _rows,
    console,
)

if TYPE_CHECKING:
    from flows.publish import TableStore

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
    from schemas.datasets import DOCUMENTS

    store = TableStore(folder)
    if store.table(DOCUMENTS.name) is None:
        console.print(f"[red]no published tables in[/] {escape(str(folder))}")
        raise typer.Exit(1)
    return store


@contextmanager
def _audit_errors() -> Iterator[None]:
    """Map audit failures to exit codes: 2 malformed input, 1 anything the tables can't answer."""
    from flows.audit.views import AuditError, BadInput

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
    from flows.audit import views as audit

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
    from flows.audit import views as audit

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
    from flows.audit import views as audit

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

    from flows.audit import views as audit

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
    from flows.audit import views as audit

    store = _open_store(output)
    with _audit_errors():
        result = audit.query(audit.store_at(store, known_at), sql)
    _emit(result, fmt, "query")
