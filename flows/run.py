"""One pipeline run as plain Python steps (plan, extract batches, publish), with no Prefect
import: the Prefect flow in flows/pipeline.py wires these steps as tasks, and benchmarks or
tests can call them directly to measure orchestration overhead."""

from __future__ import annotations

import time
import uuid
import warnings
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow
import pyarrow.compute as pc

from flows.audit.report import write_change_report
from flows.extract import ExtractedChunk, ExtractedDocument
from flows.extract.batch import ExtractJob, extract_batch
from flows.history.log import build_change_log
from flows.ingest import (
    REASON_CHANGED_DURING_RUN,
    Refusal,
    SourceFile,
    discover_files,
    load_hashes,
    save_hashes,
)
from flows.model import BatchResult, Limits, Plan, Problem, RunSummary
from flows.publish import Staging, TableStore
from flows.runtime.memory import release_memory
from flows.runtime.workers import stop_shared
from flows.runtime.writer_lock import exclusive_writer, holds_writer
from flows.settings import Settings
from flows.validate import frame_from_rows, quarantine_row, relaxed, to_json, validate_records
from flows.version import parser_version
from schemas.datasets import (
    CHANGE_LOG,
    DATASETS,
    DOCUMENT_DATASETS,
    DOCUMENTS,
    FILE_EVENTS,
    QUARANTINE,
    RUNS,
    VOLATILE_COLUMNS,
)

#: Below this many files a batch is extracted in-process: a pool's start-up costs more.
POOL_THRESHOLD = 400


def now_utc() -> datetime:
    """Current time as a UTC timestamp at microsecond precision (Delta-friendly)."""
    return datetime.now(UTC)


def new_run_id(started_at: datetime) -> str:
    return started_at.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


#: Under the output folder: the hashes of the files the last run saw (not a dataset).
HASH_CACHE = ".hash-cache.json"


