"""End-to-end benchmark of `policy-etl run` on synthetic corpora (a script, not a test).

    uv run python bench/bench.py --sizes 6000 60000 [--keep DIR]

For each size: generate a text corpus with bench.synth, measure the floor (read + sha256 +
decode every file in plain Python), then run the REAL CLI as subprocesses: a cold run, a
rerun with nothing changed, a rerun after 1 % of the files changed (through the Prefect
flow), and a cold run with `--no-prefect`. Separately: Prefect's fixed start-up (a run over
an empty sources folder), the extraction stage alone in this process
(`flows.extract.extract_file`, documents/s on one core), and a peer (markitdown in a
separate venv) on a sample of the same files. Prints a table with PASS/FAIL against the
targets and writes bench/out/results.json. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synth import mutate_corpus, synthesize_corpus  # noqa: E402

OUT = REPO / "bench" / "out"
GIB = 1024**3
REPORT_SHARE = 0.85  # the rest are payer policies
CHANGED = 0.01
PEER_VENV = Path(tempfile.gettempdir()) / "policy-etl-bench-peer"

# --- machine ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    dirty = git("status", "--porcelain")
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": round(mem / GIB, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty_files": len(dirty.splitlines()) if dirty != "unknown" else None,
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --- process-tree RSS sampler --------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids[ppid].append(int(entry.name))
    return kids


def _tree_rss(root: int) -> int:
    kids = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            self._halt.wait(self.interval)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


# --- running the CLI ----------------------------------------------------------------------

TIME_BIN = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)


#: Set by main(): the code snapshot the CLI runs from (None = the live tree via the console
#: script). Other engineers edit flows/ while a benchmark runs; the parser version hashes
#: that code, so a live tree can turn a "1 % changed" rerun into a full re-extraction.
SNAPSHOT: Path | None = None
#: What the `policy-etl` console script holds, as a file in the snapshot: run as a script
#: (not `-c`), so worker processes re-import it as they do the installed console script.
CLI_SCRIPT = """import sys

from flows.cli import main

if __name__ == "__main__":
    sys.exit(main())
"""


def cli() -> list[str]:
    py = REPO / ".venv" / "bin" / "python"
    if SNAPSHOT is not None:
        return [str(py if py.exists() else sys.executable), str(SNAPSHOT / "policy-etl")]
    exe = REPO / ".venv" / "bin" / "policy-etl"
    return [str(exe)] if exe.exists() else ["uv", "run", "--frozen", "policy-etl"]


def snapshot_code(work: Path) -> Path:
    """Copy flows/ and schemas/ (everything the CLI imports from this repo) to `work`."""
    snap = work / "code"
    shutil.rmtree(snap, ignore_errors=True)
    for name in ("flows", "schemas"):
        shutil.copytree(REPO / name, snap / name, ignore=shutil.ignore_patterns("__pycache__"))
    (snap / "policy-etl").write_text(CLI_SCRIPT)
    return snap


def use_snapshot_in_process(snap: Path) -> None:
    """Import flows/schemas from the snapshot in this process too (extraction stage)."""
    sys.path.insert(0, str(snap))
    for mod in [m for m in sys.modules if m.split(".")[0] in ("flows", "schemas")]:
        del sys.modules[mod]


def run_cli(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run `policy-etl <args>`; wall time, max single-process RSS, sampled tree RSS."""
    rss_file = log.with_suffix(".rss")
    cmd = cli() + args
    if TIME_BIN:
        cmd = [TIME_BIN, "-f", "%M", "-o", str(rss_file), *cmd]
    with log.open("w") as fh:
        start = time.perf_counter()
        load = os.getloadavg()[0]
        cwd = SNAPSHOT if SNAPSHOT is not None else REPO
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        tree = sampler.stop()
    max_rss = None
    if TIME_BIN and rss_file.exists():
        try:
            max_rss = int(rss_file.read_text().split()[-1]) * 1024
        except (ValueError, IndexError):
            pass
    if code != 0:
        tail = log.read_text()[-3000:]
        raise RuntimeError(f"policy-etl {' '.join(args)} exited {code}:\n{tail}")
    return {
        "wall_s": wall,
        "max_rss_bytes": max_rss,
        "tree_rss_bytes": tree,
        "loadavg_1m_before": load,
        "log": str(log),
    }


