"""Measuring `policy-etl` runs for the benchmark (bench/bench.py): the machine, the code
snapshot the CLI runs from, a run's wall time and peak RSS (GNU `time` for the largest
process, a sampler of /proc for the process tree) and its `runs` row."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
GIB = 1024**3

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

#: What the `policy-etl` console script holds, as a file in the snapshot: run as a script
#: (not `-c`), so worker processes re-import it as they do the installed console script.
CLI_SCRIPT = """import sys

from flows.cli import main

if __name__ == "__main__":
    sys.exit(main())
"""


def cli(snapshot: Path | None) -> list[str]:
    """The command that starts `policy-etl`: from the code `snapshot` (see `snapshot_code`),
    or, None, the live tree through its console script. Other engineers edit flows/ while a
    benchmark runs; the parser version hashes that code, so a live tree can turn a "1 %
    changed" rerun into a full re-extraction."""
    py = REPO / ".venv" / "bin" / "python"
    if snapshot is not None:
        return [str(py if py.exists() else sys.executable), str(snapshot / "policy-etl")]
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


def run_cli(
    args: list[str], env: dict[str, str], log: Path, snapshot: Path | None
) -> dict[str, Any]:
    """Run `policy-etl <args>` (from `snapshot`, see `cli`); wall time, max single-process
    RSS, sampled tree RSS."""
    rss_file = log.with_suffix(".rss")
    cmd = cli(snapshot) + args
    if TIME_BIN:
        cmd = [TIME_BIN, "-f", "%M", "-o", str(rss_file), *cmd]
    with log.open("w") as fh:
        start = time.perf_counter()
        load = os.getloadavg()[0]
        cwd = snapshot if snapshot is not None else REPO
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


def measured_run(
    args: list[str], env: dict[str, str], log: Path, output: Path, snapshot: Path | None
) -> dict[str, Any]:
    result = run_cli(args, env, log, snapshot)
    result.update(last_run(output))
    return result
