"""Billing-code patterns (CPT, HCPCS Level II, ICD-10-CM): whole codes, codes in running
text, and the code in a report's title line."""

from __future__ import annotations

import re
from functools import lru_cache

from flows.textkit.lines import clean_inline

CPT_CATEGORY_I = re.compile(r"^\d{5}$")
CPT_CATEGORY_II = re.compile(r"^\d{4}F$")
CPT_CATEGORY_III = re.compile(r"^\d{4}T$")
HCPCS_LEVEL_II = re.compile(r"^[A-CEGHJ-MP-V]\d{4}$")
#: CPT Proprietary Laboratory Analyses (`0002U`) and Multianalyte Assays (`0011M`): CPT
#: codes that policies list, though code reports describe none.
CPT_PLA_MAAA = re.compile(r"^\d{4}[UM]$")
ICD10CM = re.compile(r"^[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?$")

# payer_policy.codes._CODE_START finds where the three patterns below can match, and tries them
# only there: every match starts with a digit or capital letter, then a digit, after no
# word character (no IGNORECASE). Keep that true, or change _CODE_START with them; a
# hypothesis property compares the two (tests/extract/test_policy_fast_paths.py).
#: Finds candidate procedure codes (CPT I/II/III, HCPCS Level II) in running text.
PROCEDURE_CODE_IN_TEXT = re.compile(
    r"(?<![\w.$,/-])(\d{5}|\d{4}[FTUM]|[A-CEGHJ-MP-V]\d{4})(?![\w%])"
)
#: Finds ICD-10-CM codes with a dot (undotted ones are too ambiguous in running text).
ICD10_IN_TEXT = re.compile(r"(?<![\w.])([A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4})(?![\w])")
#: A code range such as `0581T-0582T` or `J9000 – J9999`.
CODE_RANGE_IN_TEXT = re.compile(
    r"(?<![\w.])(\d{5}|\d{4}[FTUM]|[A-CEGHJ-MP-V]\d{4})\s*(?:-|–|—|through|to)\s*"
    r"(\d{5}|\d{4}[FTUM]|[A-CEGHJ-MP-V]\d{4})(?![\w])"
)


def classify_code(code: str) -> tuple[str, str] | None:
    """Return (code_system, code_category) for a CPT/HCPCS code, or None.

    Categories follow the contract: `I`, `II`, `III` for CPT and `HCPCS` for Level II.
    """
    c = code.strip().upper()
    if CPT_CATEGORY_I.match(c):
        return "CPT", "I"
    if CPT_CATEGORY_II.match(c):
        return "CPT", "II"
    if CPT_CATEGORY_III.match(c):
        return "CPT", "III"
    if HCPCS_LEVEL_II.match(c):
        return "HCPCS", "HCPCS"
    return None


@lru_cache(maxsize=65536)
def code_system_of(code: str) -> str | None:
    """`CPT`, `HCPCS` or `ICD10CM` for a code, else None."""
    found = classify_code(code)
    if found:
        return found[0]
    if CPT_PLA_MAAA.match(code.strip().upper()):
        return "CPT"
    if ICD10CM.match(code.strip().upper()):
        return "ICD10CM"
    return None


_TITLE_CODE = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?(?:(?P<system>CPT|HCPCS)(?:®)?\s*(?:code\s*|Level\s*II\s*)?)?"
    r"(?P<code>\d{5}|\d{4}[FTft]|[A-Za-z]\d{4})(?:\*\*)?\s*(?::|[-–—])\s*(?P<title>.+?)\s*$"
)


def title_code(line: str) -> tuple[str, str] | None:
    """Parse a title line such as `CPT 47383: Percutaneous Cryoablation` -> (code, title)."""
    m = _TITLE_CODE.match(line)
    if not m:
        return None
    code = m.group("code").upper()
    if not classify_code(code):
        return None
    if not m.group("system") and not line.lstrip().startswith("#"):
        # An unprefixed `12345: ...` line is only a title when it is a heading.
        return None
    return code, clean_inline(m.group("title")).rstrip("*").strip()
