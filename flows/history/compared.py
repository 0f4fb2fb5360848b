"""What is compared between the versions of a series (from the dataset registry), and
reading those columns of the compared datasets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pyarrow
import pyarrow.compute as pc

from schemas.datasets import CODE_REPORT, PAYER_POLICY, compared_datasets

if TYPE_CHECKING:
    from flows.publish import TableStore

#: What is compared between versions, per document kind (from the dataset registry):
#: dataset, entity name, the columns that identify an entity within a version, and the
#: fields whose change is reported; the kind's primary entity first.
COMPARED: dict[str, list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]] = {
    kind: [
        (d.name, d.compared.entity, d.compared.key, d.compared.fields)
        for d in compared_datasets(kind)
        if d.compared is not None
    ]
    for kind in (CODE_REPORT, PAYER_POLICY)
}
#: The dataset of each kind's primary entity: all a first version's change-log row needs.
PRIMARY_DATASETS = frozenset(compared[0][0] for compared in COMPARED.values())


def _columns_of(dataset: str) -> list[str] | None:
    for compared in COMPARED.values():
        for name, _, keys, fields in compared:
            if name == dataset:
                return ["doc_id", *keys, *fields]
    return None


def records_of(
    store: TableStore,
    doc_ids: list[str],
    datasets: Iterable[str] | None = None,
) -> dict[str, dict[str, list]]:
    """Records of the compared datasets (or of `datasets`) for a few `doc_ids`, grouped by
    doc_id (the change log itself is computed in Arrow: `change_rows`)."""
    by_doc: dict[str, dict[str, list]] = {d: defaultdict(list) for d in doc_ids}
    if not doc_ids:
        return by_doc
    value_set = pyarrow.array(sorted(doc_ids), pyarrow.string())
    if datasets is None:
        datasets = {dataset for compared in COMPARED.values() for dataset, *_ in compared}
    for dataset in sorted(set(datasets)):
        where = pc.field("doc_id").isin(value_set)
        table = store.read(dataset, _columns_of(dataset), where=where)
        for row in table.to_pylist():
            by_doc[row["doc_id"]][dataset].append(row)
    return by_doc


def compared_records(
    store: TableStore, versions: pyarrow.Table
) -> Callable[[str], pyarrow.Table | None]:
    """A reader of the compared columns of a compared dataset, cut to the documents that
    need them: the primary datasets for every version, the others only for the versions of
    series with several (a first version is one `added` row); None when none does. One
    dataset at a time, so only one is in memory."""
    counts = versions.group_by("series_key").aggregate([("doc_id", "count")])
    several = counts.filter(pc.greater(counts.column("doc_id_count"), 1)).column("series_key")
    in_several = pc.is_in(versions.column("series_key"), value_set=several)
    multi = versions.filter(in_several).column("doc_id")

    def read(dataset: str) -> pyarrow.Table | None:
        needed = versions.column("doc_id") if dataset in PRIMARY_DATASETS else multi
        if len(needed) == 0:
            return None
        where = pc.field("doc_id").isin(needed.combine_chunks())
        return store.read(dataset, _columns_of(dataset), where=where)

    return read
