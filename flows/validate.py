"""Validate stage: build one frame per dataset from extracted records, check it against the
dataset's pandera model (lazily, so every failure is reported), and turn failing rows into
quarantine rows naming the check. Valid rows go on as Arrow tables in the contract's schema."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow

from flows.extract import load_arrow_conversion, rows_to_table
from flows.model import STAGE_VALIDATE, Problem
from schemas.datasets import VOLATILE_COLUMNS, Dataset


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def to_json(value: Any) -> str:
    """Stable JSON (sorted keys) for quarantine records and change-log values."""
    return json.dumps(value, sort_keys=True, default=_json_default, ensure_ascii=False)


def quarantine_row(
    source_path: str | None,
    doc_id: str | None,
    problem: Problem,
    run_id: str,
    detected_at: datetime,
) -> dict[str, Any]:
    """A `quarantine` row; its id hashes what the problem is, not when it was seen, so a
    rerun that meets the same problem again adds nothing."""
    record = to_json(problem.record) if problem.record is not None else None
    # When and by which run the record was made is not part of what the problem is.
    stable = (
        {k: v for k, v in problem.record.items() if k not in VOLATILE_COLUMNS}
        if problem.record is not None
        else None
    )
    identity = to_json([source_path, doc_id, problem.stage, problem.reason, stable])
    return {
        "quarantine_id": hashlib.sha256(identity.encode()).hexdigest(),
        "source_path": source_path,
        "doc_id": doc_id,
        "stage": problem.stage,
        "reason": problem.reason,
        "message": problem.message,
        "record": record,
        "run_id": run_id,
        "detected_at": detected_at,
    }


def relaxed(schema: pyarrow.Schema) -> pyarrow.Schema:
    """The schema with every field nullable, to build frames before checks decide."""
    return pyarrow.schema([f.with_nullable(True) for f in schema])


def frame_from_rows(dataset: Dataset, rows: list[dict[str, Any]]) -> pyarrow.Table:
    """Rows to an Arrow table with the dataset's columns and types (missing keys are null)."""
    return rows_to_table(relaxed(dataset.arrow), rows)


@dataclass(slots=True)
class Validated:
    """Valid rows of one dataset, the quarantine problems of the rest, by doc_id."""

    table: pyarrow.Table
    failures: list[tuple[str | None, Problem]] = field(default_factory=list)

    @property
    def failed_docs(self) -> Counter[str]:
        return Counter(doc_id for doc_id, _ in self.failures if doc_id)


def load_checks(datasets: Iterable[Dataset]) -> None:
    """Do ahead what the first validation of each dataset does once per process: pandera
    builds the model's schema and loads its check backends (they import hypothesis's
    strategies when hypothesis is installed): ~0.3-0.6 s of imports; and pyarrow sets up
    its conversion of Python values (`frame_from_rows`). The CLI calls this while
    Prefect's server starts on the other core, instead of in the run's first batch."""
    load_arrow_conversion()
    for dataset in datasets:
        dataset.model.validate(dataset.arrow.empty_table().to_pandas(types_mapper=pd.ArrowDtype))


def validate_records(dataset: Dataset, table: pyarrow.Table) -> Validated:
    """Check `table` against the dataset's model; failing rows become problems.

    A failure with no row (a whole-frame failure such as a missing column) becomes one
    problem for the batch, and the batch's rows of that dataset are held back.
    """
    if table.num_rows == 0:
        return Validated(table.cast(dataset.arrow))
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    try:
        dataset.model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _split_failures(dataset, table, frame, exc.failure_cases)
    return Validated(table.cast(dataset.arrow))


def _split_failures(
    dataset: Dataset, table: pyarrow.Table, frame: pd.DataFrame, cases: pd.DataFrame
) -> Validated:
    failures: list[tuple[str | None, Problem]] = []
    bad_rows: dict[int, list[str]] = {}
    whole_frame: list[str] = []
    for case in cases.itertuples(index=False):
        check = _check_name(case)
        index = getattr(case, "index", None)
        if index is None or pd.isna(index):
            whole_frame.append(check)
            continue
        bad_rows.setdefault(int(index), []).append(check)
    if whole_frame:
        problem = Problem(
            STAGE_VALIDATE,
            "check_failed:" + ",".join(sorted(set(whole_frame))),
            f"The {dataset.name} batch failed a whole-table check ({', '.join(whole_frame)}); "
            "its rows were held back. This is a bug in the extractor: report it.",
            {"dataset": dataset.name, "rows": table.num_rows},
        )
        return Validated(dataset.arrow.empty_table(), [(None, problem)])
    records = table.to_pylist()
    for index, checks in sorted(bad_rows.items()):
        record = records[index]
        unique_checks = sorted(set(checks))
        failures.append(
            (
                record.get("doc_id"),
                Problem(
                    STAGE_VALIDATE,
                    "check_failed:" + unique_checks[0],
                    f"This {dataset.name} record failed the check(s) {', '.join(unique_checks)}; "
                    "it was not published. Correct the source document or the reference data "
                    "(schemas/reference/) and rerun.",
                    {"dataset": dataset.name, **record},
                ),
            )
        )
    keep = pyarrow.array([i not in bad_rows for i in range(table.num_rows)])
    return Validated(table.filter(keep).cast(dataset.arrow), failures)


def _check_name(case: Any) -> str:
    column = getattr(case, "column", None)
    check = str(getattr(case, "check", "check"))
    # `isin(['a', 'b'])` is long and unstable as a reason code; keep the check's name.
    check = check.split("(", 1)[0]
    if column and isinstance(column, str) and column != "None":
        return f"{column}.{check}"
    return check
