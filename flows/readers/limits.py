"""Limit checks shared by the readers, each raising a DocumentError a person can act on."""

from __future__ import annotations

from flows.model import DocumentError, Limits


def check_text_size(chars: int, limits: Limits, what: str) -> None:
    """Raise `text_too_large` when a document's text exceeds `limits.max_text_chars`."""
    if chars > limits.max_text_chars:
        raise DocumentError(
            "text_too_large",
            f"The {what} yields more than {limits.max_text_chars:,} characters of text; "
            "split the file or raise the max_text_chars limit if it is genuine.",
        )


def check_file_size(size: int, limits: Limits) -> None:
    """Raise `file_too_large` when the raw file exceeds `limits.max_file_bytes`."""
    if size > limits.max_file_bytes:
        raise DocumentError(
            "file_too_large",
            f"The file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit; "
            "split it or raise the max_file_bytes limit if it is genuine.",
        )
