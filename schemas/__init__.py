"""Data contract: one pandera model per published dataset (`schemas/<dataset>.py`), the
dataset registry (`schemas.datasets`) and reference data (`schemas.reference`).

The registry is loaded on first use (PEP 562), so code that needs only the reference data,
such as extraction workers, does not pay for importing pandas and pandera.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name in __all__:
        from schemas import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module 'schemas' has no attribute {name!r}")


if TYPE_CHECKING:  # static names for type checkers; at run time __getattr__ loads them
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
