"""Validation: failing records become quarantine rows naming the check; the rest passes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flows.model import Problem
from flows.validate import frame_from_rows, quarantine_row, validate_records
from schemas import DATASETS

DOC = "a" * 64


def _payer(payer_id, **kw):
    return {
        "doc_id": DOC,
        "code": "47383",
        "payer_id": payer_id,
        "payer_name": kw.get("name", str(payer_id)),
        "coverage_statement": None,
        "prior_auth": kw.get("prior_auth", "unknown"),
        "section_ordinal": 0,
        "char_start": 0,
        "char_end": 5,
    }


def test_bad_rows_are_quarantined_with_the_check_name_and_the_rest_kept():
    dataset = DATASETS["code_payers"]
    table = frame_from_rows(
        dataset,
        [_payer("aetna"), _payer(None, name="Acme Health"), _payer("cigna", prior_auth="maybe")],
    )
    checked = validate_records(dataset, table)
    assert checked.table.column("payer_id").to_pylist() == ["aetna"]
    reasons = sorted(p.reason for _, p in checked.failures)
    assert reasons == ["check_failed:payer_id.not_nullable", "check_failed:prior_auth.isin"]
    acme = next(p for _, p in checked.failures if p.record["payer_name"] == "Acme Health")
    assert acme.record["dataset"] == "code_payers"
    assert checked.failed_docs[DOC] == 2
    assert checked.table.schema == dataset.arrow


def test_duplicate_keys_flag_every_row_of_the_group():
    dataset = DATASETS["code_payers"]
    table = frame_from_rows(dataset, [_payer("aetna"), _payer("aetna"), _payer("cigna")])
    checked = validate_records(dataset, table)
    assert checked.table.column("payer_id").to_pylist() == ["cigna"]
    assert len(checked.failures) == 2


def test_quarantine_id_ignores_when_the_problem_was_seen():
    problem = Problem("read", "empty_file", "The file is empty.", {"x": 1})
    one = quarantine_row("a.txt", DOC, problem, "run-1", datetime(2026, 1, 1, tzinfo=UTC))
    two = quarantine_row("a.txt", DOC, problem, "run-2", datetime(2026, 2, 1, tzinfo=UTC))
    assert one["quarantine_id"] == two["quarantine_id"]
    assert json.loads(one["record"]) == {"x": 1}
    other = quarantine_row("b.txt", DOC, problem, "run-1", datetime(2026, 1, 1, tzinfo=UTC))
    assert other["quarantine_id"] != one["quarantine_id"]


def test_load_checks_validates_every_dataset_ahead():
    # The CLI loads pandera's check backends before the run by validating an empty table
    # of each dataset: it raises (SchemaErrors) if a model rejects its own Arrow schema.
    from flows.validate import load_checks

    load_checks(DATASETS.values())
