# ruff: noqa: E501  (templated prose and HTML: long literal lines are clearer unwrapped)
"""Code reports: a style per report (format, headings, labels, encoding, table shape), the
facts it states, and the text, in the genre of the seed report."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench.synth.common import CodeInfo, _date_between, _fmt_date, _join_names, _money, _rng
from bench.synth.words import (
    AUDIENCES,
    BENCHMARK_LABELS,
    COVERED_PHRASES,
    CRITERIA,
    DME_MODIFIERS,
    DOC_ELEMENTS,
    DOMAIN_MODIFIERS,
    DRUG_MODIFIERS,
    MEASURE_MODIFIERS,
    MODIFIERS,
    NONCOVERED_PHRASES,
    PA_NOT_REQUIRED,
    PA_REQUIRED,
    PA_UNKNOWN,
    PAYER_NAMES,
    PAYER_WEIGHTS,
    SEXES,
    UPDATE_ACTIONS,
)

TEXT_FORMATS = ("txt", "md")
#: Share of text code reports written in Windows-1252 with CRLF, and in UTF-16 LE.
CP1252_SHARE = 0.04
UTF16_SHARE = 0.02
#: Share of code reports that stop in the middle of a modifier-table row.
TRUNCATED_SHARE = 0.03
#: Share of code reports with "Data not available in the input." instead of modifiers.
NO_MODIFIERS_SHARE = 0.05
# --- code reports -------------------------------------------------------------------------


@dataclass
class ReportStyle:
    ext: str
    headings: str  # plain, caps, hash, bold
    labels: str  # colon, bold, dash, bullet_bold
    encoding: str  # utf-8, cp1252, utf-16
    table_outer: bool
    align: str
    fourth_col: bool
    coverage: str  # line, bullet, table
    bullets: str
    blank_lines: bool
    truncated: bool
    no_modifiers: bool


def _report_style(
    rng: random.Random, formats: Sequence[str], ext: str | None = None
) -> ReportStyle:
    text_formats = [f for f in formats if f in TEXT_FORMATS]
    chosen = rng.choice(text_formats)
    ext = ext or chosen
    if ext == "md":
        headings = rng.choices(("hash", "bold", "plain"), (70, 20, 10))[0]
        labels = rng.choices(("colon", "bold", "bullet_bold", "dash"), (35, 35, 15, 15))[0]
    else:
        headings = rng.choices(("plain", "caps", "hash"), (65, 25, 10))[0]
        labels = rng.choices(("colon", "dash"), (75, 25))[0]
    roll = rng.random()
    encoding = "utf-8"
    if ext == "txt" and roll < CP1252_SHARE * 2:  # txt is about half of the reports
        encoding = "cp1252"
    elif ext == "txt" and roll < (CP1252_SHARE + UTF16_SHARE) * 2:
        encoding = "utf-16"
    return ReportStyle(
        ext=ext,
        headings=headings,
        labels=labels,
        encoding=encoding,
        table_outer=rng.random() < 0.75,
        align=rng.choice(("|---|---|---|", "|:---|:---|:---|", "|---|:---:|---|", "---|---|---")),
        fourth_col=rng.random() < 0.2,
        coverage=rng.choices(("line", "bullet", "table"), (60, 30, 10))[0],
        bullets=rng.choice(("-", "*", "1.")),
        blank_lines=ext == "md" and rng.random() < 0.7,
        truncated=rng.random() < TRUNCATED_SHARE,
        no_modifiers=rng.random() < NO_MODIFIERS_SHARE,
    )


class _Doc:
    """Lines of a report being written, in its heading and label style."""

    def __init__(self, style: ReportStyle) -> None:
        self.style = style
        self.lines: list[str] = []

    def heading(self, text: str, level: int = 1) -> None:
        s = self.style.headings
        if s == "caps":
            line = text.upper() + ":"
        elif s == "hash":
            line = "#" * (level + 1) + " " + text
        elif s == "bold":
            line = f"**{text}**" if level == 1 else f"*{text}*"
        else:
            line = text
        if self.style.blank_lines and self.lines:
            self.lines.append("")
        self.lines.append(line)
        if self.style.blank_lines:
            self.lines.append("")

    def para(self, text: str) -> None:
        self.lines.append(text)
        if self.style.blank_lines:
            self.lines.append("")

    def label(self, label: str, value: str) -> None:
        s = self.style.labels
        dash = "–" if self.style.encoding == "cp1252" else "-"
        if s == "bold":
            self.lines.append(f"**{label}:** {value}")
        elif s == "bullet_bold":
            self.lines.append(f"- **{label}:** {value}")
        elif s == "dash":
            self.lines.append(f"{label} {dash} {value}")
        else:
            self.lines.append(f"{label}: {value}")

    def bullet(self, text: str, n: int) -> None:
        b = self.style.bullets
        self.lines.append(f"{n}. {text}" if b == "1." else f"{b} {text}")

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


@dataclass
class ReportFacts:
    """What a code's report states; later versions change a few facts."""

    payers: list[tuple[str, str]]  # (payer_id, name as written)
    coverage: dict[str, str]  # payer_id -> statement
    modifiers: list[str]
    updates: list[tuple[date, str]]
    benchmarks: list[tuple[str, str]]
    documentation: list[str]
    service_type: str
    site: str
    vignette: list[str]
    audiences: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


