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
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.measure import (  # noqa: E402
    OUT,
    machine,
    measured_run,
    run_cli,
    snapshot_code,
    use_snapshot_in_process,
)
from bench.passes import extraction_passes, extraction_stage, floor  # noqa: E402
from bench.peer import peer  # noqa: E402
from bench.profiling import profile_run  # noqa: E402
from bench.report import print_report, targets  # noqa: E402
from bench.synth import mutate_corpus, synthesize_corpus  # noqa: E402

REPORT_SHARE = 0.85  # the rest are payer policies
CHANGED = 0.01


def parse_args(argv: list[str] | None) -> argparse.Namespace:
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
    return ap.parse_args(argv)


def environments(
    work: Path, snapshot: Path | None, bytecode_cache: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """The environment of the CLI runs, and the same without a bytecode cache."""
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(work / "prefect_home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    if snapshot is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(snapshot), *filter(None, [env.get("PYTHONPATH")])])
    for k in [k for k in env if k.startswith("POLICY_ETL_")]:
        del env[k]
    # Without a bytecode cache every process (CLI, Prefect's server, each worker) recompiles
    # all of Prefect, pandas, ... from source: seconds per process. A deployment has .pyc
    # files; the cache goes to a private prefix so neither .venv nor the repo is touched.
    no_cache_env = dict(env, PYTHONDONTWRITEBYTECODE="1")
    no_cache_env.pop("PYTHONPYCACHEPREFIX", None)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        shutil.rmtree(work / "pycache", ignore_errors=True)
    shutil.rmtree(work / "prefect_home", ignore_errors=True)
    return env, no_cache_env


def measure_startup(
    work: Path,
    empty: Path,
    logs: Path,
    envs: tuple[dict[str, str], dict[str, str]],
    snapshot: Path | None,
) -> dict[str, Any]:
    """Runs over an empty sources folder: Prefect's fixed start-up, and without Prefect."""
    env, no_cache_env = envs
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
            snapshot,
        )
        print(f"  {key}: {startup[key]['wall_s']:.2f} s", flush=True)
    return startup


def generate(sources: Path, size: int, seed: int) -> dict[str, Any]:
    """The synthetic corpus of `size` files, timed."""
    reports = round(size * REPORT_SHARE)
    t0 = time.perf_counter()
    corpus = synthesize_corpus(
        sources,
        reports=reports,
        policies=size - reports,
        seed=seed,
        formats=("txt", "md"),
    )
    corpus["generate_s"] = time.perf_counter() - t0
    print(
        f"  generated {corpus['files']:,} files, {corpus['bytes'] / 2**20:.0f} MiB "
        f"in {corpus['generate_s']:.1f} s",
        flush=True,
    )
    return corpus


@dataclass(frozen=True)
class Setting:
    """What every CLI run of a size needs: the work folder, the logs' folder, the empty
    sources folder, the environment and the code snapshot (None = the live tree)."""

    work: Path
    logs: Path
    empty: Path
    env: dict[str, str]
    snapshot: Path | None


def measure_runs(entry: dict[str, Any], base: Path, size: int, seed: int, at: Setting) -> None:
    """The CLI runs of one size into `entry`: cold, the two reruns, cold `--no-prefect`."""
    env, logs, snapshot = at.env, at.logs, at.snapshot
    sources, out = base / "sources", base / "output"
    run_args = ["run", "--sources", str(sources), "--output", str(out)]
    runs = entry["runs"]
    runs["cold"] = measured_run(run_args, env, logs / f"{size}_cold.log", out, snapshot)
    print(
        f"  cold {runs['cold']['wall_s']:.2f} s wall, {runs['cold']['work_s']:.2f} s work",
        flush=True,
    )
    # Each rerun is judged against a start-up measured just before it: start-up moves
    # by a second between runs on a shared machine, more than the reruns' margins.
    empty_args = ["run", "--sources", str(at.empty), "--output", str(at.work / "out_empty")]
    entry["startup_before"] = {}
    for key, label in (("unchanged", "unchanged"), ("changed", "1% changed")):
        if key == "changed":
            mutated = mutate_corpus(sources, CHANGED, seed + size)
            entry["mutated"] = mutated["changed"]
            label = f"1% changed ({mutated['changed']} files)"
        before = run_cli(empty_args, env, logs / f"{size}_startup_before_{key}.log", snapshot)
        entry["startup_before"][key] = before["wall_s"]
        runs[key] = measured_run(run_args, env, logs / f"{size}_{key}.log", out, snapshot)
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
        snapshot,
    )
    print(f"  cold --no-prefect {runs['cold_no_prefect']['wall_s']:.2f} s", flush=True)


def measure_size(
    args: argparse.Namespace, results: dict[str, Any], size: int, at: Setting
) -> dict[str, Any]:
    """Every figure of one size; the peer and the profile, once, into `results`."""
    print(f"\n== {size:,} files", flush=True)
    base = at.work / f"size_{size}"
    shutil.rmtree(base, ignore_errors=True)
    sources = base / "sources"
    corpus = generate(sources, size, args.seed)
    entry: dict[str, Any] = {"corpus": corpus, "floor": floor(sources), "runs": {}}
    print(f"  floor {entry['floor']['wall_s']:.2f} s", flush=True)
    measure_runs(entry, base, size, args.seed, at)
    ext = extraction_passes(sources, args.extract_limit, max(1, args.extract_passes), at.snapshot)
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
        results["profile"] = profile_run(sources, base, at.env, at.snapshot)
    return entry


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.extraction_pass is not None:  # one pass of extraction_passes, in a new process
        if args.snapshot is not None:
            use_snapshot_in_process(args.snapshot)
        print(json.dumps(extraction_stage(args.extraction_pass, args.extract_limit)))
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="policy-etl-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    # The code snapshot the CLI runs from (None = the live tree): see bench.measure.cli.
    snapshot: Path | None = None
    if not args.live:
        snapshot = snapshot_code(work)
        use_snapshot_in_process(snapshot)
    from flows.version import parser_version

    env, no_cache_env = environments(work, snapshot, not args.no_bytecode_cache)
    results: dict[str, Any] = {
        "machine": machine(),
        "code": {
            "snapshot": str(snapshot) if snapshot else None,
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
    results["startup"] = measure_startup(work, empty, logs, (env, no_cache_env), snapshot)

    at = Setting(work=work, logs=logs, empty=empty, env=env, snapshot=snapshot)
    try:
        for size in args.sizes:
            results["sizes"][str(size)] = measure_size(args, results, size, at)
            if args.keep is None:
                shutil.rmtree(work / f"size_{size}", ignore_errors=True)
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
