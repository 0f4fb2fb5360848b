"""Data contract: one pandera model per published dataset (`schemas/<dataset>.py`), the
dataset registry (`schemas.datasets`) and reference data (`schemas.reference`).

The registry imports no model until one is used, so code that needs only dataset names and
reference data, such as extraction workers, does not pay for importing pandas and pandera.
"""

from __future__ import annotations

from schemas.datasets import (
    CHANGE_LOG,
    DATASETS,
    DOCUMENT_DATASETS,
    DOCUMENTS,
    FILE_EVENTS,
    QUARANTINE,
    RUNS,
    Dataset,
)

__all__ = [
    "CHANGE_LOG",
    "DATASETS",
    "DOCUMENTS",
    "DOCUMENT_DATASETS",
    "FILE_EVENTS",
    "QUARANTINE",
    "RUNS",
    "Dataset",
]
