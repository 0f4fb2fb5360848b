"""The `policy-etl` command line: run the pipeline, and read what it published.

Exit codes: 0 the command completed (quarantined files are reported, not fatal), 1 the run
or query failed, 2 bad usage.

Modules: `app` (the typer app, its root callback, the shared options), `run` (the run
command), `audit` (changes, history, as-of, diff, query) and `output` (how results print).
"""

from __future__ import annotations

import os
import sys

# Heavy modules (pyarrow, deltalake, pandera, pydantic-settings) are imported inside the
# commands: worker processes re-import the console script's module (multiprocessing does
# that for a `__main__` file), and `policy-etl --help` should not wait for them either.
from flows.cli import audit, run
from flows.cli.app import app

# The commands, in the order --help lists them.
app.command()(run.run)
app.command()(audit.changes)
app.command()(audit.history)
app.command("as-of")(audit.as_of)
app.command()(audit.diff)
app.command()(audit.query)

__all__ = ["app", "main"]


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
