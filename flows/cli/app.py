"""The typer app of `policy-etl`, its root callback, and what every command shares: the
--sources and --output options and the settings they override."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from flows.settings import Settings

app = typer.Typer(
    name="policy-etl",
    help="Billing-code reports and payer policies to versioned, validated Delta tables.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def root() -> None:
    """Billing-code reports and payer policies to versioned, validated Delta tables.

    Example: policy-etl run && policy-etl changes --payer aetna
    """
    # Prefect's anonymous usage analytics would try the network from the temporary server.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.runtime.memory import use_system_allocator

    use_system_allocator()


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
