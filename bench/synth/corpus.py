"""The corpus driver (`synthesize_corpus`) and the later-snapshot edits (`mutate_corpus`)."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bench.synth.common import _code_info, _code_pool, _rng, _slug
from bench.synth.policies import (
    POLICY_PAYERS,
    POLICY_WEIGHTS,
    PolicyRenderer,
    _policy_ids,
    _policy_series,
    _policy_version,
)
from bench.synth.policy_html import _render_aetna_html, _render_medicare_html
from bench.synth.policy_text import POLICY_RENDERERS
from bench.synth.reports import (
    TEXT_FORMATS,
    _encode,
    _render_report,
    _report_facts,
    _report_style,
    _revise_facts,
)

# --- the corpus ---------------------------------------------------------------------------


def _versions(rng: random.Random, remaining: int, weights: tuple[int, ...]) -> int:
    return min(remaining, rng.choices(range(1, len(weights) + 1), weights)[0])


def synthesize_corpus(
    root: Path,
    *,
    reports: int,
    policies: int,
    seed: int,
    formats: tuple[str, ...] = ("txt", "md"),
    changed_fraction: float = 0.0,
) -> dict[str, Any]:
    """Write `reports` code reports and `policies` policy files under `root`.

    Deterministic in its arguments (same bytes every time). `formats` picks the file
    formats: code reports use the text formats in it (`txt`, `md`); policies are text, and
    Aetna/Medicare policies are HTML when "html" is in it. `changed_fraction` > 0 then
    applies `mutate_corpus(root, changed_fraction, seed + 1)`: the same corpus with that
    share of files edited, as a later snapshot of the same inbox.

    Returns counts and bytes: files, reports, policies, distinct_codes, bytes, by format,
    encoding, code category and payer, and `changed` (files the mutation rewrote).
    """
    if reports < 0 or policies < 0:
        raise ValueError("reports and policies must be >= 0")
    if reports and not any(f in TEXT_FORMATS for f in formats):
        raise ValueError(f"code reports need a text format in formats: {TEXT_FORMATS}")
    root = Path(root)
    master = random.Random(seed)
    code_dir = root / "code_reports"
    code_dir.mkdir(parents=True, exist_ok=True)
    stats = _new_stats()

    # Plan the series: about one code in six has two or three versions.
    plan_rng = random.Random(f"{seed}/plan")
    series_sizes = _plan_report_series(plan_rng, reports)
    pool = _code_pool(master, max(len(series_sizes), 50))
    stats["distinct_codes"] = len(series_sizes)
    stats["reports"] = _write_reports(code_dir, series_sizes, pool, seed, formats, stats)

    # Policies: series of one to three versions per payer, codes drawn from the same pool.
    planned = _plan_policy_series(plan_rng, policies)
    code_pool = pool[: max(len(series_sizes), 50)]
    _write_policies(root, planned, code_pool, seed, formats, stats)

    stats["changed"] = 0
    if changed_fraction > 0:
        changed = mutate_corpus(root, changed_fraction, seed + 1)
        stats["changed"] = changed["changed"]
        stats["bytes"] += changed["bytes_delta"]
    for key in ("by_format", "by_encoding", "by_category", "by_payer"):
        stats[key] = dict(sorted(stats[key].items()))
    return stats


def _new_stats() -> dict[str, Any]:
    return {
        "files": 0,
        "reports": 0,
        "policies": 0,
        "bytes": 0,
        "distinct_codes": 0,
        "truncated": 0,
        "by_format": Counter(),
        "by_encoding": Counter(),
        "by_category": Counter(),
        "by_payer": Counter(),
    }


def _write(stats: dict[str, Any], path: Path, data: bytes, fmt: str, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stats["files"] += 1
    stats["bytes"] += len(data)
    stats["by_format"][fmt] += 1
    stats["by_encoding"][encoding] += 1


def _plan_report_series(plan_rng: random.Random, reports: int) -> list[int]:
    """The number of versions of each code's report, adding up to `reports`."""
    series_sizes: list[int] = []
    left = reports
    while left > 0:
        n = _versions(plan_rng, left, (84, 12, 4))
        series_sizes.append(n)
        left -= n
    return series_sizes


def _write_reports(
    code_dir: Path,
    series_sizes: list[int],
    pool: list[str],
    seed: int,
    formats: tuple[str, ...],
    stats: dict[str, Any],
) -> int:
    """Write every version of every code's report; returns the number of files written."""
    written = 0
    for s_index, n_versions in enumerate(series_sizes):
        code = pool[s_index]
        info = _code_info(seed, code)
        facts = _report_facts(seed, info)
        style_rng = _rng(seed, "style", code)
        base_style = _report_style(style_rng, formats)
        stats["by_category"][info.category] += 1
        for v in range(n_versions):
            rng = _rng(seed, "report", code, v)
            if v:
                _revise_facts(facts, info, rng, v)
            if v:
                style = _report_style(_rng(seed, "style", code, v), formats, base_style.ext)
            else:
                style = base_style
            text = _render_report(info, facts, style, rng)
            if not text.endswith("\n"):
                stats["truncated"] += 1
            name = (
                f"{'hcpcs' if info.system == 'HCPCS' else 'cpt'}_{code.lower()}_{_slug(info.title)}"
            )
            name += f"_v{v + 1}" if n_versions > 1 else ""
            _write(
                stats,
                code_dir / f"{name}.{style.ext}",
                _encode(text, style.encoding),
                style.ext,
                style.encoding,
            )
            written += 1
    return written


