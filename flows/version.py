"""The parser version stamped on every document: the package version plus a hash of the code
and reference data that shape extracted rows, so a change to either re-extracts documents."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE_VERSION = "0.1.0"
_ROOT = Path(__file__).resolve().parent.parent
#: What shapes extracted rows: whole packages, plus the plain types the stages hand each other.
#: tests/test_version.py checks that every module `flows.extract` loads lies in one of them.
_INPUTS = ("flows/extract", "flows/readers", "flows/textkit", "schemas", "flows/model.py")


@cache
def parser_version() -> str:
    """`0.1.0+<12 hex>`; stable across machines for the same source tree."""
    digest = hashlib.sha256()
    for entry in _INPUTS:
        base = _ROOT / entry
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for path in files:
            if path.is_file() and path.suffix in {".py", ".csv", ".toml"}:
                digest.update(path.relative_to(_ROOT).as_posix().encode())
                # Line endings normalised so a Windows checkout stamps the same version.
                digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return f"{PACKAGE_VERSION}+{digest.hexdigest()[:12]}"
