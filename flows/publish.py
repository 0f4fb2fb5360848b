"""Publish stage: write datasets as Delta tables under the output folder.

Each write is one Delta commit carrying the run_id in its commit metadata, and a write that
would change nothing is skipped, so a rerun over unchanged sources adds no version. Rows are
replaced by key (doc_id, series_key), which also makes a crashed run's partial writes harmless:
the next run replaces them instead of adding duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, write_deltalake

from schemas import DATASETS, Dataset

TABLE_CONFIGURATION = {"delta.enableChangeDataFeed": "true"}


class TableStore:
    """The Delta tables of one output folder."""

    def __init__(self, output: Path) -> None:
        self.output = Path(output)

    def path(self, name: str) -> Path:
        return self.output / name

    def table(self, name: str) -> DeltaTable | None:
        path = self.path(name)
        if not DeltaTable.is_deltatable(str(path)):
            return None
        return DeltaTable(str(path))

    def version(self, name: str) -> int | None:
        table = self.table(name)
        return table.version() if table is not None else None

    def versions(self) -> dict[str, int | None]:
        return {name: self.version(name) for name in DATASETS}

    def read(self, name: str, columns: list[str] | None = None) -> pyarrow.Table:
        """The table's current rows (an empty table of the contract's schema if absent)."""
        table = self.table(name)
        if table is None:
            schema = DATASETS[name].arrow
            if columns:
                schema = pyarrow.schema([schema.field(c) for c in columns])
            return schema.empty_table()
        return table.to_pyarrow_table(columns=columns)

    def _commit(self, run_id: str, operation: str) -> CommitProperties:
        return CommitProperties(custom_metadata={"run_id": run_id, "policy_etl.op": operation})

    def create_missing(self, datasets: Iterable[Dataset], run_id: str) -> list[str]:
        """Create empty tables so readers always find every dataset; returns those created."""
        created = []
        for dataset in datasets:
            if self.table(dataset.name) is None:
                write_deltalake(
                    str(self.path(dataset.name)),
                    dataset.arrow.empty_table(),
                    mode="error",
                    configuration=TABLE_CONFIGURATION,
                    commit_properties=self._commit(run_id, "create"),
                )
                created.append(dataset.name)
        return created

    def replace_rows(
        self, dataset: Dataset, rows: pyarrow.Table, key: str, keys: set[str], run_id: str
    ) -> bool:
        """Make the rows whose `key` is in `keys` exactly `rows`, in one commit.

        Appends when none of `keys` is present yet; replaces in place (Delta's predicate
        overwrite) when some are; deletes when `rows` is empty. Returns whether it wrote.
        """
        table = self.table(dataset.name)
        rows = rows.select(dataset.columns).cast(dataset.arrow)
        if table is None:
            self.create_missing([dataset], run_id)
            table = self.table(dataset.name)
            assert table is not None
        if not keys:
            return False
        present = self._present(table, key, keys)
        if not present:
            if rows.num_rows == 0:
                return False
            write_deltalake(
                table, rows, mode="append", commit_properties=self._commit(run_id, "append")
            )
            return True
        predicate = in_predicate(key, keys)
        if rows.num_rows == 0:
            table.delete(predicate, commit_properties=self._commit(run_id, "delete"))
            return True
        if self._same_rows(table, key, keys, rows):
            return False
        write_deltalake(
            table,
            rows,
            mode="overwrite",
            predicate=predicate,
            commit_properties=self._commit(run_id, "replace"),
        )
        return True

    def append_new(self, dataset: Dataset, rows: pyarrow.Table, key: str, run_id: str) -> int:
        """Append the rows whose `key` is not in the table yet; returns how many."""
        table = self.table(dataset.name)
        rows = rows.select(dataset.columns).cast(dataset.arrow)
        if table is None:
            self.create_missing([dataset], run_id)
            table = self.table(dataset.name)
            assert table is not None
        if rows.num_rows == 0:
            return 0
        existing = table.to_pyarrow_table(columns=[key]).column(key)
        fresh = rows.filter(pc.invert(pc.is_in(rows.column(key), value_set=existing)))
        if fresh.num_rows == 0:
            return 0
        write_deltalake(
            table, fresh, mode="append", commit_properties=self._commit(run_id, "append")
        )
        return fresh.num_rows

    def append(self, dataset: Dataset, rows: pyarrow.Table, run_id: str) -> None:
        table = self.table(dataset.name)
        write_deltalake(
            table if table is not None else str(self.path(dataset.name)),
            rows.select(dataset.columns).cast(dataset.arrow),
            mode="append",
            configuration=TABLE_CONFIGURATION if table is None else None,
            commit_properties=self._commit(run_id, "append"),
        )

    @staticmethod
    def _present(table: DeltaTable, key: str, keys: set[str]) -> set[str]:
        column = table.to_pyarrow_table(columns=[key]).column(key)
        values = pyarrow.array(sorted(keys), type=pyarrow.string())
        hits = pc.is_in(values, value_set=pc.unique(column))
        return set(values.filter(hits).to_pylist())

    @staticmethod
    def _same_rows(table: DeltaTable, key: str, keys: set[str], rows: pyarrow.Table) -> bool:
        current = table.to_pyarrow_table()
        mask = pc.is_in(current.column(key), value_set=pyarrow.array(sorted(keys)))
        current = current.filter(mask)
        if current.num_rows != rows.num_rows:
            return False
        columns = [c for c in rows.column_names if c not in VOLATILE_COLUMNS]
        return _canonical(current, columns) == _canonical(rows, columns)


#: Columns that record when/which run wrote a row; equal content with other values here is
#: still "unchanged" (a recomputed change log must not churn just because the run differs).
VOLATILE_COLUMNS = frozenset({"run_id", "detected_at", "first_seen_at"})


def _canonical(table: pyarrow.Table, columns: list[str]) -> list[tuple[object, ...]]:
    rows = table.select(columns).to_pylist()
    return sorted(tuple(str(row[c]) for c in columns) for row in rows)


def in_predicate(column: str, values: Iterable[str]) -> str:
    """A Delta SQL predicate `column IN ('a', 'b')` with quotes escaped."""
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))
    return f"{column} IN ({quoted})"
