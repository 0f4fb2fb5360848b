# ruff: noqa: E501  (templated prose and HTML: long literal lines are clearer unwrapped)
"""Payer policies as text (or Markdown): the Aetna, Cigna, UnitedHealthcare, BCBS and
Medicare LCD layouts, with the labels of the samples in `sources/payer_policies/`."""

from __future__ import annotations

import random
from datetime import date

from bench.synth.common import _next_year
from bench.synth.policies import PolicyCode, PolicySeries, _background, _codes_by, _criteria
from bench.synth.words import CRITERIA


def _render_cigna(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    h = "## " if md else ""
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    lines = [
        "Cigna Medical Coverage Policy",
        s.title,
        f"Effective Date: {eff:%m/%d/%Y}",
        f"Next Review Date: {_next_year(eff):%m/%d/%Y}",
        f"Coverage Policy Number: {s.policy_id}",
        "",
        f"{h}Related Coverage Resources",
        f"{rng.choice(s.domain.procedures)[0]} Services",
        "",
        f"{h}INSTRUCTIONS FOR USE",
        "This Coverage Policy describes how coverage decisions are generally made for the "
        "services named here. The member's plan document governs and may include limits or "
        "exclusions that this policy does not list.",
        "",
        f"{h}Overview",
        f"This Coverage Policy addresses {s.topic.lower()} for adults.",
        "",
        f"{h}Coverage Policy",
        f"{s.topic} is considered medically necessary when ALL of the following criteria are met:",
        *(f"- {c}" for c in _criteria(rng, 3)),
    ]
    if neg:
        lines.append(
            f"{s.topic} for any other indication is considered experimental, investigational or unproven."
        )
    lines += [
        "",
        f"{h}General Background",
        _background(rng, s),
        "",
        f"{h}Coding Information",
        "Notes:",
        "1. Codes are listed for reference and the list may be incomplete.",
        "2. A listed code is not a promise of payment.",
        "",
        "Considered Medically Necessary when criteria in the applicable policy statements listed above are met:",
    ]
    for system, label in (("CPT", "CPT®* Codes"), ("HCPCS", "HCPCS Codes")):
        group = [c for c in cov if (c.code[0].isdigit()) == (system == "CPT")]
        if group:
            lines.append(f"{label}    Description")
            lines += [f"{c.code}    {c.description}" for c in group]
            lines.append("")
    lines.append("ICD-10-CM Diagnosis Codes    Description")
    lines += [f"{code}    {desc}" for code, desc in s.icd]
    lines.append("")
    if neg:
        lines.append("Considered Experimental/Investigational/Unproven:")
        lines.append("CPT®* Codes    Description")
        lines += [f"{c.code}    {c.description}" for c in neg]
        lines.append("")
    lines += [
        f"{h}Revision Details",
        "| Type of Revision | Summary of Changes | Date |",
        "|---|---|---|",
    ]
    lines += [f"| {summary.split('.')[0]} | {summary} | {d:%m/%d/%Y} |" for d, summary in revs]
    return "\n".join(lines) + "\n"


def _render_uhc(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    h = "## " if md else ""
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    lines = [
        "UnitedHealthcare® Commercial",
        "Medical Policy",
        s.title,
        f"Policy Number: {s.policy_id}",
        f"Effective Date: {eff:%B} {eff.day}, {eff.year}",
        "",
        f"{h}Application",
        "This Medical Policy applies to commercial benefit plans; other lines of business "
        "follow their own policies.",
        "",
        f"{h}Coverage Rationale",
    ]
    if cov:
        lines.append(
            f"{s.topic} (CPT codes {', '.join(c.code for c in cov)}) is proven and "
            "medically necessary when all of the following are present:"
        )
        lines += [f"- {c}" for c in _criteria(rng, 3)]
    if neg:
        lines.append(
            "The following are unproven and not medically necessary due to insufficient evidence of efficacy:"
        )
        lines += [f"- {c.description} (CPT code {c.code})" for c in neg]
    lines += [
        "",
        f"{h}Applicable Codes",
        "The codes below are listed for reference only; listing a code does not imply "
        "that the service is covered.",
        "| CPT Code | Description |",
        "|---|---|",
    ]
    lines += [f"| {c.code} | {c.description} |" for c in sorted(codes, key=lambda c: c.code)]
    lines += [
        "",
        f"{h}Description of Services",
        _background(rng, s),
        "",
        f"{h}Policy History/Revision Information",
        "| Date | Summary of Changes |",
        "|---|---|",
    ]
    lines += [f"| {d:%m/%d/%Y} | {summary} |" for d, summary in revs]
    lines += [
        "",
        f"{h}Instructions for Use",
        "This policy helps interpret standard benefit plans; the member's plan document governs.",
    ]
    return "\n".join(lines) + "\n"


def _render_bcbs(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    h = "## " if md else ""
    lines = [
        "Blue Cross Blue Shield",
        "Medical Policy",
        s.title,
        f"Policy Number: {s.policy_id}",
        f"Section: {rng.choice(('Surgery', 'Medicine', 'Radiology', 'Durable Medical Equipment'))}",
        f"Original Effective Date: {s.original:%m/%d/%Y}",
        f"Current Effective Date: {eff:%m/%d/%Y}",
        f"Last Review Date: {review:%m/%d/%Y}",
        "",
        f"{h}Description",
        _background(rng, s),
        "",
        f"{h}Policy",
    ]
    for c in codes:
        word = {
            "covered": "medically necessary",
            "not_covered": "not medically necessary",
            "investigational": "investigational",
        }[c.coverage]
        tail = f" when {rng.choice(CRITERIA)}" if c.coverage == "covered" else ""
        lines.append(f"{c.description} (CPT {c.code}) is considered {word}{tail}.")
    lines += [
        "",
        f"{h}Policy Guidelines",
        "Imaging guidance included in a code is not reported separately.",
        "",
        f"{h}Coding",
        "| Code | Description |",
        "|---|---|",
    ]
    lines += [f"| {c.code} | {c.description} |" for c in codes]
    lines += [
        "",
        f"{h}Rationale",
        _background(rng, s),
        "",
        f"{h}Policy History",
        "| Date | Action |",
        "|---|---|",
    ]
    lines += [f"| {d:%m/%d/%Y} | {summary} |" for d, summary in revs]
    return "\n".join(lines) + "\n"


def _render_medicare(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    contractor = rng.choice(
        (
            "Noridian Healthcare Solutions, LLC",
            "Palmetto GBA",
            "Novitas Solutions, Inc.",
            "First Coast Service Options, Inc.",
            "CGS Administrators, LLC",
        )
    )
    lines = [
        "Local Coverage Determination (LCD)",
        s.title,
        s.policy_id,
        "",
        "Contractor Information",
        f"Contractor Name: {contractor}",
        "Contract Type: A and B MAC",
        f"Contract Number: {rng.randrange(1000, 16000):05d}",
        "",
        "LCD Information",
        "Document Information",
        f"LCD ID: {s.policy_id}",
        f"LCD Title: {s.title}",
        f"Original Effective Date: {s.original:%m/%d/%Y}",
        f"Revision Effective Date: For services performed on or after {eff:%m/%d/%Y}",
        "Revision Ending Date: N/A",
        "Retirement Date: N/A",
        "",
        "Coverage Indications, Limitations, and/or Medical Necessity",
        f"{s.topic} is reasonable and necessary when {rng.choice(CRITERIA)} and {rng.choice(CRITERIA)}.",
        "",
        "Summary of Evidence",
        _background(rng, s),
        "",
        "Coding Information",
        "CPT/HCPCS Codes",
        "Group 1 Paragraph: The following codes are covered when the requirements of this LCD are met.",
        "Group 1 Codes:",
        "Code\tDescription",
    ]
    lines += [f"{c.code}\t{c.description}" for c in cov]
    if neg:
        lines += [
            "",
            "Group 2 Paragraph: The following codes are non-covered because the evidence does not show them to be reasonable and necessary.",
            "Group 2 Codes:",
            "Code\tDescription",
        ]
        lines += [f"{c.code}\t{c.description}" for c in neg]
    lines += [
        "",
        "ICD-10-CM Codes that Support Medical Necessity",
        "Group 1 Paragraph: Report the diagnosis to the highest level of specificity.",
        "Group 1 Codes:",
        "ICD-10-CM Code\tDescription",
    ]
    lines += [f"{code}\t{desc}" for code, desc in s.icd]
    lines += [
        "",
        "Revision History Information",
        "| Revision History Date | Revision History Number | Revision History Explanation | Reasons for Change |",
        "|---|---|---|---|",
    ]
    n = len(revs)
    lines += [
        f"| {d:%m/%d/%Y} | R{n - i} | {summary} | Provider Education/Guidance |"
        for i, (d, summary) in enumerate(revs)
    ]
    return "\n".join(lines) + "\n"


def _render_aetna(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    lines = [
        "Aetna Clinical Policy Bulletin",
        f"# {s.title}",
        f"Number: {s.policy_id}",
        "",
        "## Policy History",
        f"Last Review: {review:%m/%d/%Y}",
        f"Effective: {s.original:%m/%d/%Y}",
        f"Next Review: {_next_year(review):%m/%d/%Y}",
        "",
        "## Policy",
        "### I. Medical Necessity",
        f"Aetna considers {s.topic.lower()} medically necessary when all of the following are met:",
        *(f"- {c}" for c in _criteria(rng, 3)),
    ]
    if neg:
        lines += [
            "### II. Experimental, Investigational, or Unproven",
            f"Aetna considers {s.topic.lower()} experimental, investigational, or unproven for all other indications.",
        ]
    lines += ["", "## Code Table", "| Code | Code Description |", "|---|---|"]
    if cov:
        lines.append("| CPT codes covered if selection criteria are met: |")
        lines += [f"| {c.code} | {c.description} |" for c in cov]
    if neg:
        lines.append("| CPT codes not covered for indications listed in the CPB: |")
        lines += [f"| {c.code} | {c.description} |" for c in neg]
    lines.append("| ICD-10 codes covered if selection criteria are met: |")
    lines += [f"| {code} | {desc} |" for code, desc in s.icd]
    lines += ["", "## Background", _background(rng, s)]
    return "\n".join(lines) + "\n"


POLICY_RENDERERS = {
    "aetna": ("cpb", _render_aetna),
    "cigna": ("mcp", _render_cigna),
    "unitedhealthcare": ("mp", _render_uhc),
    "bcbs": ("mp", _render_bcbs),
    "medicare": ("lcd", _render_medicare),
}
