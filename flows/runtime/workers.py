"""The extraction worker processes: a process pool served by a fork server with the
extractors preloaded, and a way to start it ahead of a run.

Light to import (no pandas, pyarrow or Prefect) so the CLI can start the workers first,
while Prefect's temporary API server and the pipeline's own imports are still loading on
the other core.
"""

from __future__ import annotations

import multiprocessing
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor

#: Modules the fork server imports once, so every worker starts with them loaded.
PRELOAD = ["flows.extract"]

_lock = threading.Lock()
_starting: dict[int, tuple[threading.Thread, list[ProcessPoolExecutor]]] = {}
#: Pools from new_pool not yet stopped by stop_pool: they need the fork server.
_live: set[ProcessPoolExecutor] = set()


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes from a fork server (not a fork of this multi-threaded
    process) with the extractors preloaded."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    with _lock:
        _live.add(pool)
    return pool


def _warm_up() -> None:
    """First task of every worker: load the reference data the extractors use, and set up
    pyarrow's conversion of records to tables."""
    from flows.extract import load_arrow_conversion
    from schemas.reference import payer_registry, valid_modifiers

    payer_registry()
    valid_modifiers()
    load_arrow_conversion()


def start_workers(workers: int) -> None:
    """Start a pool of `workers` processes in the background for the next run in this
    process to take (`take_started`). Starting one costs ~0.5-1 s (fork server, imports);
    done first, it overlaps the rest of the start-up instead of adding to the run."""
    if workers < 2:
        return
    with _lock:
        if workers in _starting:
            return
        started: list[ProcessPoolExecutor] = []

        def start() -> None:
            pool = new_pool(workers)
            try:
                # Each submit starts one process while none is idle: one task per worker.
                for future in [pool.submit(_warm_up) for _ in range(workers)]:
                    future.result()
            except Exception:
                # A pool that cannot start is not handed out: the run makes its own, which
                # reports the error if there is one to report.
                stop_pool(pool)
                return
            started.append(pool)

        thread = threading.Thread(target=start, name="start-workers", daemon=True)
        thread.start()
        _starting[workers] = (thread, started)


def take_started(workers: int) -> ProcessPoolExecutor | None:
    """The pool `start_workers(workers)` started, now owned by the caller; None if there is
    none (or it failed to start: the caller makes its own)."""
    with _lock:
        entry = _starting.pop(workers, None)
    if entry is None:
        return None
    thread, started = entry
    thread.join()
    return started[0] if started else None


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Shut `pool` down, and the fork server with it when no other pool may need it: the
    fork server keeps the extractors loaded (~65 MiB) through the rest of the run, which
    has no more use for them. The next pool starts a new one. (A pool shut down any other
    way keeps the fork server, as if it were still live.)"""
    pool.shutdown(cancel_futures=True)
    from multiprocessing import forkserver

    with _lock:
        _live.discard(pool)
        if _live or _starting:
            return
        # Private (Python's own tests use it), present from 3.8 to 3.14: if it goes, the
        # fork server stays until the process exits, as it did before.
        stop = getattr(forkserver._forkserver, "_stop", None)  # type: ignore[attr-defined]
        if stop is None:
            return
        try:
            stop()
        except OSError as exc:  # the run's own outcome matters more than this clean-up
            warnings.warn(f"could not stop the fork server: {exc}", RuntimeWarning, stacklevel=2)


#: The pool of each size that runs use in this process (`shared_pool`).
_shared: dict[int, ProcessPoolExecutor] = {}


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """This process's pool of `workers` processes, for every extraction job of a run: the
    one started ahead (`start_workers`) if there is one, else a new one. Jobs of one run
    running in several threads share it; `stop_shared` ends it with the run."""
    with _lock:
        pool = _shared.get(workers)
    if pool is not None:
        return pool
    pool = take_started(workers) or new_pool(workers)
    with _lock:
        kept = _shared.setdefault(workers, pool)
    if kept is not pool:
        stop_pool(pool)  # another thread made one first
    return kept


def stop_shared() -> None:
    """Stop the shared pools, dropping the work nobody collected (the end of a run)."""
    with _lock:
        pools = list(_shared.values())
        _shared.clear()
    for pool in pools:
        stop_pool(pool)


def stop_started() -> None:
    """Shut down pools started ahead that no run took (e.g. the run had too few files)."""
    with _lock:
        sizes = list(_starting)
    for workers in sizes:
        pool = take_started(workers)
        if pool is not None:
            stop_pool(pool)
