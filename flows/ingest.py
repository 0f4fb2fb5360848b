"""Ingest stage: find the files under a sources root, refuse what must not be read, hash the
rest (sha256 of the raw bytes = doc_id; kept between runs while a file's stamp holds) and
read a file's bytes back for extraction."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path

from flows.model import STAGE_DISCOVER, DocumentError, Limits, Problem, Refusal, SourceFile, Stamp

#: Names skipped at any depth (editor and OS litter) and at the root (the inbox's own README).
IGNORED_NAMES = (".*", "~$*", "Thumbs.db")
IGNORED_AT_ROOT = ("README.md",)


#: Hashes taken by an earlier run: (stamp, doc_id) by source path.
Known = Mapping[str, tuple[Stamp, str]]

#: A file changed this close (seconds) before discovery began may change again within the
#: same timestamp tick (FAT and some network shares have 1-2 s ticks) after it was hashed:
#: its hash is not kept for the next run ("racily clean" in git).
RACY_SECONDS = 2.0

#: `read_source`'s reason when a file's bytes no longer match the hash taken at discovery.
REASON_CHANGED_DURING_RUN = "changed_during_run"

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _stamp(info: os.stat_result) -> Stamp:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def _entry(value: object) -> tuple[Stamp, str] | None:
    """A cache entry, [size, mtime_ns, ctime_ns, inode, device, doc_id], checked."""
    if not (isinstance(value, list) and len(value) == 6):
        return None
    *numbers, doc_id = value
    if not all(type(n) is int for n in numbers):
        return None
    if not (isinstance(doc_id, str) and _HEX64.fullmatch(doc_id)):
        return None
    size, mtime, ctime, inode, device = numbers
    return (size, mtime, ctime, inode, device), doc_id


def load_hashes(cache: Path, root: Path) -> dict[str, tuple[Stamp, str]]:
    """The hashes `save_hashes` kept for the files under `root`; empty when there are none.
    The cache is only a shortcut: a missing, damaged or foreign one (another sources root)
    means every file is read and hashed; a malformed entry is ignored."""
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(saved, dict) or saved.get("root") != str(root.resolve()):
        return {}
    files = saved.get("files")
    if not isinstance(files, dict):
        return {}
    out = {}
    for path, value in files.items():
        entry = _entry(value)
        if entry is not None:
            out[path] = entry
    return out


def save_hashes(cache: Path, root: Path, files: list[SourceFile], discovered_at: int) -> None:
    """Keep the hashes of `files` for the next run's `discover_files` (atomically), except
    those of files changed within RACY_SECONDS before `discovered_at` (ns since the epoch,
    taken just before the walk that hashed them) or later."""
    recent = discovered_at - int(RACY_SECONDS * 1e9)
    entries = {
        f.source_path: [*f.stamp, f.doc_id]
        for f in files
        if f.stamp is not None and max(f.stamp[1], f.stamp[2]) < recent
    }
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(
            json.dumps({"root": str(root.resolve()), "files": entries}), encoding="utf-8"
        )
        os.replace(tmp, cache)
    finally:
        tmp.unlink(missing_ok=True)


_IGNORED = re.compile("|".join(fnmatch.translate(pattern) for pattern in IGNORED_NAMES))


def discover_files(
    root: Path, limits: Limits, known: Known | None = None
) -> tuple[list[SourceFile], list[Refusal]]:
    """Walk `root` (never following symlinks out of it) and hash every acceptable file,
    except a file whose stamp is the one `known` has for its path: it keeps that hash.

    Returns the files sorted by source path, and a refusal for every path that cannot be
    read: symlinks that resolve outside the root, broken links, special files, files over
    `limits.max_file_bytes`, empty files and files that vanish or fail to open.
    """
    known = known or {}
    root = root.resolve()
    found: list[SourceFile] = []
    refused: list[Refusal] = []
    folders = [("", str(root))]  # (source_path prefix, absolute folder)
    while folders:
        prefix, folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            refused.append(Refusal(prefix.rstrip("/") or ".", _unreadable(exc)))
            continue
        for entry in entries:
            name = entry.name
            if _IGNORED.match(name) or (not prefix and name in IGNORED_AT_ROOT):
                continue
            rel = prefix + name
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(root):
                    refused.append(_refuse_outside(rel))
                    continue
                if target.is_dir():
                    # A linked folder inside the root is never walked: its files are found
                    # through their real path.
                    continue
            elif entry.is_dir(follow_symlinks=False):
                folders.append((rel + "/", entry.path))
                continue
            outcome = _inspect(entry, rel, limits, known.get(rel))
            if isinstance(outcome, SourceFile):
                found.append(outcome)
            else:
                refused.append(outcome)
    found.sort(key=lambda f: f.source_path)
    refused.sort(key=lambda r: r.source_path)
    return found, refused


def _refuse_outside(rel: str) -> Refusal:
    return Refusal(
        rel,
        Problem(
            STAGE_DISCOVER,
            "outside_sources_root",
            "This is a symbolic link to a location outside the sources root; it was not "
            "followed. Copy the file into the sources folder if it should be processed.",
        ),
    )


def _inspect(
    entry: os.DirEntry[str], rel: str, limits: Limits, known: tuple[Stamp, str] | None
) -> SourceFile | Refusal:
    try:
        info = entry.stat()  # follows a symlink, already checked to stay inside the root
    except FileNotFoundError:
        return Refusal(
            rel,
            Problem(
                STAGE_DISCOVER,
                "broken_link",
                "This symbolic link points to a file that does not exist; fix or remove it.",
            ),
        )
    except OSError as exc:
        return Refusal(rel, _unreadable(exc))
    if not stat.S_ISREG(info.st_mode):
        return Refusal(
            rel,
            Problem(
                STAGE_DISCOVER,
                "not_a_regular_file",
                "This is a device, pipe or socket, not a document file; remove it from the "
                "sources folder.",
            ),
        )
    if info.st_size > limits.max_file_bytes:
        return Refusal(
            rel,
            Problem(
                STAGE_DISCOVER,
                "file_too_large",
                f"The file is {info.st_size:,} bytes, over the {limits.max_file_bytes:,}-byte "
                "limit (POLICY_ETL_MAX_FILE_BYTES); split it or raise the limit if it is genuine.",
                {"byte_size": info.st_size},
            ),
        )
    stamp: Stamp | None = _stamp(info)
    if known is not None and known[0] == stamp:
        return SourceFile(rel, entry.path, info.st_size, known[1], stamp)
    try:
        data = read_bytes(entry.path, limits)
    except DocumentError as exc:
        return Refusal(rel, Problem(STAGE_DISCOVER, exc.reason, exc.message))
    try:
        after = os.stat(entry.path)
    except OSError:
        after = None
    if after is None or _stamp(after) != stamp:
        stamp = None  # written while we read it: hash it again next time
    return SourceFile(rel, entry.path, len(data), hashlib.sha256(data).hexdigest(), stamp)


def _unreadable(exc: OSError) -> Problem:
    return Problem(
        STAGE_DISCOVER,
        "unreadable_file",
        f"The file could not be opened ({exc.strerror or exc}); check its permissions.",
    )


def read_bytes(path: str | Path, limits: Limits) -> bytes:
    """Read a file's bytes, never more than the size limit (the file may grow meanwhile)."""
    try:
        # A raw descriptor, not open(): no file object or buffer to set up per small file.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            # Ask for the file's size (+1 to see growth), not the limit: read(n) allocates n
            # bytes up front, 50 MB per small file otherwise.
            size = os.fstat(fd).st_size
            data = _read_up_to(fd, min(size, limits.max_file_bytes) + 1)
            if len(data) > size and len(data) <= limits.max_file_bytes:
                data += _read_up_to(fd, limits.max_file_bytes + 1 - len(data))  # it grew
        finally:
            os.close(fd)
    except OSError as exc:
        problem = _unreadable(exc)
        raise DocumentError(problem.reason, problem.message) from exc
    if len(data) > limits.max_file_bytes:
        raise DocumentError(
            "file_too_large",
            f"The file grew past the {limits.max_file_bytes:,}-byte limit while being read.",
        )
    return data


def _read_up_to(fd: int, n: int) -> bytes:
    """Up to `n` bytes from `fd`, fewer only at end of file (what a buffered `read(n)` gives)."""
    data = os.read(fd, n)
    if len(data) in (0, n):
        return data
    chunks = [data]
    got = len(data)
    while got < n and (chunk := os.read(fd, n - got)):
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_source(source: SourceFile, limits: Limits) -> bytes:
    """The file's bytes, checked against the hash taken at discovery."""
    data = read_bytes(source.path, limits)
    if hashlib.sha256(data).hexdigest() != source.doc_id:
        raise DocumentError(
            REASON_CHANGED_DURING_RUN,
            "The file changed while the run was reading it; the next run will pick up the "
            "new content.",
        )
    if not data:
        raise DocumentError("empty_file", "The file is empty (0 bytes); re-export it or remove it.")
    return data


__all__ = ["Refusal", "SourceFile", "discover_files", "read_bytes", "read_source"]