def _coverage_statement(rng: random.Random, info: CodeInfo, payer_id: str) -> str:
    if info.category == "III" and rng.random() < 0.6:
        first = rng.choice(NONCOVERED_PHRASES)
    else:
        first = rng.choice(COVERED_PHRASES).format(crit=rng.choice(CRITERIA), topic=info.topic)
    pa = rng.choices((PA_REQUIRED, PA_NOT_REQUIRED, PA_UNKNOWN), (45, 45, 10))[0]
    return f"{first}; {rng.choice(pa)}."


def _vignette(rng: random.Random, info: CodeInfo) -> list[str]:
    d = info.domain
    noun, pron, poss = rng.choice(SEXES)
    age = rng.randrange(24, 88)
    cond = rng.choice(d.conditions)
    out = [
        f"A {age}-year-old {noun} presents with {cond} that has progressed over "
        f"{rng.randrange(2, 14)} months despite "
        f"{rng.choice(('medication', 'therapy', 'observation', 'lifestyle changes'))}.",
        f"Work-up shows {rng.choice(d.findings)}, and the care team reviews {poss} history, "
        f"laboratory values and prior treatment before the plan is made.",
    ]
    if info.kind == "drug":
        out += [
            f"The oncologist or specialist orders {info.title.split(',')[1].strip()} at a dose "
            f"of {rng.randrange(2, 40) * 10} units every {rng.choice(('two', 'three', 'four'))} weeks, "
            f"and the infusion nurse records vial sizes, lot numbers and any amount discarded.",
            f"{pron} is monitored for infusion reactions and laboratory toxicity before each cycle.",
        ]
    elif info.kind in ("dme", "supply"):
        out += [
            f"The treating clinician documents the need for {info.title.lower()} and a face-to-face "
            f"visit, and the supplier delivers the item with written instructions.",
            f"Use is reviewed after {rng.randrange(30, 91)} days to confirm that {pron.lower()} "
            f"benefits and continues to use the item as prescribed.",
        ]
    elif info.kind == "measure":
        out += [
            f"At the visit the clinician records the measure for {info.title.lower()} in the "
            f"structured field of the record so that it flows to the quality report.",
            "No separate payment is expected; the code is reported for quality programs.",
        ]
    else:
        out += [
            f"{pron} gives informed consent after a discussion of the expected benefit, the risks "
            f"of {rng.choice(('bleeding', 'infection', 'nerve injury', 'recurrence'))} and the "
            f"alternatives, and {info.title.lower()} is scheduled in the "
            f"{rng.choice(d.settings).lower()}.",
            f"The {d.performer} performs the procedure under "
            f"{rng.choice(('moderate sedation', 'local anesthesia', 'general anesthesia', 'image guidance'))}, "
            f"records the technique and confirms the result before the patient leaves the room.",
            f"{pron} is observed for {rng.randrange(1, 6)} hours, discharged with written "
            f"instructions, and a follow-up visit is planned in {rng.randrange(2, 12)} weeks.",
        ]
    return out


