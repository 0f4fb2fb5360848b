"""Field extraction for code reports: one generated document per CPT/HCPCS code.

A line classifier over the shared text primitives, not a markdown parser: the reports'
headings are mostly unmarked and their tables malformed. Every record carries the section
it came from and its character span. One module per job: `billing` (the title line and the
`billing_codes` row), `payers` (the payer list, coverage statements, prior authorization),
`modifiers`, `updates`, `benchmarks`, `documentation`, `base` (what they share), and
`document`, the entry point.
"""

from flows.extract.code_report.document import extract_code_report

__all__ = ["extract_code_report"]
