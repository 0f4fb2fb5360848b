"""The benchmark's results (bench/bench.py) against the performance targets, and the table
it prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.measure import GIB


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


def _print_header(results: dict[str, Any]) -> None:
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


#: The rows of the table by size: label, and the cell of one size's results.
_SIZE_ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    (
        "corpus MiB / generate s",
        lambda s: f"{s['corpus']['bytes'] / 2**20:.0f} / {s['corpus']['generate_s']:.1f}",
    ),
    ("floor: read+hash+decode s", lambda s: f"{s['floor']['wall_s']:.2f}"),
    ("cold wall s (Prefect)", lambda s: f"{s['runs']['cold']['wall_s']:.2f}"),
    (
        "  files/s (wall)",
        lambda s: f"{s['runs']['cold']['files_seen'] / s['runs']['cold']['wall_s']:,.0f}",
    ),
    ("  work s (runs row)", lambda s: f"{s['runs']['cold']['work_s']:.2f}"),
    (
        "  files/s (work)",
        lambda s: f"{s['runs']['cold']['files_seen'] / s['runs']['cold']['work_s']:,.0f}",
    ),
    ("  wall / floor", lambda s: f"{s['runs']['cold']['wall_s'] / s['floor']['wall_s']:.0f}x"),
    ("  work / floor", lambda s: f"{s['runs']['cold']['work_s'] / s['floor']['wall_s']:.0f}x"),
    (
        "rerun unchanged wall / work s",
        lambda s: (
            f"{s['runs']['unchanged']['wall_s']:.2f} / {s['runs']['unchanged']['work_s']:.2f}"
        ),
    ),
    ("  work / floor", lambda s: f"{s['runs']['unchanged']['work_s'] / s['floor']['wall_s']:.1f}x"),
    (
        "rerun 1% changed wall / work s",
        lambda s: f"{s['runs']['changed']['wall_s']:.2f} / {s['runs']['changed']['work_s']:.2f}",
    ),
    (
        "start-up just before each rerun s",
        lambda s: " / ".join(f"{v:.2f}" for v in s.get("startup_before", {}).values()),
    ),
    ("  files re-extracted", lambda s: f"{s['runs']['changed']['files_new']:,}"),
    (
        "cold --no-prefect wall / work s",
        lambda s: (
            f"{s['runs']['cold_no_prefect']['wall_s']:.2f} / "
            f"{s['runs']['cold_no_prefect']['work_s']:.2f}"
        ),
    ),
    (
        "Prefect overhead (cold wall) s",
        lambda s: f"{s['runs']['cold']['wall_s'] - s['runs']['cold_no_prefect']['wall_s']:.2f}",
    ),
    (
        "Prefect overhead (work) s",
        lambda s: f"{s['runs']['cold']['work_s'] - s['runs']['cold_no_prefect']['work_s']:.2f}",
    ),
    (
        "peak RSS, largest process",
        lambda s: _mib(max(r.get("max_rss_bytes") or 0 for r in s["runs"].values())),
    ),
    (
        "peak RSS, process tree (sampled)",
        lambda s: _mib(max(r["tree_rss_bytes"] for r in s["runs"].values())),
    ),
    ("extract_file docs/s (1 core, best pass)", lambda s: f"{s['extraction']['docs_per_s']:,.0f}"),
    (
        "  every pass docs/s",
        lambda s: "/".join(f"{r:.0f}" for r in s["extraction"].get("passes_docs_per_s", [])),
    ),
    (
        "  with records to Arrow docs/s",
        lambda s: f"{s['extraction']['with_tables_docs_per_s']:,.0f}",
    ),
    (
        "  code reports docs/s",
        lambda s: f"{s['extraction']['by_kind']['code_report']['docs_per_s']:,.0f}",
    ),
    (
        "  payer policies docs/s",
        lambda s: f"{s['extraction']['by_kind']['payer_policy']['docs_per_s']:,.0f}",
    ),
    ("  discover (walk+hash) s", lambda s: f"{s['extraction']['discover_s']:.2f}"),
]


def _print_sizes(results: dict[str, Any]) -> None:
    head = f"{'':34}" + "".join(f"{int(s):>16,}" for s in results["sizes"])
    print("\n" + head)
    for label, getter in _SIZE_ROWS:
        cells = []
        for s in results["sizes"].values():
            try:
                cells.append(getter(s))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("-")
        print(f"{label:34}" + "".join(f"{c:>16}" for c in cells))


def _print_verdicts(results: dict[str, Any]) -> None:
    """The peer's figures, then each target's verdict."""
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


def _print_profile(pr: dict[str, Any]) -> None:
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


def print_report(results: dict[str, Any]) -> None:
    _print_header(results)
    _print_sizes(results)
    _print_verdicts(results)
    if results.get("profile"):
        _print_profile(results["profile"])