def last_run(output: Path) -> dict[str, Any]:
    """The newest `runs` row: work time (finished_at - started_at) and its counts."""
    from deltalake import DeltaTable

    rows = DeltaTable(str(output / "runs")).to_pyarrow_table().to_pylist()
    row = max(rows, key=lambda r: r["started_at"])
    keys = ("files_seen", "files_new", "files_unchanged", "files_quarantined", "status")
    out = {k: row.get(k) for k in keys}
    out["work_s"] = (row["finished_at"] - row["started_at"]).total_seconds()
    return out


def measured_run(args: list[str], env: dict[str, str], log: Path, output: Path) -> dict[str, Any]:
    result = run_cli(args, env, log)
    result.update(last_run(output))
    return result


# --- in-process measurements ----------------------------------------------------------------


def _decode(data: bytes) -> str:
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n")


def floor(root: Path) -> dict[str, Any]:
    """Read, hash and decode every file in plain Python: the least any run must do."""
    start = time.perf_counter()
    n = size = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            hashlib.sha256(data).hexdigest()
            _decode(data)
            n += 1
            size += len(data)
    wall = time.perf_counter() - start
    return {"files": n, "bytes": size, "wall_s": wall, "files_per_s": n / wall if wall else None}


def extraction_stage(root: Path, limit: int | None) -> dict[str, Any]:
    """The extraction stage as a worker runs it, in this process (one core): chunks of
    the files a worker gets per task from a default batch on 2 workers (`chunk_size`),
    each file through `flows.extract.extract_file` with the cycle collector paused for
    the chunk (`collector_paused`, as `extract_chunk` does), timed per file; then, timed
    apart, the chunk's records made into Arrow tables (`records_tables`)."""
    from flows.extract import extract_file, records_tables
    from flows.extract.batch import chunk_size
    from flows.ingest import discover_files
    from flows.model import Limits
    from flows.runtime.memory import collector_paused
    from flows.settings import Settings
    from flows.validate import relaxed
    from schemas import DOCUMENT_DATASETS

    chunk = chunk_size(Settings().batch_size, 2)
    limits = Limits()
    schemas = {name: relaxed(d.arrow) for name, d in DOCUMENT_DATASETS.items()}
    t0 = time.perf_counter()
    files, _ = discover_files(root, limits)
    discover_s = time.perf_counter() - t0
    if limit and len(files) > limit:
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    per_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    per_file: dict[str, float] = {}
    extract_s = tables_s = 0.0
    for at in range(0, len(files), chunk):
        docs = []
        with collector_paused():
            for f in files[at : at + chunk]:
                s = time.perf_counter()
                doc = extract_file(f, limits)
                dt = time.perf_counter() - s
                docs.append(doc)
                extract_s += dt
                per_file[f.source_path] = dt
                acc = per_kind[doc.doc_kind or "rejected"]
                acc[0] += 1
                acc[1] += dt
            s = time.perf_counter()
            records_tables(docs, schemas)
            tables_s += time.perf_counter() - s
    return {
        "documents": len(files),
        "chunk": chunk,
        "discover_s": discover_s,
        "extract_s": extract_s,
        "docs_per_s": len(files) / extract_s if extract_s else None,
        "tables_s": tables_s,
        "with_tables_docs_per_s": len(files) / (extract_s + tables_s) if extract_s else None,
        "by_kind": {
            k: {"documents": int(n), "docs_per_s": n / t if t else None}
            for k, (n, t) in per_kind.items()
        },
        "_per_file": per_file,
    }


def extraction_passes(root: Path, limit: int | None, passes: int) -> dict[str, Any]:
    """`extraction_stage` `passes` times, each in a fresh process, from cold memos as a new
    worker starts (the benchmark's own process has run other sizes). The figures are the
    fastest pass's, with the first pass's per-file times (for the peer comparison); every
    pass's docs/s is kept. On a shared machine the slower passes measure the neighbours as
    much as the code (timeit takes the minimum for the same reason)."""
    runs = []
    for _ in range(passes):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--extraction-pass", str(root)]
        cmd += ["--extract-limit", str(limit or 0)]
        if SNAPSHOT is not None:
            cmd += ["--snapshot", str(SNAPSHOT)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"extraction pass failed:\n{done.stderr[-3000:]}")
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    best = dict(max(runs, key=lambda r: r["docs_per_s"] or 0))
    best["_per_file"] = runs[0]["_per_file"]
    best["passes_docs_per_s"] = [r["docs_per_s"] for r in runs]
    return best


