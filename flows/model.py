"""Plain data types the stages hand to each other: files, decoded text, problems, extractions.

No I/O and no third-party imports, so every stage (and every test) can use them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

# Stages named in quarantine rows (the data contract's `stage` column).
STAGE_DISCOVER = "discover"
STAGE_READ = "read"
STAGE_PARSE = "parse"
STAGE_VALIDATE = "validate"

DOC_KIND_CODE_REPORT = "code_report"
DOC_KIND_PAYER_POLICY = "payer_policy"


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