def _report_facts(seed: int, info: CodeInfo) -> ReportFacts:
    rng = _rng(seed, "facts", info.code)
    ids = list(PAYER_WEIGHTS)
    chosen: list[str] = []
    k = rng.randrange(4, 8)
    while len(chosen) < k:
        pid = rng.choices(ids, [PAYER_WEIGHTS[i] for i in ids])[0]
        if pid not in chosen:
            chosen.append(pid)
    payers = [(pid, rng.choice(PAYER_NAMES[pid])) for pid in chosen]
    coverage = {pid: _coverage_statement(rng, info, pid) for pid in chosen}
    if info.kind == "drug":
        pool: Sequence[str] = DRUG_MODIFIERS
    elif info.kind == "dme":
        pool = DME_MODIFIERS
    elif info.kind == "measure":
        pool = MEASURE_MODIFIERS
    else:
        pool = DOMAIN_MODIFIERS
    modifiers = rng.sample(pool, min(len(pool), rng.randrange(2, 7)))
    if rng.random() < 0.04:
        modifiers.append("11")  # a place-of-service code listed as a modifier
    updates = []
    for _ in range(rng.randrange(2, 5)):
        when = _date_between(rng, date(2019, 1, 1), 6 * 365)
        who = rng.choice(("CMS", *(name for _, name in payers)))
        what = rng.choice(UPDATE_ACTIONS).format(topic=info.topic, code=info.code)
        updates.append((when, f"{who} {what}."))
    updates.sort()
    benchmarks = []
    for label, low, high in rng.sample(BENCHMARK_LABELS, rng.randrange(3, 5)):
        if info.kind == "measure":
            value = "$0.00"
        elif rng.random() < 0.25:
            value = "Data not available in the input"
        else:
            value = _money(rng, low, high)
        benchmarks.append((label, value))
    documentation = rng.sample(DOC_ELEMENTS, rng.randrange(4, 8))
    return ReportFacts(
        payers=payers,
        coverage=coverage,
        modifiers=modifiers,
        updates=updates,
        benchmarks=benchmarks,
        documentation=documentation,
        service_type=rng.choice(info.domain.service_types)
        if info.kind == "procedure"
        else {
            "drug": "Drug, injectable",
            "dme": "Durable medical equipment",
            "supply": "Medical supply",
            "measure": "Performance measurement (quality reporting)",
            "service": "Professional service",
        }[info.kind],
        site=rng.choice(info.domain.settings),
        vignette=_vignette(rng, info),
        audiences=rng.sample(AUDIENCES, 3),
    )


def _revise_facts(facts: ReportFacts, info: CodeInfo, rng: random.Random, version: int) -> None:
    """A later version of a report: a coverage statement changes, a modifier row and a
    dated update are added, and a benchmark amount moves."""
    pid = rng.choice([p for p, _ in facts.payers])
    facts.coverage[pid] = _coverage_statement(rng, info, pid)
    spare = [m for m in DOMAIN_MODIFIERS if m not in facts.modifiers]
    if spare and info.kind == "procedure":
        facts.modifiers.append(rng.choice(spare))
    last = facts.updates[-1][0] if facts.updates else date(2024, 1, 1)
    when = last + timedelta(days=30 + rng.randrange(200))
    who = rng.choice([name for _, name in facts.payers])
    facts.updates.append(
        (when, f"{who} {rng.choice(UPDATE_ACTIONS).format(topic=info.topic, code=info.code)}.")
    )
    for i, (label, value) in enumerate(facts.benchmarks):
        if value.startswith("$") and value != "$0.00":
            amount = float(value[1:].replace(",", "")) * (1 + rng.uniform(0.01, 0.06))
            facts.benchmarks[i] = (label, f"${amount:,.2f}")
            break


def _render_report(
    info: CodeInfo, facts: ReportFacts, style: ReportStyle, rng: random.Random
) -> str:
    d = _Doc(style)
    cp = style.encoding == "cp1252"
    _write_overview(d, info, facts, rng, cp)
    truncated_text = _write_specifications(d, info, facts, rng)
    if truncated_text is not None:
        return truncated_text  # no final newline: the document stops here
    dash = "–" if cp else "-"
    _write_coverage(d, facts, rng, dash)
    _write_updates(d, facts, rng, dash)
    _write_benchmarks(d, facts, rng, dash)
    d.heading(
        rng.choice(
            ("Documentation Requirements", "Required Documentation", "Documentation Elements")
        )
    )
    for n, element in enumerate(facts.documentation, 1):
        d.bullet(element, n)
    return d.text()


