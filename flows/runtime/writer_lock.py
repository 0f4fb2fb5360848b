"""The writer lock of an output folder: one run writes to it at a time. Light to import (the
CLI checks the lock before it starts anything heavy)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

#: The output folder's writer lock: held by a run from plan to report.
WRITER_LOCK = ".writer.lock"


class OutputBusyError(RuntimeError):
    """Another run holds the output folder's writer lock."""


#: Output folders whose writer lock this process holds (resolved paths).
_held: set[Path] = set()


def holds_writer(output: Path) -> bool:
    """Whether this process holds the writer lock of `output` (see exclusive_writer)."""
    return output.resolve() in _held


@contextmanager
def exclusive_writer(output: Path) -> Iterator[None]:
    """Hold the writer lock of the `output` folder for the block, or raise OutputBusyError
    at once, naming the run that holds it. Two runs on one folder would delete each
    other's staged batches and race for the same commits; readers need no lock (a Delta
    version never changes). The lock (an OS file lock) goes with the process, so a crashed
    run never leaves it held. Where the OS has no flock (Windows), runs are not locked."""
    output.mkdir(parents=True, exist_ok=True)
    key = output.resolve()
    try:
        import fcntl
    except ImportError:
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
        return
    fd = os.open(output / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "unknown"
            raise OutputBusyError(
                f"another run is writing to {output} ({holder}); run again when it has finished"
            ) from None
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {started}".encode(), 0)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # and with it the lock


def check_writer_free(output: Path) -> None:
    """Raise OutputBusyError now if another run holds the writer lock of `output` (the
    run takes the lock itself later; this only fails fast, before the start-up work)."""
    if output.is_dir() and not holds_writer(output):
        with exclusive_writer(output):
            pass