class PipelineRun:
    """State of one run; each method is one stage step and is safe to call from a task."""

    def __init__(self, settings: Settings, flow_run_id: str | None = None) -> None:
        self.settings = settings
        self.limits: Limits = settings.limits()
        self.sources = Path(settings.sources)
        self.store = TableStore(Path(settings.output))
        self.started_at = now_utc()
        self.run_id = new_run_id(self.started_at)
        self.flow_run_id = flow_run_id
        self.parser_version = parser_version()
        self._schemas = {name: relaxed(d.arrow) for name, d in DOCUMENT_DATASETS.items()}
        self.staging = Staging(self.store.output, self.run_id)
        #: Hashes of the files this run saw, for the next run (flows.ingest.save_hashes).
        self.hash_cache = self.store.output / HASH_CACHE

    # --- plan --------------------------------------------------------------------------

    def plan(self) -> Plan:
        """Discover the files and compare them with what is already published."""
        if not self.sources.is_dir():
            raise FileNotFoundError(f"sources folder not found: {self.sources}")
        if not holds_writer(self.store.output):
            raise RuntimeError(
                f"a run must hold the writer lock of {self.store.output} (plan clears every "
                "staged batch there): call it inside "
                "flows.runtime.writer_lock.exclusive_writer(output)"
            )
        # Leftovers of a run that crashed before publishing are of no use: it is redone.
        self.staging.remove(everything=True)
        hashes = load_hashes(self.hash_cache, self.sources) if self.settings.trust_stamps else {}
        discovered_at = time.time_ns()
        files, refusals = discover_files(self.sources, self.limits, hashes)
        reused = sum(1 for f in files if hashes.get(f.source_path, (None,))[0] == f.stamp)
        known = self.store.read(
            DOCUMENTS.name, ["doc_id", "parser_version", "first_seen_at", "run_id"]
        )
        # A document counts as published only when the run that wrote it finished (its
        # `runs` row exists): one that crashed after the documents commit, before its
        # change log and quarantine rows, is redone, and every table is replaced by key.
        finished = self.store.read(RUNS.name, ["run_id"]).column("run_id")
        current = pc.and_(
            pc.equal(known.column("parser_version"), self.parser_version),
            pc.is_in(known.column("run_id"), value_set=finished),
        )
        up_to_date = set(known.filter(current).column("doc_id").to_pylist())
        first_seen = dict(
            zip(
                known.column("doc_id").to_pylist(),
                known.column("first_seen_at").to_pylist(),
                strict=True,
            )
        )
        to_extract: list[SourceFile] = []
        queued: set[str] = set()
        unchanged = 0
        for f in files:
            if f.doc_id in up_to_date:
                unchanged += 1
            elif f.doc_id not in queued:
                queued.add(f.doc_id)
                to_extract.append(f)
            else:
                unchanged += 1  # the same content at a second path: extracted once
        events = self._file_events(files, refusals)
        plan = Plan(
            files, refusals, to_extract, unchanged, first_seen, events, reused, discovered_at
        )
        release_memory()
        return plan

    def _file_events(
        self, files: list[SourceFile], refusals: list[Refusal]
    ) -> list[dict[str, Any]]:
        previous = self._paths_present_before()
        present: dict[str, tuple[str | None, int | None]] = {
            f.source_path: (f.doc_id, f.byte_size) for f in files
        }
        for r in refusals:
            present.setdefault(r.source_path, (r.doc_id, None))
        out = []
        for path, (doc_id, size) in sorted(present.items()):
            if path not in previous:
                kind = "added"
            elif previous[path] != doc_id:
                kind = "changed"
            else:
                continue
            out.append(self._event(path, kind, doc_id, previous.get(path), size))
        for path in sorted(set(previous) - set(present)):
            out.append(self._event(path, "removed", None, previous[path], None))
        return out

    def _paths_present_before(self) -> dict[str, str | None]:
        """doc_id by source path of the files present after the last run: each path's
        latest event, unless it was `removed` (sorted in Arrow: the log only grows)."""
        events = self.store.read(
            FILE_EVENTS.name, ["source_path", "event", "doc_id", "detected_at"]
        )
        if events.num_rows == 0:
            return {}
        events = events.sort_by([("source_path", "ascending"), ("detected_at", "ascending")])
        paths = events.column("source_path")
        # The last event of each path: where the next row's path differs.
        last = pc.not_equal(paths.slice(0, len(paths) - 1), paths.slice(1))
        last = pyarrow.concat_arrays([*last.chunks, pyarrow.array([True])])
        latest = events.filter(last)
        latest = latest.filter(pc.not_equal(latest.column("event"), "removed"))
        return dict(
            zip(
                latest.column("source_path").to_pylist(),
                latest.column("doc_id").to_pylist(),
                strict=True,
            )
        )

    def _event(
        self, path: str, kind: str, doc_id: str | None, before: str | None, size: int | None
    ) -> dict[str, Any]:
        return {
            "source_path": path,
            "event": kind,
            "doc_id": doc_id,
            "previous_doc_id": before,
            "byte_size": size,
            "run_id": self.run_id,
            "detected_at": self.started_at,
        }

    # --- extract + validate ------------------------------------------------------------

    def extract_job(self, plan: Plan, batch: list[SourceFile], index: int) -> ExtractJob:
        """Batch `index` of `plan` as a job (`flows.extract.batch.extract_batch` does it):
        in the worker pool when there are several workers and the run has enough files to
        pay for one, else in the calling thread."""
        pooled = self.settings.workers > 1 and len(plan.to_extract) >= POOL_THRESHOLD
        workers = self.settings.workers if pooled else 1
        return ExtractJob(batch, index, self.limits, self._schemas, self.staging, workers)

    def stage(
        self, chunks: list[ExtractedChunk], index: int, known_first_seen: dict[str, datetime]
    ) -> BatchResult:
        """Validate one extracted batch (the checks run once per dataset for the whole
        batch) and stage its valid rows for publishing."""
        tables, result = self._validate([chunk.load() for chunk in chunks], known_first_seen)
        for name, table in tables.items():
            self.staging.write(name, table, index)
        return result

    def close(self) -> None:
        """Stop the worker pool, if one was started, dropping work nobody collected."""
        stop_shared()

    def _validate(
        self, chunks: list[ExtractedChunk], known_first_seen: dict[str, datetime]
    ) -> tuple[dict[str, pyarrow.Table], BatchResult]:
        docs = [d for chunk in chunks for d in chunk.documents]
        quarantine: list[dict[str, Any]] = []
        problems_per_doc: Counter[str] = Counter()
        by_doc = {d.source.doc_id: d for d in docs}
        for d in docs:
            for problem in d.problems:
                quarantine.append(self._quarantine(d.source.source_path, d.source.doc_id, problem))
                problems_per_doc[d.source.doc_id] += 1
        tables: dict[str, pyarrow.Table] = {}
        for name, dataset in DOCUMENT_DATASETS.items():
            rows = pyarrow.concat_tables([chunk.tables[name] for chunk in chunks])
            checked = validate_records(dataset, rows)
            tables[name] = checked.table
            for doc_id, problem in checked.failures:
                source = by_doc[doc_id].source.source_path if doc_id in by_doc else None
                quarantine.append(self._quarantine(source, doc_id, problem))
                if doc_id:
                    problems_per_doc[doc_id] += 1
        doc_rows = [self._document_row(d, problems_per_doc, known_first_seen) for d in docs]
        checked = validate_records(DOCUMENTS, frame_from_rows(DOCUMENTS, doc_rows))
        for doc_id, problem in checked.failures:
            source = by_doc[doc_id].source.source_path if doc_id in by_doc else None
            quarantine.append(self._quarantine(source, doc_id, problem))
        tables[DOCUMENTS.name] = checked.table
        statuses = Counter(checked.table.column("status").to_pylist())
        rejected = [d.source.source_path for d in docs if d.rejected]
        rows = {name: table.num_rows for name, table in tables.items()}
        return tables, BatchResult(rows, quarantine, statuses, rejected)

    def _document_row(
        self,
        d: ExtractedDocument,
        problems_per_doc: Counter[str],
        known_first_seen: dict[str, datetime],
    ) -> dict[str, Any]:
        doc_id = d.source.doc_id
        problems = problems_per_doc[doc_id]
        status = "rejected" if d.rejected else ("partial" if problems else "ok")
        fields = d.document
        return {
            "doc_id": doc_id,
            "source_path": d.source.source_path,
            "doc_kind": d.doc_kind,
            "media_type": d.media_type,
            "series_key": fields.get("series_key"),
            "series_key_source": fields.get("series_key_source"),
            "title": fields.get("title"),
            "payer_id": fields.get("payer_id"),
            "policy_id": fields.get("policy_id"),
            "primary_code": fields.get("primary_code"),
            "effective_date": fields.get("effective_date"),
            "version_date": fields.get("version_date"),
            "status": status,
            "problem_count": problems,
            "parser_version": self.parser_version,
            "byte_size": d.source.byte_size,
            "first_seen_at": known_first_seen.get(doc_id, self.started_at),
            "run_id": self.run_id,
        }

    def _quarantine(
        self, source_path: str | None, doc_id: str | None, problem: Problem
    ) -> dict[str, Any]:
        return quarantine_row(source_path, doc_id, problem, self.run_id, self.started_at)

    # --- publish -----------------------------------------------------------------------

    def publish(self, plan: Plan, results: list[BatchResult]) -> RunSummary:
        """Write every changed table (one commit each), then the `runs` row, last."""
        store = self.store
        # Tables from an older contract first (the run that upgrades the parser).
        written: list[str] = store.migrate(DATASETS.values(), self.run_id)
        quarantine = [self._quarantine(r.source_path, r.doc_id, r.problem) for r in plan.refusals]
        for result in results:
            quarantine.extend(result.quarantine)
        doc_ids = {f.doc_id for f in plan.to_extract}
        for name, dataset in DOCUMENT_DATASETS.items():
            if store.replace_rows(
                dataset, self.staging.rows(dataset), "doc_id", doc_ids, self.run_id
            ):
                written.append(name)
            release_memory()  # before the next table: the peaks do not add up
        # The documents table is the index of what is published: written after the
        # records it describes, so a crash in between makes the next run redo the batch.
        documents = self.staging.rows(DOCUMENTS)
        # A documents row names the run that published it, and plan() trusts the row only
        # when that run finished: a document redone after a crash is written again with
        # this run's id even when nothing else in its row changed.
        if store.replace_rows(
            DOCUMENTS, documents, "doc_id", doc_ids, self.run_id, VOLATILE_COLUMNS - {"run_id"}
        ):
            written.append(DOCUMENTS.name)
        release_memory()
        changes, series = build_change_log(store, plan, self.run_id, self.started_at)
        if store.replace_rows(CHANGE_LOG, changes, "series_key", series, self.run_id):
            written.append(CHANGE_LOG.name)
        release_memory()
        q_table = frame_from_rows(QUARANTINE, quarantine)
        new_problems = store.append_new(QUARANTINE, q_table, "quarantine_id", self.run_id)
        if new_problems:
            written.append(QUARANTINE.name)
        if plan.file_events:
            # A retried publish must not record the same events twice.
            if not store.holds_run(FILE_EVENTS.name, self.run_id):
                store.append(
                    FILE_EVENTS, frame_from_rows(FILE_EVENTS, plan.file_events), self.run_id
                )
            written.append(FILE_EVENTS.name)
        # Readers find every dataset, empty ones too (`runs` is written next, by _finish).
        created = store.create_missing([d for d in DATASETS.values() if d is not RUNS], self.run_id)
        return self._finish(plan, results, written, created, new_problems, changes.num_rows)

    def after_publish(
        self, plan: Plan, results: list[BatchResult], summary: RunSummary
    ) -> Path | None:
        """What follows a publish, outside it (a failure here must not retry a publish):
        keep the files' hashes for the next run, write the change report; its path, or None
        when the run changed nothing."""
        self.keep_hashes(plan, results)
        release_memory()  # what publish freed: the report's peak comes on top of the rest
        return write_change_report(self.store, summary.run_id, self.settings.reports_dir)

    def keep_hashes(self, plan: Plan, results: list[BatchResult]) -> None:
        """Keep the hashes of the files this run saw for the next run's discovery. A file
        found changed while the run read it is left out, so the next run reads it again."""
        if not self.settings.trust_stamps:
            return
        changed = {
            row["source_path"]
            for result in results
            for row in result.quarantine
            if row["reason"] == REASON_CHANGED_DURING_RUN
        }
        kept = [f for f in plan.files if f.source_path not in changed]
        try:
            save_hashes(self.hash_cache, self.sources, kept, plan.discovered_at)
        except OSError as exc:  # the run is published; the next one hashes every file
            warnings.warn(f"could not keep the files' hashes: {exc}", stacklevel=1)

    def _finish(
        self,
        plan: Plan,
        results: list[BatchResult],
        written: list[str],
        created: list[str],
        quarantined: int,
        change_count: int,
    ) -> RunSummary:
        statuses: Counter[str] = Counter()
        for r in results:
            statuses.update(r.statuses)
        refused_files = {r.source_path for r in plan.refusals}
        rejected = {path for r in results for path in r.rejected}
        versions = self.store.versions()
        finished = now_utc()
        summary = RunSummary(
            run_id=self.run_id,
            status="completed",
            files_seen=len(plan.files) + len(plan.refusals),
            files_new=len(plan.to_extract),
            files_unchanged=plan.unchanged,
            files_quarantined=len(refused_files | rejected),
            files_removed=sum(1 for e in plan.file_events if e["event"] == "removed"),
            records_quarantined=sum(
                1 for r in results for q in r.quarantine if q["stage"] == "validate"
            ),
            documents=dict(statuses),
            table_rows={
                name: sum(r.rows.get(name, 0) for r in results)
                for name in [*DOCUMENT_DATASETS, DOCUMENTS.name]
            },
            table_versions=versions,
            tables_written=sorted(set(written) | set(created)),
            started_at=self.started_at,
            finished_at=finished,
            change_count=change_count,
        )
        summary.table_rows[QUARANTINE.name] = quarantined
        summary.table_rows[CHANGE_LOG.name] = change_count
        summary.table_rows[FILE_EVENTS.name] = len(plan.file_events)
        summary.table_rows[RUNS.name] = 1
        runs_row = {
            "run_id": self.run_id,
            "flow_run_id": self.flow_run_id,
            "started_at": self.started_at,
            "finished_at": finished,
            "status": summary.status,
            "sources_root": str(self.sources),
            "parser_version": self.parser_version,
            "files_seen": summary.files_seen,
            "files_new": summary.files_new,
            "files_unchanged": summary.files_unchanged,
            "files_quarantined": summary.files_quarantined,
            "files_removed": summary.files_removed,
            "records_quarantined": summary.records_quarantined,
            "table_versions": to_json({k: v for k, v in versions.items() if k != RUNS.name}),
        }
        # A publish retried after a failure below must not record the run twice.
        if not self.store.holds_run(RUNS.name, self.run_id):
            self.store.append(RUNS, frame_from_rows(RUNS, [runs_row]), self.run_id)
        summary.table_versions[RUNS.name] = self.store.version(RUNS.name)
        # Last, and never raising: a publish retried after a failure above must still find
        # its staged rows (without them it would replace the run's rows with none).
        try:
            self.staging.remove()
        except OSError as exc:  # the next run's plan removes what is left
            warnings.warn(f"could not remove the run's staged rows: {exc}", stacklevel=1)
        return summary


