"""Memory and allocator tuning of the run's processes, in one place: where Arrow allocates
(set before pyarrow loads), handing freed memory back between stages, and the cycle
collector paused while extraction allocates."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast


def use_system_allocator() -> None:
    """Arrow's memory from the C heap (call before pyarrow loads: it reads this once),
    where `release_memory` trims it, instead of the mimalloc pool pyarrow bundles, which
    keeps what each Delta read and change-log join freed: the run's process peaked ~100 MiB
    lower at 60,000 files (bench/README.md)."""
    if sys.platform == "linux":
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where the C library is glibc (Linux); else None."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    return cast(Callable[[int], int], trim)


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Hand freed memory back to the system between the stages of a large run, so each
    stage's peak does not add to what the last one left: the pages Arrow's allocator
    keeps for reuse, and the free pages of the C heap (Python objects, deltalake's Rust
    side: ~80 MiB after publishing 60,000 documents), where the C library can."""
    import pyarrow  # here: `use_system_allocator` must run before pyarrow loads

    pyarrow.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block. Extraction allocates millions of small
    objects, few in cycles, and every automatic collection walks the long-lived ones too
    (the line memos): 5-8 % of a worker's time measured, more as the memos grow. Cycles
    made in the block wait for the next automatic collection after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