# --- peer: markitdown in its own venv -------------------------------------------------------

PEER_SCRIPT = r"""
import json, sys, time
from markitdown import MarkItDown
paths = [line for line in open(sys.argv[1]).read().splitlines() if line]
md = MarkItDown(enable_plugins=False)
md.convert(paths[0])  # warm-up: lazy imports
errors = 0
t0 = time.perf_counter()
chars = 0
for p in paths:
    try:
        chars += len(md.convert(p).text_content or "")
    except Exception:
        errors += 1
wall = time.perf_counter() - t0
import markitdown
print(json.dumps({"documents": len(paths), "wall_s": wall, "errors": errors, "chars": chars,
                  "version": getattr(markitdown, "__version__", "?")}))
"""


def ensure_peer(venv: Path) -> tuple[Path | None, str]:
    py = venv / "bin" / "python"
    check = [str(py), "-c", "import markitdown"]
    if py.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return py, "reused"
    uv = shutil.which("uv")
    if not uv:
        return None, "uv not found"
    steps = (
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [uv, "pip", "install", "--quiet", "--python", str(py), "markitdown", "py-spy"],
    )
    for step in steps:
        r = subprocess.run(step, capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"{' '.join(step[:3])} failed: {(r.stderr or r.stdout).strip()[-400:]}"
    if subprocess.run(check, capture_output=True).returncode != 0:
        return None, "markitdown installed but does not import"
    return py, "installed"


def peer(root: Path, sample: int, ours_per_file: dict[str, float], work: Path) -> dict[str, Any]:
    py, how = ensure_peer(PEER_VENV)
    if py is None:
        return {"status": f"markitdown unavailable: {how}"}
    paths = sorted(p for p in root.rglob("*") if p.is_file())
    step = max(1, len(paths) // sample)
    chosen = paths[::step][:sample]
    listing = work / "peer_files.txt"
    listing.write_text("\n".join(str(p) for p in chosen))
    script = work / "peer_markitdown.py"
    script.write_text(PEER_SCRIPT)
    r = subprocess.run([str(py), str(script), str(listing)], capture_output=True, text=True)
    if r.returncode != 0:
        return {"status": f"markitdown run failed: {r.stderr.strip()[-400:]}"}
    result = json.loads(r.stdout.strip().splitlines()[-1])
    ours = [ours_per_file.get(p.relative_to(root).as_posix()) for p in chosen]
    ours_s = sum(t for t in ours if t is not None)
    measured = sum(1 for t in ours if t is not None)
    result.update(
        status=f"ok ({how})",
        docs_per_s=result["documents"] / result["wall_s"],
        ours_docs_per_s=measured / ours_s if ours_s else None,
    )
    result["ours_vs_peer"] = (
        result["ours_docs_per_s"] / result["docs_per_s"] if result["ours_docs_per_s"] else None
    )
    return result


# --- profile -----------------------------------------------------------------------------------


def _top_functions(prof: Path, top: int) -> tuple[float, list[dict[str, Any]]]:
    import pstats

    stats = pstats.Stats(str(prof))
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}:{func}" if line else func
        rows.append({"tottime": tt, "cumtime": ct, "calls": nc, "where": where})
    rows.sort(key=lambda r: r["tottime"], reverse=True)
    return stats.total_tt, rows[:top]  # type: ignore[attr-defined]


def _frame_name(frame: str) -> str:
    m = re.match(r"(.*) \((.*?):\d+\)$", frame.strip())
    return f"{m.group(1)} ({'/'.join(m.group(2).split('/')[-2:])})" if m else frame.strip()[:80]


def _py_spy_summary(raw: Path, rate: int, top: int) -> dict[str, Any]:
    """Seconds per process and the main process's top self-time functions (py-spy raw)."""
    per_proc: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    self_by: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    incl_by: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    first: str | None = None
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        procs = [f for f in frames if f.startswith("process ")]
        if not procs:
            continue
        pid, _, cmd = procs[-1][len("process ") :].partition(":")
        if len(procs) == 1:
            first = pid  # the root of the process tree: the CLI
        names[pid] = cmd.strip('"')[:100]
        per_proc[pid] += int(count) / rate
        leaf = [f for f in frames if not f.startswith("process ")]
        if leaf:
            self_by[pid][_frame_name(leaf[-1])] += int(count) / rate
            for frame in {_frame_name(f) for f in leaf}:
                incl_by[pid][frame] += int(count) / rate
    self_main = self_by.get(first or "", {})
    incl_main = incl_by.get(first or "", {})
    return {
        "main_pid": first,
        "seconds_per_process": [
            {"pid": p, "cmd": names[p], "seconds": round(t, 2)}
            for p, t in sorted(per_proc.items(), key=lambda x: -x[1])
        ],
        "main_self_top": [
            {"where": k, "seconds": round(v, 2)}
            for k, v in sorted(self_main.items(), key=lambda x: -x[1])[:top]
        ],
        # Inclusive time of frames in our code and Prefect's engine (what calls the hot spots).
        "main_inclusive_top": [
            {"where": k, "seconds": round(v, 2)}
            for k, v in sorted(incl_main.items(), key=lambda x: -x[1])
            if ("flows/" in k or "prefect/" in k or "utilities/" in k) and v >= 0.2
        ][: top * 2],
    }


def profile_run(sources: Path, work: Path, env: dict[str, str], top: int = 25) -> dict[str, Any]:
    """cProfile of a cold `--no-prefect --workers 1` run (everything in one process), and
    py-spy (if the peer venv has it) of a cold run through the Prefect flow, all processes."""
    wrapper = work / "cli_main.py"
    # `app()` returns to the interpreter (the console script's `main` exits at once), so
    # cProfile gets to write its file.
    wrapper.write_text("from flows.cli import app\n\napp(prog_name='policy-etl')\n")
    size = sum(1 for p in sources.rglob("*") if p.is_file())
    prof = OUT / f"profile_cold_{size}.prof"
    py = REPO / ".venv" / "bin" / "python"
    py_s = str(py if py.exists() else sys.executable)
    cwd = SNAPSHOT or REPO
    cmd = [
        py_s,
        "-m",
        "cProfile",
        "-o",
        str(prof),
        str(wrapper),
        "run",
        "--sources",
        str(sources),
        "--output",
        str(work / "out_profile"),
        "--no-prefect",
        "--workers",
        "1",
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    total, rows = _top_functions(prof, top)
    result: dict[str, Any] = {
        "prof": str(prof),
        "wall_s": time.perf_counter() - t0,
        "total_s": total,
        "top_tottime": rows,
    }
    spy = PEER_VENV / "bin" / "py-spy"
    if spy.exists():
        raw = OUT / f"pyspy_cold_prefect_{size}.txt"
        rate = 50
        cmd = [
            str(spy),
            "record",
            "--subprocesses",
            "-r",
            str(rate),
            "-f",
            "raw",
            "-o",
            str(raw),
            "--",
            *cli(),
            "run",
            "--sources",
            str(sources),
            "--output",
            str(work / "out_pyspy"),
        ]
        r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
        if r.returncode == 0 and raw.exists():
            result["py_spy"] = {"raw": str(raw), **_py_spy_summary(raw, rate, top)}
        else:
            result["py_spy"] = {"error": (r.stderr or r.stdout)[-400:]}
    return result


# --- report --------------------------------------------------------------------------------------


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.2f}{unit}"
    return f"{v:,}{unit}" if isinstance(v, int) else f"{v}{unit}"


def _mib(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**20:,.0f} MiB"


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, limit, measured, passed) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []
    sizes = results["sizes"]
    small = sizes.get("6000")
    if small:
        r = small["runs"]
        # The start-up measured just before each rerun (older results: the warm one).
        warm = results["startup"]["prefect_warm"]["wall_s"]
        before = small.get("startup_before", {})
        rows.append(
            (
                "6,000 cold wall (incl. start-up)",
                "<= 15 s",
                f"{r['cold']['wall_s']:.2f} s",
                r["cold"]["wall_s"] <= 15,
            )
        )
        rows.append(
            (
                "6,000 rerun unchanged",
                f"<= start-up + 1 = {before.get('unchanged', warm) + 1:.2f} s",
                f"{r['unchanged']['wall_s']:.2f} s",
                r["unchanged"]["wall_s"] <= before.get("unchanged", warm) + 1,
            )
        )
        rows.append(
            (
                "6,000 rerun 1% changed",
                f"<= start-up + 2 = {before.get('changed', warm) + 2:.2f} s",
                f"{r['changed']['wall_s']:.2f} s",
                r["changed"]["wall_s"] <= before.get("changed", warm) + 2,
            )
        )
        rows.append(
            (
                "6,000 work time (runs row)",
                "<= 4 s",
                f"{r['cold']['work_s']:.2f} s",
                r["cold"]["work_s"] <= 4,
            )
        )
    big = sizes.get("60000")
    if big:
        w = big["runs"]["cold"]["work_s"]
        if small:
            limit = 1.2 * 10 * small["runs"]["cold"]["work_s"]
            rows.append(
                (
                    "60,000 work time",
                    f"<= 12 x 6,000 work = {limit:.1f} s",
                    f"{w:.2f} s",
                    w <= limit,
                )
            )
        else:
            rows.append(
                ("60,000 work time", "<= 12 x 6,000 work", f"{w:.2f} s (6,000 not run)", None)
            )
    for size, s in sizes.items():
        peak = max(
            x or 0
            for run in s["runs"].values()
            for x in (run.get("max_rss_bytes"), run.get("tree_rss_bytes"))
        )
        rows.append(
            (
                f"{int(size):,} peak RSS (max of process, process tree)",
                "<= 1 GiB",
                _mib(peak),
                peak <= GIB,
            )
        )
    return rows


