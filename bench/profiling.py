"""`--profile` of the benchmark (bench/bench.py): cProfile of a cold run in one process,
and py-spy of a cold run through Prefect, all processes (py-spy from the peer's venv)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.measure import OUT, REPO, cli
from bench.peer import PEER_VENV


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


def profile_run(
    sources: Path, work: Path, env: dict[str, str], snapshot: Path | None, top: int = 25
) -> dict[str, Any]:
    """cProfile of a cold `--no-prefect --workers 1` run (everything in one process), and
    py-spy (if the peer venv has it) of a cold run through the Prefect flow, all processes;
    both from the code `snapshot` (see `bench.measure.cli`)."""
    wrapper = work / "cli_main.py"
    # `app()` returns to the interpreter (the console script's `main` exits at once), so
    # cProfile gets to write its file.
    wrapper.write_text("from flows.cli import app\n\napp(prog_name='policy-etl')\n")
    size = sum(1 for p in sources.rglob("*") if p.is_file())
    prof = OUT / f"profile_cold_{size}.prof"
    py = REPO / ".venv" / "bin" / "python"
    py_s = str(py if py.exists() else sys.executable)
    cwd = snapshot or REPO
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
            *cli(snapshot),
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
