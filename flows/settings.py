"""The one settings object (environment prefix `POLICY_ETL_`), read by the flow and the CLI
and passed down to the stages as arguments; stage code never reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.model import Limits


class Settings(BaseSettings):
    """Defaults make `policy-etl run` work with no settings at all."""

    model_config = SettingsConfigDict(env_prefix="POLICY_ETL_", extra="ignore")

    sources: Path = Field(Path("sources"), description="the inbox folder to read")
    output: Path = Field(Path("output"), description="where the Delta tables are written")
    batch_size: int = Field(2000, ge=1, description="documents per extraction batch (one task)")
    workers: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1),
        ge=1,
        description="processes for CPU-bound extraction; 1 extracts in the flow's process",
    )
    max_file_bytes: int = Field(50 * 1024 * 1024, ge=1, description="larger files are refused")
    max_text_chars: int = Field(5_000_000, ge=1, description="longer extracted texts are refused")
    max_pdf_pages: int = Field(500, ge=1, description="PDFs with more pages are refused")
    pdf_seconds: float = Field(30.0, gt=0, description="time limit for one PDF's text")
    max_unzipped_bytes: int = Field(100 * 1024 * 1024, ge=1, description="DOCX unzipped limit")
    reports_dir: str = Field("reports", description="folder under output for run reports")
    trust_stamps: bool = Field(
        # Windows reports a file's creation time as its ctime: a rewrite can keep the stamp.
        default_factory=lambda: os.name != "nt",
        description="reuse a file's hash from the last run while its size, modification and "
        "change times, inode and device are the same; false reads and hashes every file "
        "(set it for sources on FAT, FUSE or NFS mounts, whose times may not move on a write)",
    )

    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=self.max_file_bytes,
            max_text_chars=self.max_text_chars,
            max_pdf_pages=self.max_pdf_pages,
            pdf_seconds=self.pdf_seconds,
            max_unzipped_bytes=self.max_unzipped_bytes,
        )
