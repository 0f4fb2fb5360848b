# ruff: noqa: E501  (templated prose and HTML: long literal lines are clearer unwrapped)
"""Payer policies as HTML: Aetna bulletins and Medicare LCDs."""

from __future__ import annotations

import random
from datetime import date

from bench.synth.common import _next_year
from bench.synth.policies import PolicyCode, PolicySeries, _background, _codes_by, _criteria
from bench.synth.words import CRITERIA


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render_aetna_html(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    e = _html_escape
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    rows = []
    if cov:
        rows.append(
            '<tr><td colspan="2"><strong>CPT codes covered if selection criteria are met:</strong></td></tr>'
        )
        rows += [f"<tr><td>{c.code}</td><td>{e(c.description)}</td></tr>" for c in cov]
    if neg:
        rows.append(
            '<tr><td colspan="2"><strong>CPT codes not covered for indications listed in the CPB:</strong></td></tr>'
        )
        rows += [f"<tr><td>{c.code}</td><td>{e(c.description)}</td></tr>" for c in neg]
    rows.append(
        '<tr><td colspan="2"><strong>ICD-10 codes covered if selection criteria are met:</strong></td></tr>'
    )
    rows += [f"<tr><td>{code}</td><td>{e(desc)}</td></tr>" for code, desc in s.icd]
    crit = "".join(f"<li>{e(c)}</li>" for c in _criteria(rng, 3))
    inv = (
        f"<h3>II. Experimental, Investigational, or Unproven</h3><p>Aetna considers "
        f"{e(s.topic.lower())} experimental, investigational, or unproven for all other indications.</p>"
        if neg
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(s.title)} - Medical Clinical Policy Bulletins | Aetna</title>
<script type="text/javascript">var cpbMeta = {{"number": "{s.policy_id}", "relatedCodes": ["99499"]}};</script>
</head>
<body>
<nav class="site-nav"><ul><li><a href="/cpb/index.html">Clinical Policy Bulletins</a></li></ul></nav>
<main id="content">
<h1>{e(s.title)}</h1>
<div class="policy-number"><p>Number: {s.policy_id}</p></div>
<div class="policy-history">
  <h3>Policy History</h3>
  <ul>
    <li><strong>Last Review:</strong> {review:%m/%d/%Y}</li>
    <li><strong>Effective:</strong> {s.original:%m/%d/%Y}</li>
    <li><strong>Next Review:</strong> {_next_year(review):%m/%d/%Y}</li>
  </ul>
</div>
<h2>Policy</h2>
<h3>I. Medical Necessity</h3>
<p>Aetna considers {e(s.topic.lower())} medically necessary when all of the following are met:</p>
<ul>{crit}</ul>
{inv}
<h2>Code Table</h2>
<table class="codes" border="1">
  <thead><tr><th>Code</th><th>Code Description</th></tr></thead>
  <tbody>
    {chr(10).join(rows)}
  </tbody>
</table>
<h2>Background</h2>
<p>{e(_background(rng, s))}</p>
</main>
<footer class="site-footer"><p>CPT codes are copyright of the American Medical Association.</p></footer>
</body>
</html>
"""


def _render_medicare_html(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    e = _html_escape
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]

    def table(rows: list[tuple[str, str]], head: str = "Code") -> str:
        body = "\n".join(f"<tr><td>{a}</td><td>{e(b)}</td></tr>" for a, b in rows)
        return (
            f'<table class="codes"><thead><tr><th>{head}</th><th>Description</th></tr></thead>'
            f"<tbody>\n{body}\n</tbody></table>"
        )

    groups = (
        f"<p><strong>Group 1 Paragraph:</strong> The following codes are covered when the "
        f"requirements of this LCD are met.</p>\n<p><strong>Group 1 Codes:</strong></p>\n"
        f"{table([(c.code, c.description) for c in cov])}\n"
    )
    if neg:
        groups += (
            "<p><strong>Group 2 Paragraph:</strong> The following codes are non-covered "
            "because they are not reasonable and necessary.</p>\n"
            f"<p><strong>Group 2 Codes:</strong></p>\n{table([(c.code, c.description) for c in neg])}\n"
        )
    n = len(revs)
    rev_rows = "\n".join(
        f"<tr><td>{d:%m/%d/%Y}</td><td>R{n - i}</td><td>{e(summary)}</td><td>Provider Education/Guidance</td></tr>"
        for i, (d, summary) in enumerate(revs)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>LCD - {e(s.title)} ({s.policy_id})</title></head>
<body>
<h1>Local Coverage Determination (LCD)</h1>
<h2>{e(s.title)}</h2>
<h3>LCD Information</h3>
<h4>Document Information</h4>
<table class="doc-info">
  <tr><th>LCD ID</th><td>{s.policy_id}</td></tr>
  <tr><th>LCD Title</th><td>{e(s.title)}</td></tr>
  <tr><th>Original Effective Date</th><td>For services performed on or after {s.original:%m/%d/%Y}</td></tr>
  <tr><th>Revision Effective Date</th><td>For services performed on or after {eff:%m/%d/%Y}</td></tr>
  <tr><th>Revision Ending Date</th><td>N/A</td></tr>
</table>
<h3>Coverage Indications, Limitations, and/or Medical Necessity</h3>
<p>{e(s.topic)} is reasonable and necessary when {e(rng.choice(CRITERIA))}.</p>
<h3>Coding Information</h3>
<h4>CPT/HCPCS Codes</h4>
{groups}
<h4>ICD-10-CM Codes that Support Medical Necessity</h4>
<p><strong>Group 1 Paragraph:</strong> Report the diagnosis to the highest level of specificity.</p>
<p><strong>Group 1 Codes:</strong></p>
{table(s.icd, "ICD-10-CM Code")}
<h3>Revision History Information</h3>
<table class="revisions">
<thead><tr><th>Revision History Date</th><th>Revision History Number</th><th>Revision History Explanation</th><th>Reasons for Change</th></tr></thead>
<tbody>
{rev_rows}
</tbody></table>
</body>
</html>
"""
