"""Instructions the extraction stage executes on a sample of files (a script, not a test).

    uv run python bench/instructions.py SOURCES [--files 1000] [--kind payer_policies]

Counts with valgrind's callgrind, which counts instructions, not seconds: the same code on
the same files gives the same count (within ~0.5 %, with PYTHONHASHSEED=0) however busy the
machine is, where timings on a shared 2-core VM move by a third. Use it to compare two
versions of the extractors: run it on each, with the same SOURCES and options.

The sample is every n-th file of SOURCES (optionally of one kind), extracted as a worker
does (`extract_file` in chunks with the cycle collector paused), from cold memos. The count
is that run's minus a run that starts like a worker (imports, reference data) and extracts
nothing; ~50x slower than a plain run, so a 1,000-file sample takes ~1 min.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def extract(sample: Path) -> None:
    """Extract the pickled files as a worker does (the measured child process)."""
    from flows.extract import extract_file
    from flows.extract.batch import chunk_size
    from flows.model import Limits
    from flows.runtime.memory import collector_paused
    from flows.runtime.workers import _warm_up
    from flows.settings import Settings

    _warm_up()  # what a worker loads before its first file, in the baseline too
    chunk = chunk_size(Settings().batch_size, 2)
    files = pickle.loads(sample.read_bytes())
    limits = Limits()
    for at in range(0, len(files), chunk):
        with collector_paused():
            for f in files[at : at + chunk]:
                extract_file(f, limits)


def instructions(sample: Path) -> int:
    """Instructions of a child process extracting `sample`, counted by callgrind."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, str(Path(__file__).resolve()), "--extract", str(sample)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "sources", type=Path, nargs="?", help="a sources folder (see python -m bench.synth)"
    )
    ap.add_argument("--files", type=int, default=1000, help="files in the sample")
    ap.add_argument(
        "--kind",
        choices=["all", "code_reports", "payer_policies"],
        default="all",
        help="only files under this top folder",
    )
    ap.add_argument("--extract", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.extract is not None:
        extract(args.extract)
        return 0
    if args.sources is None:
        ap.error("give a sources folder")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2

    from flows.ingest import discover_files
    from flows.model import Limits

    files, _ = discover_files(args.sources, Limits())
    if args.kind != "all":
        files = [f for f in files if f.source_path.startswith(args.kind + "/")]
    if not files:
        ap.error(f"no files of kind {args.kind} under {args.sources}")
    step = max(1, len(files) // args.files)
    sample = files[::step][: args.files]
    with tempfile.TemporaryDirectory() as tmp:
        sample_file, empty_file = Path(tmp) / "sample.pkl", Path(tmp) / "empty.pkl"
        sample_file.write_bytes(pickle.dumps(sample))
        empty_file.write_bytes(pickle.dumps([]))
        count = instructions(sample_file) - instructions(empty_file)
    print(
        f"{len(sample):,} files ({args.kind}): {count / 1e6:,.0f} M instructions, "
        f"{count / len(sample) / 1e6:.2f} M per file"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
