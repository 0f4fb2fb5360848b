"""Publish stage: write datasets as Delta tables under the output folder.

Each write is one Delta commit carrying the run_id in its commit metadata, and a write that
would change nothing is skipped, so a rerun over unchanged sources adds no version. Rows are
replaced by key (doc_id, series_key), which also makes a crashed run's partial writes harmless:
the next run replaces them instead of adding duplicates.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow
import pyarrow.compute as pc
import pyarrow.dataset
import pyarrow.ipc
from deltalake import CommitProperties, DeltaTable, WriterProperties, write_deltalake

from flows.runtime.memory import release_memory
from schemas.datasets import DATASETS, VOLATILE_COLUMNS, Dataset

TABLE_CONFIGURATION = {"delta.enableChangeDataFeed": "true"}
#: Parquet files of about this size: the writer buffers a file in memory before flushing it,
#: so this bounds publish memory (larger files can be made later with optimize.compact()).
#: 8 MB and 16k-row groups instead of 32 MB and 64k: -40 MiB at the peak of a 60,000-file
#: publish, no slower.
TARGET_FILE_SIZE = 8 * 1024 * 1024
#: A row group is buffered whole before it is written.
WRITER_PROPERTIES = WriterProperties(max_row_group_size=16_384, compression="ZSTD")
#: Keys whose current and new rows are compared together before a table rewrite.
COMPARED_KEYS_PER_STEP = 10_000
#: Replacing the rows of more keys than this rewrites the table instead of using a
#: `key IN (...)` predicate: deltalake 1.6 takes seconds and gigabytes for a predicate of
#: 20,000 values and crashes (SIGSEGV) at 50,000, as after a parser upgrade of a large corpus.
PREDICATE_MAX_KEYS = 2000


class Rows:
    """Rows to publish: an in-memory table, or Arrow IPC files staged by the batches of a
    run and streamed into Delta, so a large run never holds all its rows in memory."""

    def __init__(
        self,
        schema: pyarrow.Schema,
        table: pyarrow.Table | None = None,
        files: Iterable[Path] = (),
    ) -> None:
        self.schema = schema
        self._table = table
        self._files = list(files)

    @property
    def num_rows(self) -> int:
        if self._table is not None:
            return self._table.num_rows
        return sum(_ipc_rows(path) for path in self._files)

    def reader(self) -> pyarrow.RecordBatchReader:
        if self._table is not None:
            return pyarrow.RecordBatchReader.from_batches(self.schema, self._table.to_batches())
        return pyarrow.RecordBatchReader.from_batches(self.schema, self._batches())

    def _batches(self) -> Iterator[pyarrow.RecordBatch]:
        for path in self._files:
            with pyarrow.memory_map(str(path)) as source:
                file = pyarrow.ipc.open_file(source)
                for i in range(file.num_record_batches):
                    yield file.get_batch(i).cast(self.schema)

    def table(self) -> pyarrow.Table:
        if self._table is not None:
            return self._table
        return pyarrow.Table.from_batches(list(self._batches()), schema=self.schema)

    def where(self, key: str, values: pyarrow.Array) -> pyarrow.Table:
        """The rows whose `key` is in `values` (filtered batch by batch when staged)."""
        if self._table is not None:
            return self._table.filter(pc.is_in(self._table.column(key), value_set=values))
        parts = [b.filter(pc.is_in(b.column(key), value_set=values)) for b in self._batches()]
        return pyarrow.Table.from_batches(parts, schema=self.schema)


def _ipc_rows(path: Path) -> int:
    with pyarrow.memory_map(str(path)) as source:
        file = pyarrow.ipc.open_file(source)
        return sum(file.get_batch(i).num_rows for i in range(file.num_record_batches))


class Staging:
    """Where a run's batches spill their validated tables (Arrow IPC files) until publish.

    Lives under the output folder (`.staging/<run_id>/`) so it is on the same disk, and is
    removed once the run has published; a crashed run's leftovers are removed by the next.
    """

    def __init__(self, output: Path, run_id: str) -> None:
        # Absolute: workers spill here, and a worker's working folder may not be ours.
        self.base = Path(output).absolute() / ".staging"
        self.root = self.base / run_id

    def write(self, name: str, table: pyarrow.Table, batch: int) -> None:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        with pyarrow.ipc.new_file(str(folder / f"batch-{batch:06d}.arrow"), table.schema) as w:
            w.write_table(table, max_chunksize=65_536)

    def chunk(self, batch: int, chunk: int, attempt: int | str) -> Path:
        """The folder a worker spills the tables of one chunk of a batch to (see
        flows.extract.ExtractedChunk.spill); the flow's process removes it on reading. One
        per attempt: a worker of a failed attempt may still be writing to its own."""
        return self.root / "chunks" / f"batch-{batch:06d}-{chunk:04d}-{attempt}"

    def rows(self, dataset: Dataset) -> Rows:
        folder = self.root / dataset.name
        files = sorted(folder.glob("batch-*.arrow")) if folder.is_dir() else []
        return Rows(dataset.arrow, files=files)

    def remove(self, everything: bool = False) -> None:
        """Remove this run's staging folder (with `everything`, every run's)."""
        target = self.base if everything else self.root
        if target.exists():
            shutil.rmtree(target)
        if self.base.exists() and not any(self.base.iterdir()):
            self.base.rmdir()  # leave no empty folder behind in the output


#: The value an older table's rows get in a non-nullable column the contract added (the
#: parser upgrade that comes with the column then re-extracts and replaces those rows).
ADDED_COLUMN_DEFAULTS: dict[str, Any] = {"prior_auth": "unknown", "from_range": False}


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

    def read(
        self, name: str, columns: list[str] | None = None, where: pc.Expression | None = None
    ) -> pyarrow.Table:
        """The table's current rows (an empty table of the contract's schema if absent);
        with `where`, only the rows it selects, filtered while scanning."""
        table = self.table(name)
        if table is None:
            schema = DATASETS[name].arrow
            if columns:
                schema = pyarrow.schema([schema.field(c) for c in columns])
            return schema.empty_table()
        if where is not None:
            return table.to_pyarrow_dataset().to_table(columns=columns, filter=where)
        return table.to_pyarrow_table(columns=columns)

    def holds_run(self, name: str, run_id: str) -> bool:
        """Whether the table has a row of run `run_id` (a retried publish checks before it
        appends a run's rows a second time)."""
        recorded = self.read(name, ["run_id"]).column("run_id")
        return bool(pc.any(pc.equal(recorded, run_id)).as_py())

    def _commit(self, run_id: str, operation: str) -> CommitProperties:
        return CommitProperties(custom_metadata={"run_id": run_id, "policy_etl.op": operation})

    def migrate(self, datasets: Iterable[Dataset], run_id: str) -> list[str]:
        """Bring tables written under an older data contract to the current one, in one
        commit each: columns the contract added are filled with nulls (with
        `ADDED_COLUMN_DEFAULTS` where the column takes none), columns it made nullable are
        relaxed (Delta cannot append nulls to a non-nullable column), columns it dropped are
        dropped. Returns the tables migrated; a table already on the contract, or missing, is
        not touched. The table is read whole: a migration is once per contract change."""
        migrated = []
        for dataset in datasets:
            table = self.table(dataset.name)
            if table is None:
                continue
            current = table.schema().to_arrow()
            wanted = dataset.arrow
            if pyarrow.schema(current) == wanted:
                continue
            rows = table.to_pyarrow_table()
            columns = {
                name: rows.column(name).cast(wanted.field(name).type)
                if name in rows.column_names
                else pyarrow.array(
                    [ADDED_COLUMN_DEFAULTS.get(name)] * rows.num_rows, wanted.field(name).type
                )
                for name in wanted.names
            }
            write_deltalake(
                table,
                pyarrow.Table.from_pydict(columns, schema=wanted),
                mode="overwrite",
                schema_mode="overwrite",
                commit_properties=self._commit(run_id, "migrate"),
            )
            migrated.append(dataset.name)
        return migrated

    def create_missing(self, datasets: Iterable[Dataset], run_id: str) -> list[str]:
        """Create empty tables so readers always find every dataset; returns those created.
        A run calls it after its writes: a table it writes rows to is created by that write,
        in one commit."""
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
        self,
        dataset: Dataset,
        rows: pyarrow.Table | Rows,
        key: str,
        keys: set[str],
        run_id: str,
        volatile: frozenset[str] = VOLATILE_COLUMNS,
    ) -> bool:
        """Make the rows whose `key` is in `keys` exactly `rows`, in one commit.

        Appends when none of `keys` is present yet (streaming staged rows; the first write
        creates the table). When some are, writes nothing if their rows equal `rows` but for
        the `volatile` columns; else, with up to PREDICATE_MAX_KEYS keys, replaces them in
        place (Delta's predicate overwrite, or a delete when `rows` is empty), and with more
        rewrites the table (its other rows, then `rows`, streamed). Returns whether it wrote.
        """
        table = self.table(dataset.name)
        if isinstance(rows, pyarrow.Table):
            rows = Rows(dataset.arrow, rows.select(dataset.columns).cast(dataset.arrow))
        if not keys:
            return False
        if table is None or not self._present(table, key, keys):
            if rows.num_rows == 0:
                return False
            write_deltalake(
                table if table is not None else str(self.path(dataset.name)),
                rows.reader(),
                mode="append",
                # A table's first write creates it: one commit, version 0 holds the rows.
                configuration=TABLE_CONFIGURATION if table is None else None,
                target_file_size=TARGET_FILE_SIZE,
                writer_properties=WRITER_PROPERTIES,
                commit_properties=self._commit(run_id, "append"),
            )
            return True
        if len(keys) > PREDICATE_MAX_KEYS:
            # Too many keys for a predicate: rewrite the table, unless every key's rows are
            # unchanged (a parser upgrade that changes nothing here writes no version).
            if self._same_rows_in_steps(table, dataset, key, keys, rows, volatile):
                return False
            self._rewrite(table, dataset, key, keys, rows, run_id)
            return True
        new_rows = rows.table()
        if self._same_rows(table, dataset, key, keys, new_rows, volatile):
            return False
        if new_rows.num_rows == 0:
            table.delete(in_predicate(key, keys), commit_properties=self._commit(run_id, "delete"))
        else:
            write_deltalake(
                table,
                new_rows,
                mode="overwrite",
                predicate=in_predicate(key, keys),
                commit_properties=self._commit(run_id, "replace"),
            )
        return True

    def append_new(self, dataset: Dataset, rows: pyarrow.Table, key: str, run_id: str) -> int:
        """Append the rows whose `key` is not in the table yet; returns how many."""
        table = self.table(dataset.name)
        rows = rows.select(dataset.columns).cast(dataset.arrow)
        if rows.num_rows == 0:
            return 0
        fresh = rows
        if table is not None:
            existing = table.to_pyarrow_table(columns=[key]).column(key)
            fresh = rows.filter(pc.invert(pc.is_in(rows.column(key), value_set=existing)))
            if fresh.num_rows == 0:
                return 0
        self.append(dataset, fresh, run_id, table)
        return fresh.num_rows

    def append(
        self,
        dataset: Dataset,
        rows: pyarrow.Table,
        run_id: str,
        table: DeltaTable | None = None,
    ) -> None:
        """Append `rows` in one commit; the first write to a table creates it (version 0).
        `table`, if given, is the table as just opened."""
        if table is None:
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
    def _rows_with(
        table: DeltaTable, key: str, keys: set[str], keep: bool
    ) -> pyarrow.dataset.Scanner:
        """A scan of the table's rows whose `key` is in `keys` (or, `keep`, is not)."""
        wanted = pc.field(key).isin(pyarrow.array(sorted(keys), pyarrow.string()))
        # Little read-ahead: a scan of a large table (document_sections after a parser
        # upgrade) otherwise buffers hundreds of megabytes of batches it has yet to filter.
        return table.to_pyarrow_dataset().scanner(
            filter=~wanted if keep else wanted, batch_readahead=2, fragment_readahead=1
        )

    def _same_rows_in_steps(
        self,
        table: DeltaTable,
        dataset: Dataset,
        key: str,
        keys: set[str],
        rows: Rows,
        volatile: frozenset[str],
    ) -> bool:
        """`_same_rows` for many keys, COMPARED_KEYS_PER_STEP at a time (bounded memory)."""
        ordered = sorted(keys)
        for begin in range(0, len(ordered), COMPARED_KEYS_PER_STEP):
            step = ordered[begin : begin + COMPARED_KEYS_PER_STEP]
            new = rows.where(key, pyarrow.array(step, pyarrow.string()))
            same = self._same_rows(table, dataset, key, set(step), new, volatile)
            del new
            release_memory()  # each step's peak, not their sum
            if not same:
                return False
        return True

    def _rewrite(
        self,
        table: DeltaTable,
        dataset: Dataset,
        key: str,
        keys: set[str],
        rows: Rows,
        run_id: str,
    ) -> None:
        """Overwrite the table with its rows outside `keys`, then `rows`, in one commit.
        The kept rows are spilled to an Arrow file first: deltalake cannot read a table
        while it writes to it (nested async runtimes), and they may be most of the table."""
        with tempfile.TemporaryDirectory(dir=self.output, prefix=".rewrite-") as folder:
            spilled = Path(folder) / "kept.arrow"
            with pyarrow.ipc.new_file(str(spilled), dataset.arrow) as writer:
                for batch in self._rows_with(table, key, keys, keep=True).to_batches():
                    writer.write_batch(batch.cast(dataset.arrow))
            kept = Rows(dataset.arrow, files=[spilled])

            def batches() -> Iterator[pyarrow.RecordBatch]:
                yield from kept.reader()
                yield from rows.reader()

            write_deltalake(
                table,
                pyarrow.RecordBatchReader.from_batches(dataset.arrow, batches()),
                mode="overwrite",
                target_file_size=TARGET_FILE_SIZE,
                writer_properties=WRITER_PROPERTIES,
                commit_properties=self._commit(run_id, "rewrite"),
            )

    @classmethod
    def _same_rows(
        cls,
        table: DeltaTable,
        dataset: Dataset,
        key: str,
        keys: set[str],
        rows: pyarrow.Table,
        volatile: frozenset[str],
    ) -> bool:
        """Whether the table's rows for `keys` are `rows`, ignoring the `volatile` columns and
        row order. Both sides are sorted (stably) by key and character span, then compared
        a column at a time, so at most one column is copied at once."""
        current = cls._rows_with(table, key, keys, keep=False).to_table()
        if current.num_rows != rows.num_rows:
            return False
        spans = (key, "section_ordinal", "char_start", "char_end")
        order_by = [c for c in spans if c in rows.column_names]
        order_current, order_rows = (_order(t, order_by) for t in (current, rows))
        for name in rows.column_names:
            if name in volatile:
                continue
            kind = dataset.arrow.field(name).type
            before = current.column(name).cast(kind).take(order_current)
            if not before.equals(rows.column(name).cast(kind).take(order_rows)):
                return False
        return True


def _order(table: pyarrow.Table, columns: list[str]) -> pyarrow.Array:
    """Row order of `table` by `columns` (nulls first); stable, so rows equal on them keep
    the order they were written in (extraction order, the same on every run)."""
    return pc.sort_indices(table, sort_keys=[(c, "ascending", "at_start") for c in columns])


def in_predicate(column: str, values: Iterable[str]) -> str:
    """A Delta SQL predicate `column IN ('a', 'b')` with quotes escaped."""
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))
    return f"{column} IN ({quoted})"
