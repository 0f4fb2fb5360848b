"""How the commands print: the run summary, and a table of results for people (rich) or
for programs (csv, json)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    import pyarrow

#: Messages and errors (stderr); results go to `out` (stdout).
console = Console(stderr=True)
out = Console()


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _print_summary(summary: object) -> None:
    from rich.table import Table

    from flows.run import RunSummary
    from schemas.datasets import QUARANTINE, RUNS

    assert isinstance(summary, RunSummary)
    files = Table(title=f"run {summary.run_id} ({summary.seconds:.1f} s)")
    columns = {
        "files seen": summary.files_seen,
        "new": summary.files_new,
        "unchanged": summary.files_unchanged,
        "rejected": summary.files_quarantined,
        "removed": summary.files_removed,
        "new problems": summary.table_rows.get(QUARANTINE.name, 0),
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
            "yes" if name in summary.tables_written or name == RUNS.name else "",
        )
    out.print(tables)


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
