"""The versions of each series, oldest first: by version date, then by when we first saw
them (see DESIGN.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow
import pyarrow.compute as pc

from schemas.datasets import DOCUMENTS

if TYPE_CHECKING:
    from flows.publish import TableStore


def version_order_key(doc: dict[str, Any]) -> tuple[Any, ...]:
    """Versions sort by version date (effective date, else last review; see DESIGN.md),
    then by when we first saw them; undated versions sort by first_seen_at alone, last.
    Versions first seen in the same run fall back to their path (`..._v1` before `..._v2`),
    then to doc_id, so the order never depends on the order files were read."""
    version = doc.get("version_date") or doc.get("effective_date")
    return (
        version is None,
        version or date.min,
        doc["first_seen_at"],
        doc.get("source_path") or "",
        doc["doc_id"],
    )


#: What ordering and labelling versions needs from `documents` (read nothing more: at
#: 60,000 documents every extra column is tens of megabytes of Python objects).
VERSION_COLUMNS = (
    "doc_id",
    "series_key",
    "doc_kind",
    "status",
    "version_date",
    "effective_date",
    "first_seen_at",
    "source_path",
)


def ordered_versions(store: TableStore, series: Iterable[str]) -> pyarrow.Table:
    """The published, non-rejected versions of `series` (VERSION_COLUMNS), grouped by
    series and oldest first within each: `version_order_key`'s order, sorted in Arrow so
    no Python object is made per document."""
    wanted = pyarrow.array(sorted(set(series)), pyarrow.string())
    where = pc.field("series_key").isin(wanted) & (pc.field("status") != "rejected")
    docs = store.read(DOCUMENTS.name, list(VERSION_COLUMNS), where=where)
    version = pc.coalesce(docs.column("version_date"), docs.column("effective_date"))
    keyed = docs.append_column("_undated", pc.is_null(version)).append_column("_version", version)
    order = pc.sort_indices(
        keyed,
        # source_path is never null (documents.source_path is required), so nulls-first
        # here never has to agree with the Python key's `or ""`.
        sort_keys=[
            (column, "ascending", "at_start")
            for column in (
                "series_key",
                "_undated",
                "_version",
                "first_seen_at",
                "source_path",
                "doc_id",
            )
        ],
    )
    return docs.take(order)


def series_versions(store: TableStore, series: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The published, non-rejected versions of each series, oldest first."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ordered_versions(store, series).to_pylist():
        out[row["series_key"]].append(row)
    return dict(out)
