"""The dataset registry: every published dataset, in one place with its contract.

A dataset is its name (= output folder), its pandera model (`schemas/<dataset>.py`: columns,
types, checks, unique key) and, for the datasets whose rows a document gives, the document
kind and what the change log compares between two versions of a series. Code names a
dataset by its constant here (`POLICY_CODES.name`), never by a string; records under a name
that is not registered are an error (`flows.extract.records_tables`).

Importing this module is cheap: a model is imported on first use of `Dataset.model`, so an
extraction worker that only needs the names does not load pandas and pandera.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.pandas as pa
    import pyarrow

#: Document kinds (the `documents.doc_kind` column); each has one parser.
CODE_REPORT = "code_report"
PAYER_POLICY = "payer_policy"

#: Columns whose value differs from run to run for the same row (who wrote it, when): two
#: rows equal on every other column are the same row.
VOLATILE_COLUMNS = frozenset({"run_id", "detected_at", "first_seen_at"})


class UnknownDataset(ValueError):
    """Records or a lookup under a name the registry does not hold."""


@dataclass(frozen=True)
class Compared:
    """What the change log compares for a dataset between two versions of a series: the
    entity its rows are (`policy_code`), the columns that identify one within a version, and
    the fields whose change is reported (none: only additions and removals)."""

    entity: str
    key: tuple[str, ...]
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A published table: its name, its pandera model (`module:Class`, imported on first
    use), the document kind whose documents give its rows (None for run-level tables), and
    what the change log compares (`Compared`, or None)."""

    name: str
    model_path: str
    doc_kind: str | None = None
    compared: Compared | None = None

    @cached_property
    def model(self) -> type[pa.DataFrameModel]:
        module, _, cls = self.model_path.partition(":")
        return getattr(importlib.import_module(module), cls)

    @cached_property
    def arrow(self) -> pyarrow.Schema:
        from schemas.base import arrow_schema

        return arrow_schema(self.model)

    @property
    def columns(self) -> list[str]:
        return list(self.arrow.names)

    @property
    def key(self) -> tuple[str, ...]:
        """The columns that identify a row (the model's unique key)."""
        return tuple(getattr(self.model.Config, "unique", ()) or ())


def _doc(name: str, model: str, kind: str, compared: Compared | None = None) -> Dataset:
    return Dataset(name, f"schemas.{name}:{model}", kind, compared)


# --- rows a document gives (replaced together, keyed by doc_id) ----------------------------
DOCUMENT_SECTIONS = Dataset("document_sections", "schemas.document_sections:DocumentSection")
BILLING_CODES = _doc(
    "billing_codes",
    "BillingCode",
    CODE_REPORT,
    Compared("code_report", ("code",), ("descriptor", "service_type", "site_of_service")),
)
CODE_MODIFIERS = _doc(
    "code_modifiers",
    "CodeModifier",
    CODE_REPORT,
    Compared("code_modifier", ("modifier",), ("description", "usage", "modifier_valid")),
)
CODE_PAYERS = _doc(
    "code_payers",
    "CodePayer",
    CODE_REPORT,
    Compared("code_payer", ("payer_id",), ("coverage_statement", "prior_auth")),
)
CODE_POLICY_UPDATES = _doc(
    "code_policy_updates",
    "CodePolicyUpdate",
    CODE_REPORT,
    Compared("code_policy_update", ("update_date", "summary")),
)
CODE_BENCHMARKS = _doc(
    "code_benchmarks",
    "CodeBenchmark",
    CODE_REPORT,
    Compared("code_benchmark", ("metric",), ("amount", "unit", "setting")),
)
CODE_DOCUMENTATION = _doc(
    "code_documentation",
    "CodeDocumentation",
    CODE_REPORT,
    Compared("code_documentation", ("element",)),
)
PAYER_POLICIES = _doc(
    "payer_policies",
    "PayerPolicy",
    PAYER_POLICY,
    Compared(
        "policy",
        ("policy_id",),
        (
            *("title", "policy_type", "effective_date", "original_effective_date"),
            *("last_reviewed_date", "next_review_date", "issuer", "line_of_business"),
        ),
    ),
)
POLICY_CODES = _doc(
    "policy_codes",
    "PolicyCode",
    PAYER_POLICY,
    Compared("policy_code", ("code",), ("coverage", "prior_auth")),
)
POLICY_REVISIONS = _doc("policy_revisions", "PolicyRevision", PAYER_POLICY)

# --- run-level tables ------------------------------------------------------------------------
DOCUMENTS = Dataset("documents", "schemas.documents:Document")
CHANGE_LOG = Dataset("change_log", "schemas.change_log:ChangeLog")
QUARANTINE = Dataset("quarantine", "schemas.quarantine:Quarantine")
FILE_EVENTS = Dataset("file_events", "schemas.file_events:FileEvent")
RUNS = Dataset("runs", "schemas.runs:Run")

#: Datasets whose rows belong to one document (replaced together, keyed by doc_id), in the
#: order they are written and compared.
DOCUMENT_DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        DOCUMENT_SECTIONS,
        BILLING_CODES,
        CODE_MODIFIERS,
        CODE_PAYERS,
        CODE_POLICY_UPDATES,
        CODE_BENCHMARKS,
        CODE_DOCUMENTATION,
        PAYER_POLICIES,
        POLICY_CODES,
        POLICY_REVISIONS,
    )
}
DATASETS: dict[str, Dataset] = {
    **DOCUMENT_DATASETS,
    **{d.name: d for d in (DOCUMENTS, CHANGE_LOG, QUARANTINE, FILE_EVENTS, RUNS)},
}


def dataset(name: str) -> Dataset:
    """The registered dataset of that name; `UnknownDataset` for any other."""
    found = DATASETS.get(name)
    if found is None:
        raise UnknownDataset(
            f"no dataset named {name!r} is registered: add it to schemas/datasets.py "
            f"(registered: {', '.join(DATASETS)})"
        )
    return found


def compared_datasets(doc_kind: str) -> list[Dataset]:
    """The datasets the change log compares for a document kind, its primary entity first."""
    return [d for d in DOCUMENT_DATASETS.values() if d.doc_kind == doc_kind and d.compared]
