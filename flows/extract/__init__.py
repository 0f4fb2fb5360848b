"""Extract stage: tell a document's kind, run its parser, and turn a batch of files into
columnar records (one Arrow table per dataset) plus quarantine problems.

Plain Python with no Prefect import; safe to run in worker processes.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow
import pyarrow.ipc

from flows.extract.code_report import extract_code_report
from flows.extract.payer_policy import extract_payer_policy
from flows.ingest import read_source
from flows.model import (
    DOC_KIND_CODE_REPORT,
    DOC_KIND_PAYER_POLICY,
    STAGE_PARSE,
    STAGE_READ,
    DocumentError,
    DocumentText,
    Extraction,
    Limits,
    Problem,
    SourceFile,
)
from flows.readers import read_document, sniff_media_type
from flows.runtime.memory import collector_paused
from flows.textkit.codes import title_code
from schemas.datasets import UnknownDataset
from schemas.reference import payer_registry

_CODE_REPORT_MARKERS = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?(?:summary\s*&\s*overview|summary and overview|billing code overview)",
    re.IGNORECASE | re.MULTILINE,
)


def classify_document(doc: DocumentText, source_path: str) -> str:
    """`code_report` or `payer_policy`, from the folder hint first, then the content."""
    top = source_path.split("/", 1)[0].lower()
    if top == "code_reports":
        return DOC_KIND_CODE_REPORT
    if top == "payer_policies":
        return DOC_KIND_PAYER_POLICY
    head = doc.text[:4000]
    has_title = any(title_code(line) for line in head.splitlines()[:30])
    if has_title and _CODE_REPORT_MARKERS.search(head):
        return DOC_KIND_CODE_REPORT
    return DOC_KIND_PAYER_POLICY


def payer_hint(source_path: str) -> str | None:
    """The payer folder of `payer_policies/<payer_id>/...` when it is a registry id."""
    parts = source_path.split("/")
    if len(parts) >= 3 and parts[0].lower() == "payer_policies":
        candidate = parts[1].lower()
        if candidate in payer_registry().payer_ids:
            return candidate
        return payer_registry().resolve(parts[1].replace("_", " "))
    return None


def extract_document(doc: DocumentText, source_path: str) -> Extraction:
    """Run the parser for the document's kind."""
    kind = classify_document(doc, source_path)
    if kind == DOC_KIND_CODE_REPORT:
        return extract_code_report(doc)
    return extract_payer_policy(doc, source_path=source_path, payer_hint=payer_hint(source_path))


@dataclass(slots=True)
class ExtractedDocument:
    """One file's outcome: its documents-row fields, records by dataset and problems."""

    source: SourceFile
    media_type: str | None
    doc_kind: str | None
    document: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejected: bool = False


def extract_file(source: SourceFile, limits: Limits) -> ExtractedDocument:
    """Read, convert and extract one file. Never raises for bad input: problems are returned.

    A read failure or a whole-document parse problem (record None) rejects the document; a
    record-level problem leaves it published as partial.
    """
    media_type: str | None = None
    try:
        data = read_source(source, limits)
        media_type = sniff_media_type(data, source.source_path)
        if media_type is None:
            raise DocumentError(
                "unsupported_type",
                "The file is not a supported document (text, Markdown, HTML, PDF or DOCX); "
                "convert it to one of those formats or remove it.",
            )
        doc = read_document(data, media_type, limits)
    except DocumentError as exc:
        return ExtractedDocument(
            source,
            media_type,
            None,
            {},
            problems=[Problem(STAGE_READ, exc.reason, exc.message)],
            rejected=True,
        )
    try:
        extraction = extract_document(doc, source.source_path)
    except Exception as exc:
        return ExtractedDocument(
            source,
            media_type,
            None,
            {},
            problems=[
                Problem(
                    STAGE_PARSE,
                    "parser_error",
                    f"The parser failed on this file ({type(exc).__name__}: {exc}); "
                    "report it with the file attached.",
                )
            ],
            rejected=True,
        )
    rejected = any(p.record is None for p in extraction.problems)
    return ExtractedDocument(
        source,
        media_type,
        extraction.doc_kind,
        extraction.document,
        {} if rejected else extraction.records,
        extraction.problems,
        rejected,
    )


def rows_to_table(
    schema: pyarrow.Schema, rows: list[dict[str, Any]], **given: list[Any]
) -> pyarrow.Table:
    """Rows to an Arrow table with `schema`'s columns and types (missing keys are null);
    a column named in `given` (one value per row) is taken from there instead."""
    columns = {
        name: given[name] if name in given else [row.get(name) for row in rows]
        for name in schema.names
    }
    return pyarrow.Table.from_pydict(columns, schema=schema)


def load_arrow_conversion() -> None:
    """Make a one-row table of every type records hold. pyarrow's first conversion from
    Python values sets itself up (imports, type tables): 0.06-0.25 s measured, which a
    worker would otherwise pay inside its first chunk, on the run's critical path."""
    types = {
        "text": (pyarrow.string(), "x"),
        "number": (pyarrow.int64(), 1),
        "flag": (pyarrow.bool_(), True),
        "day": (pyarrow.date32(), date(2000, 1, 1)),
        "money": (pyarrow.decimal128(18, 2), Decimal("1.00")),
    }
    schema = pyarrow.schema([(name, arrow_type) for name, (arrow_type, _) in types.items()])
    rows_to_table(schema, [{name: value for name, (_, value) in types.items()}])


def _records_table(
    schema: pyarrow.Schema, docs: list[ExtractedDocument], dataset: str
) -> pyarrow.Table:
    """The records of `dataset` of every document in `docs` as one table, with doc_id."""
    rows: list[dict[str, Any]] = []
    doc_ids: list[str] = []
    for d in docs:
        records = d.records.get(dataset, ())
        rows.extend(records)
        doc_ids.extend([d.source.doc_id] * len(records))
    return rows_to_table(schema, rows, doc_id=doc_ids)


@dataclass(slots=True)
class ExtractedChunk:
    """A chunk of files extracted together: each file's outcome (records moved out) and
    the records of every dataset as one Arrow table, tagged with doc_id.

    Columnar results are what worker processes send back: far cheaper to pickle than
    millions of dicts.
    """

    documents: list[ExtractedDocument]
    tables: dict[str, pyarrow.Table]
    #: Where the tables wait as Arrow IPC files (`spill`), until `load` reads them back.
    folder: Path | None = None

    def spill(self, folder: Path) -> ExtractedChunk:
        """This chunk with its tables written to Arrow IPC files in `folder`: what a worker
        returns. Its result passes through a pipe to the flow's process, and ~2.5 MB of
        tables per 250 files kept the worker waiting ~20 ms per chunk (~10 % of its time)
        while that process, validating the last batch, read them 64 KB at a time."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            with pyarrow.ipc.new_file(str(folder / f"{name}.arrow"), table.schema) as writer:
                writer.write_table(table)
        return ExtractedChunk(self.documents, {}, folder)

    def load(self) -> ExtractedChunk:
        """The chunk with its spilled tables read back into memory and their files removed
        (a spilled chunk is read once); a chunk that was not spilled as it is."""
        if self.folder is None:
            return self
        tables = {}
        for path in sorted(self.folder.glob("*.arrow")):
            with pyarrow.OSFile(str(path)) as source:
                tables[path.stem] = pyarrow.ipc.open_file(source).read_all()
        shutil.rmtree(self.folder)
        return ExtractedChunk(self.documents, tables)


def extract_chunk(
    files: list[SourceFile],
    limits: Limits,
    schemas: dict[str, pyarrow.Schema],
    spill_to: Path | None = None,
) -> ExtractedChunk:
    """Extract `files` and make one table per dataset in `schemas` (all fields nullable:
    the checks decide later); with `spill_to`, the tables are left there (`spill`)."""
    with collector_paused():
        docs = [extract_file(f, limits) for f in files]
        chunk = records_tables(docs, schemas)
    return chunk if spill_to is None else chunk.spill(spill_to)


def records_tables(
    docs: list[ExtractedDocument], schemas: dict[str, pyarrow.Schema]
) -> ExtractedChunk:
    """The records of `docs` as one table per dataset in `schemas`, tagged with doc_id;
    the records are moved out of `docs`."""
    unknown = {name for d in docs for name in d.records} - schemas.keys()
    if unknown:
        raise UnknownDataset(
            f"records under {sorted(unknown)}, which no registered dataset is: name datasets "
            "by their constants in schemas/datasets.py (a new dataset is registered there)"
        )
    tables = {name: _records_table(schema, docs, name) for name, schema in schemas.items()}
    for d in docs:
        d.records = {}
    return ExtractedChunk(docs, tables)