def _code_ref(info: CodeInfo) -> str:
    return f"{'HCPCS Level II' if info.system == 'HCPCS' else 'CPT'} code {info.code}"


def _write_overview(
    d: _Doc, info: CodeInfo, facts: ReportFacts, rng: random.Random, cp: bool
) -> None:
    """The summary (title line, payers, audiences) and the billing code overview."""
    style = d.style
    system = info.system
    prefix = "HCPCS" if system == "HCPCS" else rng.choice(("CPT", "CPT", "CPT®"))
    sep = rng.choice((":", ":", ":", " -", " —" if not cp else " –"))
    d.heading(rng.choice(("Summary & Overview", "Summary & Overview", "Summary and Overview")))
    title_line = f"{prefix} {info.code}{sep} {info.title}"
    d.para(f"# {title_line}" if style.headings == "hash" and rng.random() < 0.3 else title_line)
    code_ref = _code_ref(info)
    d.para(
        f"{code_ref} represents {info.title.lower()}, a service used in {info.domain.name} "
        f"for patients with {rng.choice(info.domain.conditions)}. It matters to payers because "
        f"{rng.choice(('utilization has grown steadily', 'site of service drives cost', 'documentation gaps lead to denials', 'criteria differ from plan to plan'))}, "
        f"and because the service sits between {rng.choice(('surgical', 'medical', 'diagnostic'))} "
        f"and {rng.choice(('interventional', 'conservative', 'office-based'))} pathways of care."
    )
    lead = rng.choice(
        (
            "Key payers in this analysis include",
            "Payers covered in this analysis include",
            "Payers addressed in this report include",
            "Major payers reviewed in this review are:",
            "Payers considered in this document include",
        )
    )
    d.para(
        f"{lead} {_join_names(rng, [n for _, n in facts.payers])}. The report covers the "
        "clinical context, coding rules, modifiers, payer positions, recent updates, "
        "benchmarks and documentation."
    )
    cafe = " Prepared with input from a former café owner turned coder." if cp else ""
    d.para(
        f"It is written for {facts.audiences[0]}, {facts.audiences[1]} and "
        f"{facts.audiences[2]}. Data not available in the input is marked where it applies.{cafe}"
    )
    d.heading("Billing Code Overview")
    d.para(
        f"{code_ref} is reported {rng.choice(('once per session', 'per unit', 'per side', 'once per encounter'))}. "
        f"Related services are reported separately only when the policy allows it, and "
        f"bundled guidance or supplies are not billed on top of it."
    )
    if rng.random() < 0.4:
        d.label("Code", info.code)
    d.label(rng.choice(("Service type", "Service type", "Type of service")), facts.service_type)
    d.label(
        rng.choice(("Typical site of service", "Site of service", "Place of service")), facts.site
    )
    if rng.random() < 0.3:
        d.label("Global period", rng.choice(("000 days", "010 days", "090 days", "XXX")))
    if style.blank_lines:
        d.lines.append("")


