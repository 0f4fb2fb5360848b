"""The dataset registry (schemas/datasets.py): one place names every dataset and its
contract; records under a name it does not hold are an error, never silently dropped."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from flows.extract import ExtractedDocument, records_tables
from flows.history.compared import COMPARED
from flows.model import SourceFile
from flows.validate import relaxed
from schemas.datasets import (
    DATASETS,
    DOCUMENT_DATASETS,
    PAYER_POLICY,
    POLICY_CODES,
    UnknownDataset,
    compared_datasets,
    dataset,
)

REPO = Path(__file__).resolve().parent.parent


def _document(records: dict[str, list[dict]]) -> ExtractedDocument:
    source = SourceFile("payer_policies/a.txt", "/dev/null", 0, "0" * 64)
    return ExtractedDocument(source, "text/plain", PAYER_POLICY, {}, records)


def test_records_under_an_unregistered_name_are_an_error():
    schemas = {name: relaxed(d.arrow) for name, d in DOCUMENT_DATASETS.items()}
    doc = _document({"policy_code": [{"code": "47383"}]})  # a misspelled name
    with pytest.raises(UnknownDataset, match="policy_code"):
        records_tables([doc], schemas)


def test_a_registered_name_is_taken():
    schemas = {name: relaxed(d.arrow) for name, d in DOCUMENT_DATASETS.items()}
    doc = _document({POLICY_CODES.name: [{"code": "47383"}]})
    chunk = records_tables([doc], schemas)
    assert chunk.tables[POLICY_CODES.name].num_rows == 1


def test_a_lookup_of_an_unknown_dataset_names_the_registry():
    assert dataset("policy_codes") is POLICY_CODES
    with pytest.raises(UnknownDataset, match=r"schemas/datasets\.py"):
        dataset("policy_code")


def test_the_change_log_compares_what_the_registry_says():
    assert COMPARED[PAYER_POLICY][0][0] == "payer_policies"  # the primary entity first
    assert [c[0] for c in COMPARED[PAYER_POLICY]] == [
        d.name for d in compared_datasets(PAYER_POLICY)
    ]
    assert POLICY_CODES.compared is not None
    assert COMPARED[PAYER_POLICY][1][3] == POLICY_CODES.compared.fields


def test_every_dataset_has_a_model_with_a_key():
    for d in DATASETS.values():
        assert d.key, d.name
        assert set(d.key) <= set(d.columns), d.name


def test_naming_datasets_loads_no_model():
    # Extraction workers name datasets; they must not pay for pandas and pandera.
    code = "import sys, schemas.datasets as d; d.POLICY_CODES.name; print('pandera' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "False", out.stderr


def test_flows_names_no_dataset_by_a_string():
    names = set(DATASETS)
    offenders = []
    for path in sorted((REPO / "flows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                if node.slice.value in names:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else ""
                if (
                    called in {"add", "get", "read", "table", "version"}
                    and node.args[0].value in names
                ):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders
