"""Plain data types the stages hand to each other: files, decoded text, problems,
extractions, and what a run plans, makes of each batch and sums up.

No I/O and no third-party imports (the dataset registry names the document kinds), so
every stage (and every test) can use them.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.datasets import CODE_REPORT, PAYER_POLICY

# Stages named in quarantine rows (the data contract's `stage` column).
STAGE_DISCOVER = "discover"
STAGE_READ = "read"
STAGE_PARSE = "parse"
STAGE_VALIDATE = "validate"

# Document kinds: named once, in the dataset registry.
DOC_KIND_CODE_REPORT = CODE_REPORT
DOC_KIND_PAYER_POLICY = PAYER_POLICY


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file or a record, bound for the `quarantine` table.

    `reason` is a stable machine code (`empty_file`, `decode_error`, `check_failed:<check>`);
    `message` is a sentence a person can act on.
    """

    stage: str
    reason: str
    message: str
    record: dict[str, Any] | None = None


class DocumentError(Exception):
    """A file that cannot be turned into text; carries the quarantine reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    """Size and time limits for untrusted documents (all configurable via settings)."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_text_chars: int = 5_000_000
    max_pdf_pages: int = 500
    pdf_seconds: float = 30.0
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_zip_ratio: float = 200.0


@dataclass(slots=True)
class DocumentText:
    """A document converted to normalised text (LF line endings) with its provenance.

    Readers render structure as plain lines so that field extraction is format-agnostic:
    a heading as `#`-prefixed line (`## Coverage Rationale`), a table row as a pipe row
    (`| 47383 | Ablation |`), a row spanning the whole table as a single-cell pipe row,
    a list item as `- item`. `page_starts` holds the character offset at which each
    page begins (PDF only; page numbers are 1-based).
    """

    text: str
    media_type: str
    page_starts: list[int] | None = None

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding character `offset`, or None for unpaged formats."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


@dataclass(slots=True)
class Extraction:
    """What one parser found in one document.

    `document` holds the parser's fields for the `documents` row (title, payer_id,
    primary_code, effective_date, series_key, ...). `records` maps a dataset name to
    its rows (without doc_id, which the caller adds). `problems` are parse-stage
    quarantine entries; a document with problems is still published as `partial`.
    """

    doc_kind: str
    document: dict[str, Any] = field(default_factory=dict)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, dataset: str, row: dict[str, Any]) -> None:
        self.records.setdefault(dataset, []).append(row)


# --- files and runs ------------------------------------------------------------------------

#: What says a file is unchanged without reading it: (size, mtime_ns, ctime_ns, inode,
#: device). Any write to a file sets its ctime to the present, which no user can set back.
Stamp = tuple[int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A readable regular file under the sources root, hashed. `path` is the absolute path
    as a string: 60,000 `Path` objects cost ~25 MB and are slow to send to workers."""

    source_path: str
    path: str
    byte_size: int
    doc_id: str
    #: (size, mtime_ns, ctime_ns, inode, device) when hashed: see `load_hashes`.
    stamp: Stamp | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A path found under the root that will not be read, and why."""

    source_path: str
    problem: Problem
    doc_id: str | None = None


@dataclass(slots=True)
class Plan:
    """What a run will do: the files found, which need extraction, and file events."""

    files: list[SourceFile]
    refusals: list[Refusal]
    to_extract: list[SourceFile]
    unchanged: int
    known_first_seen: dict[str, datetime]
    file_events: list[dict[str, Any]]
    #: Files whose hash an earlier run took, not read again (see flows.ingest.Stamp).
    hashes_reused: int = 0
    #: When discovery began (ns since the epoch): the racy-clean guard's reference.
    discovered_at: int = 0

    def batches(self, size: int) -> list[list[SourceFile]]:
        return [self.to_extract[i : i + size] for i in range(0, len(self.to_extract), size)]


@dataclass(slots=True)
class BatchResult:
    """What one batch produced. Its validated tables are staged on disk (see
    flows.publish.Staging); this keeps their row counts, the quarantine rows, and the
    document outcomes the run summary needs."""

    rows: dict[str, int]
    quarantine: list[dict[str, Any]]
    statuses: Counter[str] = field(default_factory=Counter)
    rejected: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunSummary:
    run_id: str
    status: str
    files_seen: int
    files_new: int
    files_unchanged: int
    files_quarantined: int
    files_removed: int
    records_quarantined: int
    documents: dict[str, int]
    table_rows: dict[str, int]
    table_versions: dict[str, int | None]
    tables_written: list[str]
    started_at: datetime
    finished_at: datetime
    change_count: int = 0

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
