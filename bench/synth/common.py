"""Helpers shared by the generator's modules: per-item random generators, slugs, amounts and
dates, and the billing codes a corpus is built around."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bench.synth.words import (
    DME_ITEMS,
    DOMAINS,
    DRUG_MIDDLES,
    DRUG_STEMS,
    DRUG_SUFFIXES,
    G_SERVICES,
    MEASURES,
    SUPPLIES,
    Domain,
)

# --- helpers ------------------------------------------------------------------------------


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent generator for one item (string seeds hash with SHA-512: stable)."""
    return random.Random("/".join(map(str, (seed, *parts))))


def _slug(text: str, words: int = 4) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "doc"


def _money(rng: random.Random, low: float, high: float) -> str:
    return f"${rng.uniform(low, high):,.2f}"


def _date_between(rng: random.Random, start: date, days: int) -> date:
    return start + timedelta(days=rng.randrange(days))


def _fmt_date(rng: random.Random, d: date, styles: Sequence[str] = ("us", "iso", "long")) -> str:
    style = rng.choice(styles)
    if style == "iso":
        return d.isoformat()
    if style == "long":
        return f"{d:%B} {d.day}, {d.year}"
    return f"{d:%m/%d/%Y}"


def _next_year(d: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    return d.replace(year=d.year + 1, day=min(d.day, 28) if d.month == 2 else d.day)


def _join_names(rng: random.Random, names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if rng.random() < 0.15:
        return "; ".join(names)
    oxford = "," if rng.random() < 0.6 else ""
    return ", ".join(names[:-1]) + f"{oxford} and " + names[-1]


def _drug_name(rng: random.Random) -> str:
    return (rng.choice(DRUG_STEMS) + rng.choice(DRUG_MIDDLES) + rng.choice(DRUG_SUFFIXES)).title()


def _icd(rng: random.Random, letters: str) -> str:
    letter = rng.choice(letters)
    return f"{letter}{rng.randrange(10, 99)}.{rng.randrange(0, 99)}"


# --- codes --------------------------------------------------------------------------------

HCPCS_LETTERS = "ABCEGJKLQSV"


@dataclass
class CodeInfo:
    """One billing code and everything its reports and policies say about it."""

    code: str
    system: str  # CPT or HCPCS
    category: str  # I, II, III, HCPCS
    title: str
    domain: Domain
    kind: str  # procedure, drug, dme, service, supply, measure
    topic: str


def _code_pool(master: random.Random, n: int) -> list[str]:
    """`n` distinct codes: ~62 % CPT I, 8 % II, 6 % III, 24 % HCPCS Level II."""
    n_ii = max(1, n * 8 // 100) if n >= 12 else 0
    n_iii = max(1, n * 6 // 100) if n >= 16 else 0
    n_hcpcs = n * 24 // 100
    n_i = n - n_ii - n_iii - n_hcpcs
    codes = [f"{x:05d}" for x in master.sample(range(10021, 99608), n_i)]
    codes += [f"{x:04d}F" for x in master.sample(range(1, 9999), n_ii)]
    codes += [f"{x:04d}T" for x in master.sample(range(42, 1000), min(n_iii, 958))]
    hcpcs_space = len(HCPCS_LETTERS) * 9999
    for x in master.sample(range(hcpcs_space), n_hcpcs + (n_iii - min(n_iii, 958))):
        codes.append(f"{HCPCS_LETTERS[x // 9999]}{x % 9999 + 1:04d}")
    master.shuffle(codes)
    return codes


def _code_info(seed: int, code: str) -> CodeInfo:
    rng = _rng(seed, "code", code)
    domain = rng.choice(DOMAINS)
    if code.endswith("F"):
        return CodeInfo(
            code, "CPT", "II", rng.choice(MEASURES), domain, "measure", "quality reporting"
        )
    procedure, sites = rng.choice(domain.procedures)
    site = rng.choice(sites)
    if code[0].isdigit():
        category = "III" if code.endswith("T") else "I"
        if site.lower().startswith("with"):
            title = f"{procedure} {site[0].lower()}{site[1:]}"
        else:
            title = f"{procedure}, {site}"
        return CodeInfo(code, "CPT", category, title, domain, "procedure", procedure.lower())
    letter = code[0]
    if letter in "JQ":
        dose = rng.choice(("1 mg", "5 mg", "10 mg", "100 units", "0.1 mg", "50 mcg"))
        return CodeInfo(
            code,
            "HCPCS",
            "HCPCS",
            f"Injection, {_drug_name(rng)}, {dose}",
            domain,
            "drug",
            "specialty drug",
        )
    if letter in "EKL":
        return CodeInfo(
            code,
            "HCPCS",
            "HCPCS",
            rng.choice(DME_ITEMS),
            domain,
            "dme",
            "durable medical equipment",
        )
    if letter in "AB":
        return CodeInfo(
            code, "HCPCS", "HCPCS", rng.choice(SUPPLIES), domain, "supply", "medical supplies"
        )
    return CodeInfo(
        code,
        "HCPCS",
        "HCPCS",
        rng.choice(G_SERVICES),
        domain,
        "service",
        rng.choice(G_SERVICES).split(",")[0].lower(),
    )