class Steps:
    """How a driver runs the steps of `drive`: here, as plain calls, with extraction jobs in
    a small thread pool; `flows.pipeline` runs them as Prefect tasks. `extract` returns a
    future (anything with `result()`): up to `AHEAD` jobs are in flight while the batch
    before them is validated, so the workers never wait for this process."""

    def plan(self, run: PipelineRun) -> Plan:
        return run.plan()

    def planned(self, run: PipelineRun, plan: Plan) -> None:
        """What the driver says once the plan is known (the Prefect flow logs it)."""

    def extract(self, job: ExtractJob) -> Any:
        return self._threads.submit(extract_batch, job)

    def stage(
        self, run: PipelineRun, chunks: list[ExtractedChunk], index: int, plan: Plan
    ) -> BatchResult:
        return run.stage(chunks, index, plan.known_first_seen)

    def publish(self, run: PipelineRun, plan: Plan, results: list[BatchResult]) -> RunSummary:
        return run.publish(plan, results)

    def __enter__(self) -> Steps:
        self._threads = ThreadPoolExecutor(AHEAD, thread_name_prefix="extract")
        return self

    def __exit__(self, *exc: object) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)


#: Extraction jobs in flight at once: one extracting while this process validates the
#: batch before it, and one queued, so the worker pool always has the next chunks.
AHEAD = 2


