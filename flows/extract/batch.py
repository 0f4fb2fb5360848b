"""One batch's extraction as a job: the data a task needs to do it (files, limits, where to
spill), and the function that does it, in the process pool of this process when the job
says so. No run state: a task runner can place the job wherever the pool is."""

from __future__ import annotations

import uuid
from concurrent.futures import Future
from dataclasses import dataclass

import pyarrow

from flows.extract import ExtractedChunk, extract_chunk
from flows.model import Limits, SourceFile
from flows.publish import Staging
from flows.runtime.workers import shared_pool


def chunk_size(files: int, workers: int) -> int:
    """Files per chunk of a batch of `files`: four chunks per worker, so a worker that
    finishes early takes more, and at least 50, so a chunk is worth its round trip."""
    return max(50, -(-files // (workers * 4)))


@dataclass(frozen=True, slots=True)
class ExtractJob:
    """Extract one batch: `files`, batch number `index`, the run's limits and relaxed Arrow
    schemas, and its staging folder (workers spill a chunk's tables there). With `workers`
    over 1 the chunks go to the process pool of that size; else they run in this thread."""

    files: list[SourceFile]
    index: int
    limits: Limits
    schemas: dict[str, pyarrow.Schema]
    staging: Staging
    workers: int = 1


def extract_batch(job: ExtractJob) -> list[ExtractedChunk]:
    """The chunks of `job`, extracted (spilled to the staging folder when a pool did it:
    `ExtractedChunk.load` reads them back). A failure cancels the chunks not started."""
    if job.workers < 2:
        return [extract_chunk(job.files, job.limits, job.schemas)]
    pool = shared_pool(job.workers)
    size = chunk_size(len(job.files), job.workers)
    attempt = uuid.uuid4().hex[:8]
    futures: list[Future[ExtractedChunk]] = [
        pool.submit(
            extract_chunk,
            job.files[at : at + size],
            job.limits,
            job.schemas,
            job.staging.chunk(job.index, n, attempt),
        )
        for n, at in enumerate(range(0, len(job.files), size))
    ]
    try:
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:  # the chunks not started yet; the rest finish unread
            future.cancel()
        raise