def _plan_policy_series(plan_rng: random.Random, policies: int) -> list[tuple[str, int]]:
    """(payer, number of versions) of each policy series, adding up to `policies` files."""
    left = policies
    planned: list[tuple[str, int]] = []
    while left > 0:
        payer = plan_rng.choices(POLICY_PAYERS, POLICY_WEIGHTS)[0]
        n = _versions(plan_rng, left, (45, 35, 20))
        planned.append((payer, n))
        left -= n
    return planned


def _write_policies(
    root: Path,
    planned: list[tuple[str, int]],
    code_pool: list[str],
    seed: int,
    formats: tuple[str, ...],
    stats: dict[str, Any],
) -> None:
    """Write every version of every planned policy series under root/payer_policies/."""
    per_payer = Counter(payer for payer, _ in planned)
    ids = {
        p: iter(_policy_ids(random.Random(f"{seed}/ids/{p}"), p, per_payer[p])) for p in per_payer
    }
    for payer, n_versions in planned:
        policy_id = next(ids[payer])
        series = _policy_series(seed, payer, policy_id, code_pool, n_versions)
        slug = _slug(series.title, 3)
        for v in range(n_versions):
            rng = _rng(seed, "policy-file", payer, policy_id, v)
            eff, review, codes, revs = _policy_version(series, v, rng, code_pool, seed)
            fmt, render_fn = _policy_format(payer, formats, rng)
            text = render_fn(series, eff, review, codes, revs, rng, fmt == "md")
            year = eff.year
            prefix = POLICY_RENDERERS[payer][0]
            fname = f"{prefix}_{policy_id.lower()}_{slug}_{year}_v{v + 1}.{fmt}"
            _write(
                stats, root / "payer_policies" / payer / fname, text.encode("utf-8"), fmt, "utf-8"
            )
            stats["by_payer"][payer] += 1
            stats["policies"] += 1


def _policy_format(
    payer: str, formats: tuple[str, ...], rng: random.Random
) -> tuple[str, PolicyRenderer]:
    """The format of one policy file (txt, md or html) and the function that writes it."""
    fmt = "txt"
    if "html" in formats and (payer == "aetna" or (payer == "medicare" and rng.random() < 0.5)):
        fmt = "html"
        return fmt, _render_aetna_html if payer == "aetna" else _render_medicare_html
    if "md" in formats and payer in ("cigna", "unitedhealthcare", "bcbs") and rng.random() < 0.2:
        fmt = "md"
    return fmt, POLICY_RENDERERS[payer][1]


# --- mutation -----------------------------------------------------------------------------

_AMOUNT = re.compile(r"\$(\d{1,3}(?:,\d{3})*|\d+)\.(\d{2})")
_NOTE_SENTENCES = (
    " Wording in this paragraph was reviewed for clarity.",
    " This paragraph was checked against the current source.",
    " Minor editorial corrections were made here.",
)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _mutate_text(text: str, rng: random.Random) -> str:
    amounts = [m for m in _AMOUNT.finditer(text) if m.group(0) != "$0.00"]
    if amounts:
        m = rng.choice(amounts)
        cents = int(m.group(1).replace(",", "")) * 100 + int(m.group(2))
        cents += rng.choice((-1, 1)) * rng.randrange(1, 500)
        cents = abs(cents) or 1
        new = f"${cents // 100:,}.{cents % 100:02d}"
        if new != m.group(0):
            return text[: m.start()] + new + text[m.end() :]
    # Otherwise one sentence is added to a prose paragraph (or an HTML <p>).
    note = rng.choice(_NOTE_SENTENCES)
    at = text.find("</p>")
    if at >= 0:
        return text[:at] + note + text[at:]
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(nl)
    prose = [i for i, line in enumerate(lines) if len(line) > 120 and line.rstrip().endswith(".")]
    i = rng.choice(prose) if prose else len(lines) - 1
    lines[i] = lines[i].rstrip() + note
    return nl.join(lines)


def mutate_corpus(root: Path, fraction: float, seed: int) -> dict[str, Any]:
    """Rewrite `round(fraction * files)` files under `root` (at least one when fraction > 0)
    with a small content change: a `$` amount moves by a few dollars or cents, or a sentence
    is added to a prose paragraph. Encodings and line endings are kept. Deterministic in
    (files present, fraction, seed); every chosen file's bytes change.

    Returns {"changed": n, "paths": [relative POSIX paths], "bytes_delta": int}.
    """
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    root = Path(root)
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    k = round(fraction * len(files))
    if fraction > 0 and files and k == 0:
        k = 1
    rng = random.Random(f"{seed}/mutate/{len(files)}")
    chosen = sorted(rng.sample(files, k), key=lambda p: p.as_posix())
    delta = 0
    paths = []
    for path in chosen:
        data = path.read_bytes()
        text, encoding = _decode(data)
        new_text = _mutate_text(
            text, random.Random(f"{seed}/mutate/{path.relative_to(root).as_posix()}")
        )
        if encoding == "utf-16":
            new = b"\xff\xfe" + new_text.encode("utf-16-le")
        else:
            new = new_text.encode(encoding, errors="replace")
        assert new != data
        path.write_bytes(new)
        delta += len(new) - len(data)
        paths.append(path.relative_to(root).as_posix())
    return {"changed": len(paths), "paths": paths, "bytes_delta": delta}