def _write_specifications(
    d: _Doc, info: CodeInfo, facts: ReportFacts, rng: random.Random
) -> str | None:
    """Clinical context and coding specifications with the modifier table; the whole text
    so far (no final newline) when the document stops in the middle of a table row."""
    style = d.style
    d.heading("Clinical & Coding Specifications")
    d.heading("Clinical Context", 2)
    d.para(" ".join(facts.vignette))
    d.heading(rng.choice(("Coding Specifications", "Coding Specifications", "Common Modifiers")), 2)
    d.para(
        f"Report {info.code} with the modifiers below when they apply; payers may edit claims "
        "that combine it with bundled services on the same date."
    )
    if style.no_modifiers:
        d.para("Data not available in the input.")
        return None
    rows = _modifier_rows(facts, style, rng)
    truncated_text: str | None = None

    def fmt(cells: list[str]) -> str:
        body = " | ".join(cells)
        return f"| {body} |" if style.table_outer else body

    header = ["Modifier", "Description", "When to Use"] + (
        ["Payer Notes"] if style.fourth_col else []
    )
    d.lines.append(fmt(header))
    align = style.align
    if style.fourth_col:
        align = align.rstrip("|") + ("|---|" if align.endswith("|") else "|---")
    if not style.table_outer:
        align = align.strip("|")
    d.lines.append(align)
    for row in rows:
        d.lines.append(fmt(row))
    if style.truncated and rows:
        # The generator stopped mid-row: the last row is cut and nothing follows.
        last = d.lines.pop()
        cut = max(len(last) // 2, last.find("|", 3) + 4)
        d.lines.append(last[:cut].rstrip())
        truncated_text = "\n".join(d.lines)
    if style.blank_lines:
        d.lines.append("")
    return truncated_text


def _modifier_rows(facts: ReportFacts, style: ReportStyle, rng: random.Random) -> list[list[str]]:
    rows = []
    for m in facts.modifiers:
        desc, use = MODIFIERS[m]
        row = [m, desc, use]
        if style.fourth_col:
            row.append(
                rng.choice(
                    (
                        "Accepted by most payers.",
                        "Some payers prefer XS.",
                        "Frequently audited.",
                        "Required on every line.",
                    )
                )
            )
        rows.append(row)
    return rows


def _write_coverage(d: _Doc, facts: ReportFacts, rng: random.Random, dash: str) -> None:
    """Each payer's coverage and prior-authorization statement: lines, bullets or a table."""
    style = d.style
    d.heading(
        rng.choice(
            (
                "Payer Coverage Considerations",
                "Payer Coverage Considerations",
                "Coverage by Payer",
                "Payer Coverage",
            )
        )
    )
    if style.coverage == "table":
        d.lines.append("| Payer | Coverage and Prior Authorization |")
        d.lines.append("|---|---|")
    for pid, name in facts.payers:
        statement = facts.coverage[pid]
        if style.coverage == "table":
            d.lines.append(f"| {name} | {statement} |")
        elif style.coverage == "bullet":
            b = "*" if style.bullets == "*" else "-"
            d.lines.append(
                f"{b} **{name}:** {statement}"
                if style.labels == "bold"
                else f"{b} {name}: {statement}"
            )
        elif style.labels == "dash":
            d.lines.append(f"{name} {dash} {statement}")
        elif style.labels in ("bold", "bullet_bold"):
            d.lines.append(f"**{name}:** {statement}")
        else:
            d.lines.append(f"{name}: {statement}")
    if style.blank_lines:
        d.lines.append("")


def _write_updates(d: _Doc, facts: ReportFacts, rng: random.Random, dash: str) -> None:
    """Dated policy updates, in one or two date spellings."""
    style = d.style
    d.heading(rng.choice(("Policy Updates", "Recent Policy Updates", "Policy Changes")))
    date_styles = rng.choice((("iso",), ("us",), ("iso", "us"), ("long", "us")))
    for when, summary in facts.updates:
        text = f"{_fmt_date(rng, when, date_styles)}{':' if rng.random() < 0.5 else ' ' + dash} {summary}"
        if style.ext == "md" and rng.random() < 0.5:
            text = f"* {text}"
        d.lines.append(text)
    if style.blank_lines:
        d.lines.append("")


def _write_benchmarks(d: _Doc, facts: ReportFacts, rng: random.Random, dash: str) -> None:
    """Payment benchmarks as labelled lines, or (one report in ten) a pipe table."""
    style = d.style
    d.heading(rng.choice(("Benchmarks", "Payment Benchmarks", "Reimbursement Benchmarks")))
    if rng.random() < 0.1:
        d.lines.append("| Metric | Amount |")
        d.lines.append("|---|---|")
        for label, value in facts.benchmarks:
            d.lines.append(f"| {label} | {value} |")
    else:
        for label, value in facts.benchmarks:
            if style.labels == "bullet_bold":
                d.lines.append(f"- **{label}:** {value}")
            elif style.labels == "dash":
                d.lines.append(f"{label} {dash} {value}")
            else:
                d.lines.append(f"{label}: {value}")
    if style.blank_lines:
        d.lines.append("")


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "cp1252":
        return text.replace("\n", "\r\n").encode("cp1252", errors="replace")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode("utf-8")
