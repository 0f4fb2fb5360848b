"""Extract a payer medical policy or code list into `payer_policies`, `policy_codes` and
`policy_revisions` rows. One module per job: `header` (labelled fields, title), `issuer`
(who publishes it), `sections` (what each section is for), `codes` (code tokens and
ranges), `lines` (what each line is), `coverage` (the coverage vocabulary), `grouping`
(the statements and headings that group code lists), `listing` (which codes the policy
lists, under which statement), `revisions`, and `document`, the entry point.

Works on `DocumentText` as the readers render it (headings as `#` lines, tables as pipe
rows or whitespace-aligned PDF rows, list items as `- x`), so no format code lives here.
"""

from flows.extract.payer_policy.base import MAX_RANGE_EXPANSION
from flows.extract.payer_policy.codes import leading_codes
from flows.extract.payer_policy.coverage import coverage_of
from flows.extract.payer_policy.document import extract_payer_policy
from flows.extract.payer_policy.issuer import detect_payer

__all__ = [
    "MAX_RANGE_EXPANSION",
    "coverage_of",
    "detect_payer",
    "extract_payer_policy",
    "leading_codes",
]
