"""The dataset registry: every published dataset with its pandera model and Arrow schema."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa
import pyarrow

from schemas.base import arrow_schema
from schemas.billing_codes import BillingCode
from schemas.change_log import ChangeLog
from schemas.code_benchmarks import CodeBenchmark
from schemas.code_documentation import CodeDocumentation
from schemas.code_modifiers import CodeModifier
from schemas.code_payers import CodePayer
from schemas.code_policy_updates import CodePolicyUpdate
from schemas.document_sections import DocumentSection
from schemas.documents import Document
from schemas.file_events import FileEvent
from schemas.payer_policies import PayerPolicy
from schemas.policy_codes import PolicyCode
from schemas.policy_revisions import PolicyRevision
from schemas.quarantine import Quarantine
from schemas.runs import Run


@dataclass(frozen=True)
class Dataset:
    """A published table: its name (= output folder), model and Arrow schema."""

    name: str
    model: type[pa.DataFrameModel]

    @property
    def arrow(self) -> pyarrow.Schema:
        return arrow_schema(self.model)

    @property
    def columns(self) -> list[str]:
        return list(self.model.to_schema().columns)


#: Datasets whose rows belong to one document (replaced together, keyed by doc_id).
DOCUMENT_DATASETS = {
    d.name: d
    for d in [
        Dataset("document_sections", DocumentSection),
        Dataset("billing_codes", BillingCode),
        Dataset("code_modifiers", CodeModifier),
        Dataset("code_payers", CodePayer),
        Dataset("code_policy_updates", CodePolicyUpdate),
        Dataset("code_benchmarks", CodeBenchmark),
        Dataset("code_documentation", CodeDocumentation),
        Dataset("payer_policies", PayerPolicy),
        Dataset("policy_codes", PolicyCode),
        Dataset("policy_revisions", PolicyRevision),
    ]
}
DOCUMENTS = Dataset("documents", Document)
CHANGE_LOG = Dataset("change_log", ChangeLog)
QUARANTINE = Dataset("quarantine", Quarantine)
FILE_EVENTS = Dataset("file_events", FileEvent)
RUNS = Dataset("runs", Run)

DATASETS: dict[str, Dataset] = {
    **DOCUMENT_DATASETS,
    **{d.name: d for d in [DOCUMENTS, CHANGE_LOG, QUARANTINE, FILE_EVENTS, RUNS]},
}