def drive(
    run: PipelineRun, steps: Steps, progress: Callable[[int, int], None] | None = None
) -> tuple[RunSummary, Path | None]:
    """The run: plan, every batch extracted (as jobs, `AHEAD` at a time) then validated and
    staged in order, publish, the change report. The one loop both `run_pipeline` and the
    Prefect flow drive; returns the summary and the report's path (None: no report)."""
    with exclusive_writer(run.store.output), steps:
        plan = steps.plan(run)
        steps.planned(run, plan)
        results: list[BatchResult] = []
        try:
            pending: deque[tuple[ExtractJob, Any]] = deque()
            done = 0
            for index, batch in enumerate(plan.batches(run.settings.batch_size)):
                job = run.extract_job(plan, batch, index)
                pending.append((job, steps.extract(job)))
                if len(pending) >= AHEAD:
                    done += _stage_next(run, steps, plan, pending, results, progress, done)
            while pending:
                done += _stage_next(run, steps, plan, pending, results, progress, done)
        finally:
            run.close()
        summary = steps.publish(run, plan, results)
        report = run.after_publish(plan, results, summary)
    return summary, report


def _stage_next(
    run: PipelineRun,
    steps: Steps,
    plan: Plan,
    pending: deque[tuple[ExtractJob, Any]],
    results: list[BatchResult],
    progress: Callable[[int, int], None] | None,
    done: int,
) -> int:
    """Wait for the oldest job in flight, validate and stage its batch; its file count."""
    job, future = pending.popleft()
    results.append(steps.stage(run, future.result(), job.index, plan))
    if progress:
        progress(done + len(job.files), len(plan.to_extract))
    return len(job.files)


def run_pipeline(
    settings: Settings,
    *,
    flow_run_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """The whole run as plain function calls (no Prefect): `drive` with plain `Steps`."""
    return drive(PipelineRun(settings, flow_run_id), Steps(), progress)[0]