def print_report(results: dict[str, Any]) -> None:
    m = results["machine"]
    print()
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}, "
        f"{m['platform']}"
    )
    print(f"git: {m['git_commit']} ({m['git_dirty_files']} uncommitted files)   {m['date_utc']}")
    st = results["startup"]
    c = results["code"]
    print(
        f"code: parser {c['parser_version']}, snapshot {c['snapshot']}, "
        f"bytecode cache {c['bytecode_cache']} (environment PYTHONDONTWRITEBYTECODE="
        f"{c['env_PYTHONDONTWRITEBYTECODE']})"
    )
    print(
        f"\nstart-up = a run over an empty sources folder (wall s): Prefect fresh PREFECT_HOME "
        f"and no .pyc {st['prefect_fresh']['wall_s']:.2f}, "
        f"warm {st['prefect_warm']['wall_s']:.2f}, "
        f"warm without .pyc {st['prefect_warm_no_pyc']['wall_s']:.2f}; --no-prefect "
        f"{st['no_prefect_warm']['wall_s']:.2f}"
    )
    head = f"{'':34}" + "".join(f"{int(s):>16,}" for s in results["sizes"])
    print("\n" + head)

    def line(label: str, getter: Any) -> None:
        cells = []
        for s in results["sizes"].values():
            try:
                cells.append(getter(s))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("-")
        print(f"{label:34}" + "".join(f"{c:>16}" for c in cells))

    line(
        "corpus MiB / generate s",
        lambda s: f"{s['corpus']['bytes'] / 2**20:.0f} / {s['corpus']['generate_s']:.1f}",
    )
    line("floor: read+hash+decode s", lambda s: f"{s['floor']['wall_s']:.2f}")
    line("cold wall s (Prefect)", lambda s: f"{s['runs']['cold']['wall_s']:.2f}")
    line(
        "  files/s (wall)",
        lambda s: f"{s['runs']['cold']['files_seen'] / s['runs']['cold']['wall_s']:,.0f}",
    )
    line("  work s (runs row)", lambda s: f"{s['runs']['cold']['work_s']:.2f}")
    line(
        "  files/s (work)",
        lambda s: f"{s['runs']['cold']['files_seen'] / s['runs']['cold']['work_s']:,.0f}",
    )
    line("  wall / floor", lambda s: f"{s['runs']['cold']['wall_s'] / s['floor']['wall_s']:.0f}x")
    line("  work / floor", lambda s: f"{s['runs']['cold']['work_s'] / s['floor']['wall_s']:.0f}x")
    line(
        "rerun unchanged wall / work s",
        lambda s: (
            f"{s['runs']['unchanged']['wall_s']:.2f} / {s['runs']['unchanged']['work_s']:.2f}"
        ),
    )
    line(
        "  work / floor",
        lambda s: f"{s['runs']['unchanged']['work_s'] / s['floor']['wall_s']:.1f}x",
    )
    line(
        "rerun 1% changed wall / work s",
        lambda s: f"{s['runs']['changed']['wall_s']:.2f} / {s['runs']['changed']['work_s']:.2f}",
    )
    line(
        "start-up just before each rerun s",
        lambda s: " / ".join(f"{v:.2f}" for v in s.get("startup_before", {}).values()),
    )
    line("  files re-extracted", lambda s: f"{s['runs']['changed']['files_new']:,}")
    line(
        "cold --no-prefect wall / work s",
        lambda s: (
            f"{s['runs']['cold_no_prefect']['wall_s']:.2f} / "
            f"{s['runs']['cold_no_prefect']['work_s']:.2f}"
        ),
    )
    line(
        "Prefect overhead (cold wall) s",
        lambda s: f"{s['runs']['cold']['wall_s'] - s['runs']['cold_no_prefect']['wall_s']:.2f}",
    )
    line(
        "Prefect overhead (work) s",
        lambda s: f"{s['runs']['cold']['work_s'] - s['runs']['cold_no_prefect']['work_s']:.2f}",
    )
    line(
        "peak RSS, largest process",
        lambda s: _mib(max(r.get("max_rss_bytes") or 0 for r in s["runs"].values())),
    )
    line(
        "peak RSS, process tree (sampled)",
        lambda s: _mib(max(r["tree_rss_bytes"] for r in s["runs"].values())),
    )
    line(
        "extract_file docs/s (1 core, best pass)",
        lambda s: f"{s['extraction']['docs_per_s']:,.0f}",
    )
    line(
        "  every pass docs/s",
        lambda s: "/".join(f"{r:.0f}" for r in s["extraction"].get("passes_docs_per_s", [])),
    )
    line(
        "  with records to Arrow docs/s",
        lambda s: f"{s['extraction']['with_tables_docs_per_s']:,.0f}",
    )
    line(
        "  code reports docs/s",
        lambda s: f"{s['extraction']['by_kind']['code_report']['docs_per_s']:,.0f}",
    )
    line(
        "  payer policies docs/s",
        lambda s: f"{s['extraction']['by_kind']['payer_policy']['docs_per_s']:,.0f}",
    )
    line("  discover (walk+hash) s", lambda s: f"{s['extraction']['discover_s']:.2f}")
    p = results.get("peer") or {}
    if p.get("docs_per_s"):
        print(
            f"\npeer markitdown {p.get('version')}: {p['documents']} files, "
            f"{p['docs_per_s']:,.0f} docs/s "
            f"(conversion to text only); ours on the same files {p['ours_docs_per_s']:,.0f} docs/s "
            f"(full extraction) = {p['ours_vs_peer']:.2f}x the peer; errors {p['errors']}"
        )
    else:
        print(f"\npeer markitdown: {p.get('status', 'not run')}")
    ex = [s["extraction"]["docs_per_s"] for s in results["sizes"].values()]
    print(
        f"\nextraction target >= 2,000 docs/s per core: {min(ex):,.0f} -> "
        f"{'PASS' if min(ex) >= 2000 else 'FAIL'}"
    )
    print("\ntargets")
    for name, limit, got, ok in targets(results):
        verdict = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        print(f"  {verdict}  {name:48} {limit:34} measured {got}")
    if results.get("profile"):
        pr = results["profile"]
        print(
            f"\ncProfile of a cold --no-prefect --workers 1 run ({pr['wall_s']:.1f} s wall, "
            f"{pr['total_s']:.1f} s profiled): {pr['prof']}"
        )
        for row in pr["top_tottime"][:15]:
            print(
                f"  {row['tottime']:7.2f} s self {row['cumtime']:7.2f} s cum "
                f"{row['calls']:>9,}  {row['where']}"
            )
        spy = pr.get("py_spy") or {}
        if spy.get("seconds_per_process"):
            print(f"\npy-spy of a cold run through Prefect (all processes): {spy['raw']}")
            for p in spy["seconds_per_process"]:
                print(f"  {p['seconds']:7.2f} s busy  pid {p['pid']}  {p['cmd']}")
            print("  main process, top self time:")
            for row in spy["main_self_top"][:12]:
                print(f"  {row['seconds']:7.2f} s  {row['where']}")
            print("  main process, inclusive time in flows/ and prefect/ frames:")
            for row in spy["main_inclusive_top"][:30]:
                print(f"  {row['seconds']:7.2f} s  {row['where']}")


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[6000])
    ap.add_argument("--keep", type=Path, help="keep corpora, outputs and logs in this folder")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument(
        "--extract-limit",
        type=int,
        default=20000,
        help="documents for the in-process extraction measurement (evenly sampled)",
    )
    ap.add_argument(
        "--extract-passes",
        type=int,
        default=3,
        help="extraction measurements per size, each from cold memos; the fastest is reported",
    )
    ap.add_argument("--extraction-pass", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--peer-sample", type=int, default=1000)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile a cold --no-prefect --workers 1 run of the first size",
    )
    ap.add_argument(
        "--live",
        action="store_true",
        help="run the live working tree (.venv/bin/policy-etl) instead of a snapshot",
    )
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE from the environment for all runs",
    )
    args = ap.parse_args(argv)
    if args.extraction_pass is not None:  # one pass of extraction_passes, in a new process
        if args.snapshot is not None:
            use_snapshot_in_process(args.snapshot)
        print(json.dumps(extraction_stage(args.extraction_pass, args.extract_limit)))
        return 0

    global SNAPSHOT
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="policy-etl-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    if not args.live:
        SNAPSHOT = snapshot_code(work)
        use_snapshot_in_process(SNAPSHOT)
    from flows.version import parser_version

    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(work / "prefect_home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(SNAPSHOT), *filter(None, [env.get("PYTHONPATH")])])
    for k in [k for k in env if k.startswith("POLICY_ETL_")]:
        del env[k]
    # Without a bytecode cache every process (CLI, Prefect's server, each worker) recompiles
    # all of Prefect, pandas, ... from source: seconds per process. A deployment has .pyc
    # files; the cache goes to a private prefix so neither .venv nor the repo is touched.
    no_cache_env = dict(env, PYTHONDONTWRITEBYTECODE="1")
    no_cache_env.pop("PYTHONPYCACHEPREFIX", None)
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        shutil.rmtree(work / "pycache", ignore_errors=True)
    shutil.rmtree(work / "prefect_home", ignore_errors=True)
    results: dict[str, Any] = {
        "machine": machine(),
        "code": {
            "snapshot": str(SNAPSHOT) if SNAPSHOT else None,
            "parser_version": parser_version(),
            "bytecode_cache": not args.no_bytecode_cache,
            "env_PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
        },
        "sizes": {},
        "work_dir": str(work),
    }
    print(f"machine: {json.dumps(results['machine'])}", flush=True)
    print(f"code: {json.dumps(results['code'])}", flush=True)
    print(f"work dir: {work}", flush=True)

    empty = work / "empty_sources"
    empty.mkdir(exist_ok=True)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    print("prefect start-up ...", flush=True)
    startup = {}
    for key, extra, out_name, run_env in (
        ("prefect_fresh", [], "out_empty", env),  # new PREFECT_HOME (migrations), no .pyc yet
        ("prefect_second", [], "out_empty", env),
        ("prefect_warm", [], "out_empty", env),
        ("prefect_warm_no_pyc", [], "out_empty", no_cache_env),
        ("no_prefect", ["--no-prefect"], "out_empty_np", env),
        ("no_prefect_warm", ["--no-prefect"], "out_empty_np", env),
    ):
        startup[key] = run_cli(
            ["run", "--sources", str(empty), "--output", str(work / out_name), *extra],
            run_env,
            logs / f"startup_{key}.log",
        )
        print(f"  {key}: {startup[key]['wall_s']:.2f} s", flush=True)
    results["startup"] = startup

    try:
        for size in args.sizes:
            print(f"\n== {size:,} files", flush=True)
            base = work / f"size_{size}"
            shutil.rmtree(base, ignore_errors=True)
            sources = base / "sources"
            reports = round(size * REPORT_SHARE)
            t0 = time.perf_counter()
            corpus = synthesize_corpus(
                sources,
                reports=reports,
                policies=size - reports,
                seed=args.seed,
                formats=("txt", "md"),
            )
            corpus["generate_s"] = time.perf_counter() - t0
            print(
                f"  generated {corpus['files']:,} files, {corpus['bytes'] / 2**20:.0f} MiB "
                f"in {corpus['generate_s']:.1f} s",
                flush=True,
            )
            entry: dict[str, Any] = {"corpus": corpus, "floor": floor(sources), "runs": {}}
            print(f"  floor {entry['floor']['wall_s']:.2f} s", flush=True)
            out = base / "output"
            run_args = ["run", "--sources", str(sources), "--output", str(out)]
            runs = entry["runs"]
            runs["cold"] = measured_run(run_args, env, logs / f"{size}_cold.log", out)
            print(
                f"  cold {runs['cold']['wall_s']:.2f} s wall, {runs['cold']['work_s']:.2f} s work",
                flush=True,
            )
            # Each rerun is judged against a start-up measured just before it: start-up moves
            # by a second between runs on a shared machine, more than the reruns' margins.
            empty_args = ["run", "--sources", str(empty), "--output", str(work / "out_empty")]
            entry["startup_before"] = {}
            for key, label in (("unchanged", "unchanged"), ("changed", "1% changed")):
                if key == "changed":
                    mutated = mutate_corpus(sources, CHANGED, args.seed + size)
                    entry["mutated"] = mutated["changed"]
                    label = f"1% changed ({mutated['changed']} files)"
                before = run_cli(empty_args, env, logs / f"{size}_startup_before_{key}.log")
                entry["startup_before"][key] = before["wall_s"]
                runs[key] = measured_run(run_args, env, logs / f"{size}_{key}.log", out)
                print(
                    f"  {label} {runs[key]['wall_s']:.2f} s (start-up just before: "
                    f"{before['wall_s']:.2f} s)",
                    flush=True,
                )
            out_np = base / "output_no_prefect"
            runs["cold_no_prefect"] = measured_run(
                ["run", "--sources", str(sources), "--output", str(out_np), "--no-prefect"],
                env,
                logs / f"{size}_cold_no_prefect.log",
                out_np,
            )
            print(f"  cold --no-prefect {runs['cold_no_prefect']['wall_s']:.2f} s", flush=True)
            ext = extraction_passes(sources, args.extract_limit, max(1, args.extract_passes))
            per_file = ext.pop("_per_file")
            entry["extraction"] = ext
            passes = ", ".join(f"{r:,.0f}" for r in ext["passes_docs_per_s"])
            print(
                f"  extract_file {ext['docs_per_s']:,.0f} docs/s over {ext['documents']:,} "
                f"(passes: {passes})",
                flush=True,
            )
            if not args.no_peer and "peer" not in results:
                print("  peer markitdown ...", flush=True)
                results["peer"] = peer(sources, args.peer_sample, per_file, base)
                print(f"  peer: {results['peer'].get('status')}", flush=True)
            if args.profile and "profile" not in results:
                print("  cProfile run ...", flush=True)
                results["profile"] = profile_run(sources, base, env)
            results["sizes"][str(size)] = entry
            if args.keep is None:
                shutil.rmtree(base, ignore_errors=True)
    finally:
        results["targets"] = [
            {"target": t, "limit": lim, "measured": got, "pass": ok}
            for t, lim, got, ok in (targets(results) if results.get("sizes") else [])
        ]
        (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_report(results)
    print(f"\nwrote {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
