# ruff: noqa: E501  (templated prose and HTML: long literal lines are clearer unwrapped)
"""Payer policy series: ids, the codes and diagnoses a series covers, and the dates, codes
and revision rows of each version; shared pieces of the layouts' text."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.synth.common import _code_info, _icd, _rng
from bench.synth.words import CRITERIA, FIRST_NAMES_POLICY, REVISION_TYPES, Domain

# --- payer policies -----------------------------------------------------------------------

POLICY_PAYERS = ("aetna", "cigna", "unitedhealthcare", "bcbs", "medicare")
POLICY_WEIGHTS = (20, 20, 20, 20, 20)


@dataclass
class PolicyCode:
    code: str
    description: str
    coverage: str  # covered, not_covered, investigational


@dataclass
class PolicySeries:
    payer: str
    policy_id: str
    title: str
    topic: str
    domain: Domain
    codes: list[PolicyCode]
    icd: list[tuple[str, str]]
    first_year: int
    original: date
    revisions: list[tuple[date, str]] = field(default_factory=list)


#: A layout: (series, effective date, last review, codes, revision rows, rng, markdown) -> text.
PolicyRenderer = Callable[
    [PolicySeries, date, date, list[PolicyCode], list[tuple[date, str]], random.Random, bool], str
]


def _policy_ids(master: random.Random, payer: str, n: int) -> list[str]:
    if payer in ("aetna", "cigna"):
        return [f"{x:04d}" for x in master.sample(range(1, 10000), n)]
    if payer == "unitedhealthcare":
        return [
            f"{master.choice((2024, 2025, 2026))}T{x:04d}{master.choice('ABC')}"
            for x in master.sample(range(1, 10000), n)
        ]
    if payer == "bcbs":
        return [
            f"{x // 10000 + 1}.{x // 100 % 100:02d}.{x % 100:02d}"
            for x in master.sample(range(0, 90000), n)
        ]
    return [f"L{x:05d}" for x in master.sample(range(30000, 40000), n)]


def _policy_series(seed: int, payer: str, policy_id: str, codes: list[str], n: int) -> PolicySeries:
    rng = _rng(seed, "policy", payer, policy_id)
    infos = [_code_info(seed, c) for c in rng.sample(codes, min(len(codes), rng.randrange(6, 18)))]
    domain = infos[0].domain
    procedure, sites = rng.choice(domain.procedures)
    topic = f"{procedure}, {rng.choice(sites)}"
    title = rng.choice(
        (
            topic,
            f"{topic} and Related Procedures",
            f"{rng.choice(FIRST_NAMES_POLICY)} Management: {topic}",
        )
    )
    pcodes = []
    for info in infos:
        cov = rng.choices(("covered", "not_covered", "investigational"), (70, 10, 20))[0]
        if info.category == "III":
            cov = "investigational"
        pcodes.append(PolicyCode(info.code, info.title, cov))
    icd = [
        (
            _icd(rng, domain.icd_letters),
            f"{rng.choice(domain.conditions).capitalize()}, "
            f"{rng.choice(('unspecified', 'initial encounter', 'left side', 'right side', 'other site'))}",
        )
        for _ in range(rng.randrange(3, 8))
    ]
    icd = list(dict(icd).items())
    first_year = 2026 - n + 1 - rng.randrange(0, 2)
    original = date(rng.randrange(2005, 2019), rng.randrange(1, 13), 1)
    return PolicySeries(payer, policy_id, title, topic, domain, pcodes, icd, first_year, original)


def _policy_version(
    series: PolicySeries, version: int, rng: random.Random, pool: list[str], seed: int
) -> tuple[date, date, list[PolicyCode], list[tuple[date, str]]]:
    """Dates, codes and revision rows of version `version` (0-based) of a series."""
    codes = [PolicyCode(c.code, c.description, c.coverage) for c in series.codes]
    revisions: list[tuple[date, str]] = [(series.original, "New policy.")]
    year = series.first_year
    eff = date(year, rng.randrange(1, 13), 1)
    for v in range(1, version + 1):
        vr = _rng(seed, "policy-version", series.payer, series.policy_id, v)
        moved = vr.choice(codes)
        moved.coverage = (
            "covered"
            if moved.coverage != "covered"
            else vr.choice(("not_covered", "investigational"))
        )
        added = _code_info(seed, vr.choice(pool))
        if all(c.code != added.code for c in codes):
            codes.append(
                PolicyCode(added.code, added.title, vr.choice(("covered", "investigational")))
            )
        revisions.append(
            (
                eff,
                f"{vr.choice(REVISION_TYPES)}. Coverage of {moved.code} changed; "
                f"{added.code} added to the coding section.",
            )
        )
        eff = date(year + v, vr.randrange(1, 13), 1)
    for y in range(max(series.original.year + 1, year - 2), year):
        revisions.append(
            (
                date(y, eff.month, 1),
                f"{rng.choice(REVISION_TYPES)}. No change to the policy statements.",
            )
        )
    revisions.append(
        (
            eff,
            f"{rng.choice(REVISION_TYPES)}. {rng.choice(('Criteria reworded for clarity.', 'References updated.', 'Coding section reviewed.'))}",
        )
    )
    revisions = sorted(set(revisions), reverse=True)
    last_review = eff - timedelta(days=rng.randrange(10, 40))
    return eff, last_review, codes, revisions


def _criteria(rng: random.Random, n: int) -> list[str]:
    return [c[0].upper() + c[1:] for c in rng.sample(CRITERIA, n)]


def _background(rng: random.Random, series: PolicySeries) -> str:
    return (
        f"{series.topic} is used in {series.domain.name} for patients with "
        f"{rng.choice(series.domain.conditions)}. Published series report "
        f"{rng.choice(('comparable outcomes to surgery in selected patients', 'short recovery and few complications', 'variable results depending on patient selection'))}, "
        f"while comparative trials remain {rng.choice(('few', 'small', 'limited to single centers'))}. "
        f"Guidelines from specialty societies {rng.choice(('support the service for defined indications', 'list the service as an option', 'call for more evidence before routine use'))}."
    )


def _codes_by(codes: list[PolicyCode], coverage: str) -> list[PolicyCode]:
    return [c for c in codes if c.coverage == coverage]
