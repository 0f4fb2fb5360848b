"""The Prefect flow: thin tasks over the plain stage steps of flows/run.py.

The only module that imports Prefect. Tasks are coarse (plan, one per batch of documents,
publish) because Prefect's per-task cost would dominate per-document tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)
from prefect.utilities.annotations import quote

from flows.extract import ExtractedChunk
from flows.extract.batch import ExtractJob, extract_batch
from flows.model import BatchResult, Plan, RunSummary
from flows.run import PipelineRun, Steps, drive
from flows.runtime.api_server import ApiServer
from flows.settings import Settings

T = TypeVar("T")


def _quoted(value: T) -> T:
    """`quote(value)`, typed as the value Prefect hands to the task (it unwraps quotes)."""
    return cast(T, quote(value))


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(run: PipelineRun) -> Plan:
    return run.plan()


@task(name="extract-batch", task_run_name="extract-batch-{job.index}", cache_policy=NO_CACHE)
def extract_task(job: ExtractJob) -> list[ExtractedChunk]:
    """Read and extract one batch of files (in the worker pool when the job says so)."""
    return extract_batch(job)


@task(name="validate-batch", task_run_name="validate-batch-{index}", cache_policy=NO_CACHE)
def stage_task(
    run: PipelineRun, chunks: list[ExtractedChunk], index: int, plan: Plan
) -> BatchResult:
    """Check one extracted batch against the contract and stage its valid rows."""
    return run.stage(chunks, index, plan.known_first_seen)


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def publish_task(run: PipelineRun, plan: Plan, results: list[BatchResult]) -> RunSummary:
    return run.publish(plan, results)


class PrefectSteps(Steps):
    """`drive`'s steps as Prefect tasks; extraction jobs are submitted to the flow's task
    runner. Large arguments go through `quote`: Prefect otherwise walks every element of
    every argument looking for futures, which at 60,000 files costs minutes per run."""

    def plan(self, run: PipelineRun) -> Plan:
        return plan_task(run)

    def planned(self, run: PipelineRun, plan: Plan) -> None:
        get_run_logger().info(
            "run %s: %d files (%d hashes kept from the last run), %d to extract, "
            "%d unchanged, %d refused",
            run.run_id,
            len(plan.files) + len(plan.refusals),
            plan.hashes_reused,
            len(plan.to_extract),
            plan.unchanged,
            len(plan.refusals),
        )

    def extract(self, job: ExtractJob) -> Any:
        return extract_task.submit(_quoted(job))

    def stage(
        self, run: PipelineRun, chunks: list[ExtractedChunk], index: int, plan: Plan
    ) -> BatchResult:
        return stage_task(run, _quoted(chunks), index, _quoted(plan))

    def publish(self, run: PipelineRun, plan: Plan, results: list[BatchResult]) -> RunSummary:
        return publish_task(run, _quoted(plan), _quoted(results))

    def __enter__(self) -> PrefectSteps:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def summary_markdown(summary: RunSummary) -> str:
    """The run summary as Markdown (the flow's artifact and the CLI's `--format md`)."""
    lines = [
        f"# Policy ETL run `{summary.run_id}`",
        "",
        "| files seen | new | unchanged | quarantined | removed | changes |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {summary.files_seen} | {summary.files_new} | {summary.files_unchanged} | "
        f"{summary.files_quarantined} | {summary.files_removed} | {summary.change_count} |",
        "",
        "| table | rows this run | version |",
        "|---|---:|---:|",
    ]
    for name, version in sorted(summary.table_versions.items()):
        rows = summary.table_rows.get(name, "")
        lines.append(f"| {name} | {rows} | {version if version is not None else '-'} |")
    return "\n".join(lines) + "\n"


@flow(
    name="policy-pipeline",
    flow_run_name="policy-pipeline-{sources}",
    log_prints=False,
    validate_parameters=False,
)
def policy_pipeline(
    sources: str = "sources", output: str = "output", settings: Settings | None = None
) -> RunSummary:
    """Ingest `sources`, extract and validate every new document, publish to `output`."""
    base = settings or Settings()
    run = PipelineRun(
        base.model_copy(update={"sources": Path(sources), "output": Path(output)}),
        flow_run_id=str(flow_run.get_id()) if flow_run.get_id() else None,
    )
    summary, report = drive(run, PrefectSteps(), _progress)
    if report is not None:
        create_markdown_artifact(
            key="policy-change-report",
            markdown=artifact_text(report),
            description="what this run changed",
        )
    create_markdown_artifact(
        key="policy-run-summary", markdown=summary_markdown(summary), description="run summary"
    )
    return summary


#: Prefect refuses events over a few megabytes; a big run's report is cut and points to
#: the full file instead.
ARTIFACT_MAX_CHARS = 200_000


def artifact_text(report: Path) -> str:
    """The report for the Prefect artifact: whole, or its head and the file's path."""
    text = report.read_text(encoding="utf-8")
    if len(text) <= ARTIFACT_MAX_CHARS:
        return text
    head = text[: text.rfind("\n", 0, ARTIFACT_MAX_CHARS)]
    note = f"*Cut at {len(head):,} of {len(text):,} characters; the full report is `{report}`.*"
    return f"{head}\n\n{note}\n"


@contextmanager
def quiet_flow_runs(api_url: str | None = None) -> Iterator[None]:
    """Turn off the flow heartbeat: it only serves zombie detection of deployment runs and
    costs ~1.1 s at the exit of every synchronous flow run (STACK-NOTES.md). With `api_url`,
    flow runs in the block report to that API server, and the logs and events still queued
    are sent before the block ends (the server may stop right after)."""
    updates = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_API_URL: api_url}
    if api_url is None:
        del updates[PREFECT_API_URL]
    with temporary_settings(updates=updates):
        try:
            yield
        finally:
            if api_url is not None:
                _send_queued_logs_and_events()


def _send_queued_logs_and_events() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)


#: Progress callback (done, total) of the run in this process; set by run_flow, read by the
#: flow. Kept out of the flow's parameters, which Prefect records as JSON.
_progress: Callable[[int, int], None] | None = None


def run_flow(
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    server: ApiServer | None = None,
) -> RunSummary:
    """Run the flow for `settings` (the CLI's entry point).

    `server`, started ahead by the caller, is the run's API unless Prefect already has an
    API URL (environment, profile, test harness); then it is stopped unused. The caller
    stops it after the run either way."""
    global _progress
    _progress = progress
    try:
        api_url = None
        if server is not None:
            if PREFECT_API_URL.value():
                server.stop()
            else:
                api_url = server.wait_ready()
        with quiet_flow_runs(api_url):
            return policy_pipeline(str(settings.sources), str(settings.output), settings)
    finally:
        _progress = None
