"""Payer-policy extraction: each layout inline (as each reader renders it), the coverage
vocabulary and its safety rule, payer detection, problems, golden files, the bundled
samples, and a property test on arbitrary text."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.extract.payer_policy import (
    MAX_RANGE_EXPANSION,
    coverage_of,
    detect_payer,
    extract_payer_policy,
    leading_codes,
)
from flows.extract.sections import split_sections
from flows.model import DocumentText, Extraction, Problem
from flows.textkit.codes import code_system_of
from tests.conftest import SOURCES

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "payer_policy"
PDF = "application/pdf"
HTML = "text/html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
POLICY_DATASETS = ("payer_policies", "policy_codes", "policy_revisions")


def extract(
    text: str,
    *,
    hint: str | None = None,
    media_type: str = TEXT,
    pages: list[int] | None = None,
) -> Extraction:
    doc = DocumentText(text, media_type, page_starts=pages)
    return extract_payer_policy(doc, source_path="payer_policies/test/doc", payer_hint=hint)


def coverages(e: Extraction) -> dict[str, set[str]]:
    """code -> the coverages the policy gives it."""
    out: dict[str, set[str]] = {}
    for row in e.records["policy_codes"]:
        out.setdefault(row["code"], set()).add(row["coverage"])
    return out


def policy(e: Extraction) -> dict[str, Any]:
    (row,) = e.records["payer_policies"]
    return row


def reasons(e: Extraction) -> list[str]:
    return [p.reason for p in e.problems]


# --- the layouts, as the readers render them --------------------------------------------------

# Aetna CPB from HTML: the policy-history box as a list, code tables as pipe rows whose
# single-cell rows are the grouping statements.
AETNA_HTML = """# Hepatic Tumor Ablation

Number: 0999

### Policy History

- Last Review: 02/14/2026
- Effective: 03/01/2001
- Next Review: 01/10/2027

## Policy

Aetna considers percutaneous cryoablation of liver tumors medically necessary when all of the following are met:

- The tumor measures 4 cm or less; and
- The member cannot undergo resection.

Aetna considers laser ablation of liver tumors experimental, investigational, or unproven.

## CPT Codes / HCPCS Codes / ICD-10 Codes

| Code | Code Description |
| --- | --- |
| CPT codes covered if selection criteria are met: |
| 47383 | Ablation of liver tumor, percutaneous cryoablation |
| 47370 - 47371 | Laparoscopic ablation of liver tumor |
| Other CPT codes related to the CPB: |
| 76940 | Ultrasound guidance for ablation |
| CPT codes not covered for indications listed in the CPB: |
| 0581T-0583T | Laser ablation of tumor, percutaneous |
| HCPCS codes not covered for indications listed in the CPB: |
| C9734 | Focused ultrasound ablation |
| ICD-10 codes covered if selection criteria are met: |
| C22.0 - C22.2 | Malignant neoplasm of liver |
| C78.7 | Secondary malignant neoplasm of liver |

## Background

A small series compared 47380 with cryoablation (CPT 47383); the authors called both medically necessary.

## References

1. Doe A. Outcomes after 0584T ablation. 2019.
"""

# Aetna CPB from PDF: plain lines, whitespace-aligned code rows, a wrapped descriptor, two
# pages, and the history box as `Label value` lines.
AETNA_PDF = """Aetna Clinical Policy Bulletin
Hepatic Tumor Ablation
Number: 0999
Last Review 02/14/2026
Effective: 03/01/2001
Next Review: 01/10/2027
Policy
Aetna considers percutaneous cryoablation of liver tumors medically necessary for members who
cannot undergo resection.
CPT Codes / HCPCS Codes / ICD-10 Codes
Code        Code Description
CPT codes covered if selection criteria are met:
47383       Ablation of liver tumor, percutaneous
            cryoablation
CPT codes not covered for indications listed in the CPB:
0581T       Laser ablation of tumor, percutaneous
Background
Cryoablation (CPT 47382) has been studied since 1990 and is medically necessary in series.
"""
AETNA_PDF_PAGES = [0, AETNA_PDF.index("CPT codes not covered")]

# Cigna from PDF: dot leaders, a grouping statement wrapped over two lines, aligned rows,
# "Considered Experimental/Investigational/Unproven:" read as a heading, revisions with
# the date in the last column.
CIGNA_PDF = """Cigna Medical Coverage Policy
Effective Date ......................... 02/15/2026
Next Review Date ..................... 02/15/2027
Coverage Policy Number ........... 0999
Hepatic Tumor Ablation
Overview
This policy addresses ablation of liver tumors (CPT 47380).
Coverage Policy
Percutaneous cryoablation of a liver tumor is considered medically necessary when the tumor
is 4 cm or smaller.
Laser ablation of a liver tumor is considered experimental, investigational or unproven.
Coding Information
Notes:
1. This list of codes may not be all-inclusive.
2. Deleted codes may not be eligible for reimbursement.
Considered Medically Necessary when criteria in the applicable policy statements listed above
are met:
CPT®* Codes     Description
47383           Ablation, liver tumor(s), percutaneous,
                cryoablation
HCPCS Codes     Description
C9734           Focused ultrasound ablation of tumor
Considered Experimental/Investigational/Unproven:
CPT®* Codes     Description
0581T           Ablation, tumor, percutaneous, laser
References
1. Roe B. Ablation with 0600T in 30 patients. 2021.
Revision Details
Type of Revision     Summary of Changes                       Date
Annual Review        Revised the coverage statement.          02/15/2026
Focused Review       Added 0581T to the unproven list.        03/01/2025
"""

# Cigna from DOCX: the header as a table of labels over a row of values, a bold grouping
# paragraph, pipe code tables, a marked coverage heading, the revision table.
CIGNA_DOCX = """Cigna Medical Coverage Policy
# Hepatic Tumor Ablation
| Effective Date | Next Review Date | Coverage Policy Number |
| --- | --- | --- |
| 2/15/2026 | 2/15/2027 | mm_0999 |
## Coverage Policy
Laser ablation of a liver tumor is considered experimental, investigational or unproven.
## Coding Information
**Considered Medically Necessary when criteria in the applicable policy statements listed above are met:**
| CPT®* Codes | Description |
| --- | --- |
| 47383 | Ablation, liver tumor(s), percutaneous, cryoablation |
### Considered Experimental/Investigational/Unproven
| CPT®* Codes | Description |
| --- | --- |
| 0581T | Ablation, tumor, percutaneous, laser |
## Revision Details
| Type of Revision | Summary of Changes | Date |
| --- | --- | --- |
| Annual Review | Revised the coverage statement. | 2/15/2026 |
"""

# UnitedHealthcare from DOCX: label/value table cells, codes named in the rationale, list
# items under "The following are unproven ...:", a reference-only code table with a
# disclaimer that mentions "covered or not covered", the history table.
UHC_DOCX = """UnitedHealthcare® Commercial Medical Policy
# Ablative Treatment for Hepatic Tumors
| Policy Number | 2026T0999A |
| Effective Date | February 1, 2026 |
## Coverage Rationale
Percutaneous cryoablation (CPT code 47383) is proven and medically necessary for tumors up to 4 cm.
The following are unproven and not medically necessary due to insufficient evidence:
- Laser ablation of liver tumors (CPT code 0581T)
- Focused ultrasound ablation (C9734)
Irreversible electroporation is not medically necessary.
## Applicable Codes
The following list of codes is provided for reference purposes only. Listing a code does not mean the service is covered or not covered.
| CPT Code | Description |
| --- | --- |
| 47383 | Ablation, liver tumor(s), percutaneous, cryoablation |
| 0581T | Ablation, tumor, percutaneous, laser |
| 76940 | Ultrasound guidance for ablation |
| HCPCS Code | Description |
| C9734 | Focused ultrasound ablation |
## Clinical Evidence
A trial found 47380 proven in selected patients.
## Policy History/Revision Information
| Date | Summary of Changes |
| --- | --- |
| 02/01/2026 | Coverage Rationale: added the unproven statement for laser ablation (0581T). |
| 03/01/2025 | Annual review; no changes. |
## Instructions for Use
This Medical Policy provides assistance in interpreting benefit plans.
"""

# UnitedHealthcare from PDF: policy number and effective date on one line, a rationale
# sentence wrapped so that a code starts the next line, aligned history rows with
# bulleted continuation lines.
UHC_PDF = """UnitedHealthcare® Commercial Medical Policy
Ablative Treatment for Hepatic Tumors
Policy Number: 2026T0999A    Effective Date: February 1, 2026
Coverage Rationale
Percutaneous cryoablation of hepatic tumors (CPT codes 47382 and
47383) is proven and medically necessary when the tumor is 4 cm or smaller.
Applicable Codes
CPT Code    Description
47382       Ablation, liver tumor(s), percutaneous, radiofrequency
47383       Ablation, liver tumor(s), percutaneous, cryoablation
76940       Ultrasound guidance for ablation
Policy History/Revision Information
Date          Summary of Changes
02/01/2026    Coverage Rationale
              - Added cryoablation to the proven statement
              - Removed the size limit for
              radiofrequency ablation
03/01/2025    Annual review
"""

# BCBS plan policy as text: a wrapped title, BCBSA-style number, current and original
# effective dates, grouping sentences before code lists, M/YYYY history lines.
BCBS_TEXT = """Blue Cross Blue Shield of Exampleland
Medical Policy
Percutaneous Ablation of Liver Tumors,
Including Cryoablation and Laser Ablation
Policy Number: 7.01.999
Original Effective Date: 06/01/2012
Current Effective Date: 03/01/2026
Last Review Date: 01/15/2026

Description
Ablation destroys tumor tissue in place; CPT 47380 describes an open approach.

Policy
Percutaneous cryoablation of hepatic tumors is considered medically necessary when the tumor is 4 cm or smaller.
Laser ablation of hepatic tumors is considered investigational.

Coding
The following codes are considered medically necessary when criteria are met:
- 47383 Ablation, liver tumor, percutaneous cryoablation
The following codes are considered investigational:
- 0581T Ablation, laser
- C9734 Focused ultrasound

Rationale
Evidence for 0582T is limited to case series.

Policy History
01/2026   Annual review, no change in policy statement
03/2025   Added investigational statement for laser ablation
"""

# Medicare LCD from the MCD web page: label/value rows, "For services performed on or
# after" dates, group paragraphs deciding CPT coverage, ICD-10 groups by section title.
MEDICARE_LCD = """# Local Coverage Determination (LCD)
## Percutaneous Ablation of Liver Tumors
| LCD ID | L99999 |
| LCD Title | Percutaneous Ablation of Liver Tumors |
| Original Effective Date | For services performed on or after 10/01/2015 |
| Revision Effective Date | For services performed on or after 11/01/2025 |
| Revision Ending Date | N/A |
## Coverage Indications, Limitations, and/or Medical Necessity
Cryoablation is reasonable and necessary for liver tumors of 4 cm or less.
## Summary of Evidence
Studies of 0584T are limited.
## Coding Information
### CPT/HCPCS Codes
Group 1 Paragraph:
The following codes are covered when the coverage criteria above are met.
Group 1 Codes:
| Code | Description |
| 47383 | ABLATE LIVER TUMOR PERQ |
Group 2 Paragraph:
The following codes are non-covered.
Group 2 Codes:
| Code | Description |
| 0581T | ABLTJ MAL TUM PERQ LSR |
### ICD-10-CM Codes that Support Medical Necessity
Group 1 Paragraph:
Diagnoses not listed here are not covered.
Group 1 Codes:
| ICD-10-CM Codes | Description |
| C22.0 | Liver cell carcinoma |
### ICD-10-CM Codes that DO NOT Support Medical Necessity
Group 1 Paragraph:
N/A
Group 1 Codes:
| ICD-10-CM Codes | Description |
| Z51.0 | Encounter for antineoplastic radiation therapy |
## Revision History Information
| Revision History Date | Revision History Number | Revision History Explanation |
| 11/01/2025 | R3 | Added CPT 0581T to Group 2 non-covered codes. |
| 10/01/2015 | R1 | Initial LCD. |
"""

# Medicare billing article as text: codes listed on the "Group N Codes:" line itself.
MEDICARE_ARTICLE = """Billing and Coding: Percutaneous Ablation of Liver Tumors
Article ID: A99999
Article Title: Billing and Coding: Percutaneous Ablation of Liver Tumors
Article Type: Billing and Coding
Original Effective Date: 10/01/2019
Revision Effective Date: 01/01/2026
Coding Information
CPT/HCPCS Codes
Group 1 Paragraph: The following codes are covered.
Group 1 Codes: 47382, 47383
Group 2 Paragraph: The following codes are non-covered.
Group 2 Codes: 0581T
ICD-10-CM Codes that Support Medical Necessity
Group 1 Paragraph: N/A
Group 1 Codes:
C22.0    Liver cell carcinoma
C22.1    Intrahepatic bile duct carcinoma
ICD-10-CM Codes that DO NOT Support Medical Necessity
Group 1 Paragraph: The following diagnoses do not support medical necessity.
Group 1 Codes:
Z12.11   Encounter for screening for malignant neoplasm of colon
"""

# Medicare NCD as text: manual section number as the id, a non-covered heading that must
# not reach the claims-processing code list two sections on, transmittals as history.
MEDICARE_NCD = """National Coverage Determination (NCD)
Home Oxygen Widgets (999.9)
Publication Number: 100-3
Manual Section Number: 999.9
Manual Section Title: Home Oxygen Widgets
Version Number: 3
Effective Date of this Version: 04/01/2024
Implementation Date: 07/01/2024
Indications and Limitations of Coverage
Nationally Non-Covered Indications
Widgets used only at night are not covered.
Claims Processing Reference
The following HCPCS codes apply to items under this NCD:
E9999    Oxygen widget, each
Transmittal Information
04/01/2024 - Coverage clarified for night use. (TN 999)
01/01/2010 - Initial NCD.
"""

# Generic layout (Kaiser, no folder hint): `Policy #`, only a last-review date, a code
# table with no grouping statement.
KAISER_TEXT = """Kaiser Permanente Clinical Review Criteria
Widget Therapy for Chronic Pain
Policy #: KP-0999
Last Reviewed Date: 05/15/2025
Next Review Date: 05/15/2026
Criteria
Widget therapy is covered when two prior treatments have failed.
Codes
CPT Code    Description
64999       Unlisted procedure, nervous system
"""

# Generic layout (state Medicaid, folder hint): `Policy ID` in a table, a list under a
# non-covered statement.
MEDICAID_HTML = """# Ablation of Liver Tumors
| Policy ID | MCD-LT-12 |
| Effective Date | 07/01/2025 |
| Original Effective Date | 07/01/2018 |
## Coverage
The following services are not covered:
- Laser ablation (0581T)
## Codes
| Code | Description |
| 47383 | Cryoablation, liver tumor |
"""

LAYOUT_CASES = [
    # id, text, media type, folder hint, payer_policies fields, code -> coverages
    pytest.param(
        AETNA_HTML,
        HTML,
        None,
        {
            "payer_id": "aetna",
            "policy_id": "0999",
            "policy_type": "cpb",
            "title": "Hepatic Tumor Ablation",
            "effective_date": None,  # Aetna's "Effective" is the original date
            "original_effective_date": date(2001, 3, 1),
            "last_reviewed_date": date(2026, 2, 14),
            "next_review_date": date(2027, 1, 10),
            "version_date": date(2026, 2, 14),  # so the version is dated by its review
        },
        {
            "47383": {"covered"},
            "47370": {"covered"},
            "47371": {"covered"},  # 47370 - 47371 expanded
            "76940": {"unspecified"},  # "Other CPT codes related to the CPB"
            "0581T": {"not_covered"},
            "0582T": {"not_covered"},
            "0583T": {"not_covered"},
            "C9734": {"not_covered"},
            "C22.0": {"covered"},
            "C22.1": {"covered"},
            "C22.2": {"covered"},
            "C78.7": {"covered"},
        },
        id="aetna-html",
    ),
    pytest.param(
        AETNA_PDF,
        PDF,
        "aetna",
        {
            "policy_id": "0999",
            "original_effective_date": date(2001, 3, 1),
            "last_reviewed_date": date(2026, 2, 14),
            "version_date": date(2026, 2, 14),
        },
        {"47383": {"covered"}, "0581T": {"not_covered"}},
        id="aetna-pdf",
    ),
    pytest.param(
        CIGNA_PDF,
        PDF,
        None,
        {
            "payer_id": "cigna",
            "policy_id": "0999",
            "policy_type": "medical_coverage_policy",
            "title": "Hepatic Tumor Ablation",
            "effective_date": date(2026, 2, 15),
            "next_review_date": date(2027, 2, 15),
            "version_date": date(2026, 2, 15),
        },
        {"47383": {"covered"}, "C9734": {"covered"}, "0581T": {"investigational"}},
        id="cigna-pdf",
    ),
    pytest.param(
        CIGNA_DOCX,
        DOCX,
        "cigna",
        {
            "policy_id": "mm_0999",
            "effective_date": date(2026, 2, 15),
            "next_review_date": date(2027, 2, 15),
            "version_date": date(2026, 2, 15),
        },
        {"47383": {"covered"}, "0581T": {"investigational"}},
        id="cigna-docx",
    ),
    pytest.param(
        UHC_DOCX,
        DOCX,
        None,
        {
            "payer_id": "unitedhealthcare",
            "policy_id": "2026T0999A",
            "policy_type": "medical_policy",
            "title": "Ablative Treatment for Hepatic Tumors",
            "effective_date": date(2026, 2, 1),
            "version_date": date(2026, 2, 1),
        },
        {
            "47383": {"covered"},
            "0581T": {"investigational"},  # "unproven and not medically necessary"
            "C9734": {"investigational"},
            "76940": {"unspecified"},  # in the reference table only
        },
        id="uhc-docx",
    ),
    pytest.param(
        UHC_PDF,
        PDF,
        None,
        {"policy_id": "2026T0999A", "effective_date": date(2026, 2, 1)},
        {"47382": {"covered"}, "47383": {"covered"}, "76940": {"unspecified"}},
        id="uhc-pdf",
    ),
    pytest.param(
        BCBS_TEXT,
        TEXT,
        None,
        {
            "payer_id": "bcbs",
            "policy_id": "7.01.999",
            "policy_type": "medical_policy",
            "title": "Percutaneous Ablation of Liver Tumors, Including Cryoablation and Laser Ablation",
            "effective_date": date(2026, 3, 1),
            "original_effective_date": date(2012, 6, 1),
            "last_reviewed_date": date(2026, 1, 15),
            "version_date": date(2026, 3, 1),  # the current effective date
        },
        {"47383": {"covered"}, "0581T": {"investigational"}, "C9734": {"investigational"}},
        id="bcbs-text",
    ),
    pytest.param(
        MEDICARE_LCD,
        HTML,
        None,
        {
            "payer_id": "medicare",
            "policy_id": "L99999",
            "policy_type": "lcd",
            "title": "Percutaneous Ablation of Liver Tumors",
            "effective_date": date(2025, 11, 1),
            "original_effective_date": date(2015, 10, 1),
            "version_date": date(2025, 11, 1),  # the revision effective date
        },
        {
            "47383": {"covered"},
            "0581T": {"not_covered"},
            # The section title decides, not "Diagnoses not listed here are not covered".
            "C22.0": {"covered"},
            "Z51.0": {"not_covered"},
        },
        id="medicare-lcd",
    ),
    pytest.param(
        MEDICARE_ARTICLE,
        TEXT,
        None,
        {
            "payer_id": "medicare",
            "policy_id": "A99999",
            "policy_type": "billing_article",
            "title": "Billing and Coding: Percutaneous Ablation of Liver Tumors",
            "effective_date": date(2026, 1, 1),
            "original_effective_date": date(2019, 10, 1),
        },
        {
            "47382": {"covered"},
            "47383": {"covered"},
            "0581T": {"not_covered"},
            "C22.0": {"covered"},
            "C22.1": {"covered"},
            "Z12.11": {"not_covered"},
        },
        id="medicare-article",
    ),
    pytest.param(
        MEDICARE_NCD,
        TEXT,
        "medicare",
        {
            "policy_id": "999.9",
            "policy_type": "ncd",
            "title": "Home Oxygen Widgets",
            "effective_date": date(2024, 4, 1),
            "version_date": date(2024, 4, 1),
        },
        {"E9999": {"unspecified"}},
        id="medicare-ncd",
    ),
    pytest.param(
        KAISER_TEXT,
        TEXT,
        None,
        {
            "payer_id": "kaiser",
            "policy_id": "KP-0999",
            "policy_type": "policy",
            "title": "Widget Therapy for Chronic Pain",
            "effective_date": None,
            "last_reviewed_date": date(2025, 5, 15),
            "next_review_date": date(2026, 5, 15),
            "version_date": date(2025, 5, 15),  # no effective date: the last review
        },
        {"64999": {"unspecified"}},
        id="generic-kaiser",
    ),
    pytest.param(
        MEDICAID_HTML,
        HTML,
        "medicaid",
        {
            "payer_id": "medicaid",
            "policy_id": "MCD-LT-12",
            "effective_date": date(2025, 7, 1),
            "original_effective_date": date(2018, 7, 1),
        },
        {"0581T": {"not_covered"}, "47383": {"unspecified"}},
        id="generic-medicaid",
    ),
]


@pytest.mark.parametrize(("text", "media_type", "hint", "fields", "codes"), LAYOUT_CASES)
def test_layout(text, media_type, hint, fields, codes):
    e = extract(text, hint=hint, media_type=media_type)
    assert e.problems == []
    row = policy(e)
    assert {k: row[k] for k in fields} == fields
    assert coverages(e) == codes
    assert e.document["series_key"] == f"payer_policy:{row['payer_id']}:{row['policy_id']}"
    assert e.document["version_date"] == row["version_date"]
    assert e.document["effective_date"] == row["effective_date"]
    assert e.document["primary_code"] is None


@pytest.mark.parametrize(("text", "media_type", "hint", "fields", "codes"), LAYOUT_CASES)
def test_provenance(text, media_type, hint, fields, codes):
    e = extract(text, hint=hint, media_type=media_type)
    row = policy(e)
    assert text[row["char_start"] : row["char_end"]] == row["policy_id"]
    sections = split_sections(DocumentText(text, media_type))
    assert e.records["document_sections"] == [s.row() for s in sections]
    for code in e.records["policy_codes"]:
        found = text[code["char_start"] : code["char_end"]]
        assert found, code
        # An expanded range points at the range as written ("0581T-0583T").
        assert code["code"] in found or found[:1].isalnum(), code
        assert code["code_system"] == code_system_of(code["code"])
        section = sections[code["section_ordinal"]]
        assert section.char_start <= code["char_start"] <= section.char_end


@pytest.mark.parametrize(
    ("text", "media_type", "expected"),
    [
        # Cigna: date in the last column; the revision type joins the summary.
        (
            CIGNA_PDF,
            PDF,
            [
                (date(2026, 2, 15), "Annual Review; Revised the coverage statement."),
                (date(2025, 3, 1), "Focused Review; Added 0581T to the unproven list."),
            ],
        ),
        # UHC table rows.
        (
            UHC_DOCX,
            DOCX,
            [
                (
                    date(2026, 2, 1),
                    "Coverage Rationale: added the unproven statement for laser ablation (0581T).",
                ),
                (date(2025, 3, 1), "Annual review; no changes."),
            ],
        ),
        # UHC PDF: bulleted continuation lines are changes of their own; a wrapped line
        # continues its sentence.
        (
            UHC_PDF,
            PDF,
            [
                (
                    date(2026, 2, 1),
                    "Coverage Rationale; Added cryoablation to the proven statement; "
                    "Removed the size limit for radiofrequency ablation",
                ),
                (date(2025, 3, 1), "Annual review"),
            ],
        ),
        # BCBS: M/YYYY dates.
        (
            BCBS_TEXT,
            TEXT,
            [
                (date(2026, 1, 1), "Annual review, no change in policy statement"),
                (date(2025, 3, 1), "Added investigational statement for laser ablation"),
            ],
        ),
        # Medicare: revision number and explanation.
        (
            MEDICARE_LCD,
            HTML,
            [
                (date(2025, 11, 1), "R3; Added CPT 0581T to Group 2 non-covered codes."),
                (date(2015, 10, 1), "R1; Initial LCD."),
            ],
        ),
        # NCD transmittals.
        (
            MEDICARE_NCD,
            TEXT,
            [
                (date(2024, 4, 1), "Coverage clarified for night use. (TN 999)"),
                (date(2010, 1, 1), "Initial NCD."),
            ],
        ),
        # Aetna's history box holds dates, not revisions.
        (AETNA_HTML, HTML, []),
    ],
    ids=["cigna", "uhc-docx", "uhc-pdf", "bcbs", "medicare-lcd", "medicare-ncd", "aetna"],
)
def test_revisions(text, media_type, expected):
    e = extract(text, media_type=media_type)
    got = [(r["revision_date"], r["summary"]) for r in e.records["policy_revisions"]]
    assert got == expected
    for r in e.records["policy_revisions"]:
        assert text[r["char_start"] : r["char_end"]].strip()


def test_descriptions_as_written_and_pdf_pages():
    e = extract(AETNA_PDF, media_type=PDF, pages=AETNA_PDF_PAGES)
    by_code = {r["code"]: r for r in e.records["policy_codes"]}
    # The PDF wrapped the descriptor onto the next line.
    assert by_code["47383"]["description"] == "Ablation of liver tumor, percutaneous cryoablation"
    assert by_code["47383"]["coverage_text"] == "CPT codes covered if selection criteria are met:"
    assert (by_code["47383"]["page"], by_code["0581T"]["page"]) == (1, 2)
    assert extract(AETNA_HTML, media_type=HTML).records["policy_codes"][0]["page"] is None


def test_medicare_group_paragraph_is_the_coverage_text():
    e = extract(MEDICARE_LCD, media_type=HTML)
    by_code = {r["code"]: r["coverage_text"] for r in e.records["policy_codes"]}
    assert by_code["47383"] == (
        "The following codes are covered when the coverage criteria above are met."
    )
    assert by_code["0581T"] == "The following codes are non-covered."
    assert by_code["Z51.0"] == "ICD-10-CM Codes that DO NOT Support Medical Necessity"


def test_reference_table_borrows_coverage_and_descriptor_from_statements():
    # UHC: 47383 is named in the rationale (no descriptor there) and listed in Applicable
    # Codes: one row, the rationale's coverage and statement, the table's descriptor.
    e = extract(UHC_DOCX, media_type=DOCX)
    (row,) = [r for r in e.records["policy_codes"] if r["code"] == "47383"]
    assert row["coverage"] == "covered"
    assert row["coverage_text"].startswith("Percutaneous cryoablation (CPT code 47383) is proven")
    assert row["description"] == "Ablation, liver tumor(s), percutaneous, cryoablation"
    (laser,) = [r for r in e.records["policy_codes"] if r["code"] == "0581T"]
    assert laser["coverage_text"] == (
        "The following are unproven and not medically necessary due to insufficient evidence:"
    )


# --- the coverage vocabulary and the safety rule ----------------------------------------------


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("CPT codes covered if selection criteria are met:", "covered"),
        ("CPT codes not covered for indications listed in the CPB:", "not_covered"),
        (
            "ICD-10 codes not covered for indications listed in the CPB (not all-inclusive):",
            "not_covered",
        ),
        ("Considered Medically Necessary when criteria are met:", "covered"),
        ("Considered Experimental/Investigational/Unproven:", "investigational"),
        # UHC: "unproven" outranks "not medically necessary".
        ("X is unproven and not medically necessary for Y.", "investigational"),
        ("X is proven and medically necessary for Y.", "covered"),
        ("X is not medically necessary.", "not_covered"),
        ("X is considered not medically necessary.", "not_covered"),
        ("ICD-10-CM Codes that Support Medical Necessity", "covered"),
        ("ICD-10-CM Codes that DO NOT Support Medical Necessity", "not_covered"),
        ("The following codes are non-covered.", "not_covered"),
        ("X is not reasonable and necessary.", "not_covered"),
        ("X is reasonable and necessary.", "covered"),
        ("X is considered investigational.", "investigational"),
        ("Other CPT codes related to the CPB:", None),
        ("Coverage Rationale", None),
        # Disclaimers neither grant nor deny coverage.
        ("Listing a code does not mean the service is covered or not covered.", None),
        ("The codes are listed for reference purposes only. X is covered.", "covered"),
    ],
)
def test_coverage_of(statement, expected):
    assert coverage_of(statement) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A positive line under a negative heading.
        "Cigna Medical Coverage Policy\nCoverage Policy Number: 0999\nCoding Information\n"
        "Considered Experimental/Investigational/Unproven:\n"
        "The following codes are covered only as add-on services:\n"
        "0581T    Ablation, laser\n",
        # A positive label on the code line under a negative marked heading.
        "Cigna Medical Coverage Policy\nCoverage Policy Number: 0999\n"
        "## Not Covered Services\nCovered codes: 0581T\n",
        # A negative grouping row, then a sub-label row, in an Aetna table.
        "Aetna\nNumber: 0999\n| CPT codes not covered for indications listed in the CPB: |\n"
        "| Laser ablation: |\n| 0581T | Ablation, laser |\n",
        # A sentence naming the code as covered, under an experimental heading.
        "Cigna Medical Coverage Policy\nCoverage Policy Number: 0999\n## Coding Information\n"
        "### Considered Experimental/Investigational/Unproven\n"
        "Laser ablation (CPT 0581T) is covered when billed with imaging.\n",
        # A not-covered statement introducing a list that mentions "covered" benefits.
        "Humana Medical Policy\nPolicy Number: HUM-1\n"
        "The following codes are not covered:\n- 0581T Ablation (a covered benefit elsewhere)\n",
    ],
    ids=["heading-then-positive-line", "marked-heading", "aetna-sub-row", "sentence", "list"],
)
def test_code_under_negative_statement_is_never_covered(text):
    e = extract(text)
    assert e.records["policy_codes"], e.problems
    for row in e.records["policy_codes"]:
        assert row["coverage"] in ("not_covered", "investigational"), row


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        (AETNA_HTML, {"47380", "0584T"}),  # Background, References
        (CIGNA_PDF, {"47380", "0600T"}),  # Overview, References
        (UHC_DOCX, {"47380"}),  # Clinical Evidence; 0581T in the history stays out too
        (BCBS_TEXT, {"47380", "0582T"}),  # Description, Rationale
        (MEDICARE_LCD, {"0584T"}),  # Summary of Evidence
    ],
    ids=["aetna", "cigna", "uhc", "bcbs", "medicare"],
)
def test_narrative_codes_are_not_policy_codes(text, absent):
    e = extract(text)
    assert not absent & set(coverages(e))
    # 47383 is named in Aetna's Background as "medically necessary" too: still one row.
    assert all(len(v) == 1 for v in coverages(e).values())


# --- payer detection and whole-document problems ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("Some Medical Policy\nPolicy Number: 1\n", "humana", "humana"),  # folder hint wins
        ("Aetna Clinical Policy Bulletin\n", "not-a-payer", "aetna"),  # unknown hint ignored
        ("Cigna Medical Coverage Policy\n", None, "cigna"),
        (
            "UnitedHealthcare® Commercial\nMedical Policy\nApplies to Medicare and Medicaid.\n",
            None,
            "unitedhealthcare",
        ),
        ("Aetna considers cryoablation medically necessary. Medicare differs.\n", None, "aetna"),
        ("Humana Medicare Advantage Medical Policy\n", None, "humana"),  # the line's issuer
        ("Local Coverage Determination (LCD)\nLCD ID: L1\n", None, "medicare"),
        ("Blue Cross and Blue Shield of Texas\n", None, "bcbs"),
        ("Anthem Blue Cross Medical Policy\n", None, "anthem"),  # not bcbs
        ("Clinical Policy\nPolicy Number: 12\n", None, None),  # no payer named
        # Two payers and no issuer: never guess.
        ("This policy compares plans.\nIt cites Aetna and Cigna findings.\n", None, None),
    ],
)
def test_detect_payer(text, hint, expected):
    assert detect_payer(text, hint) == expected


# A policy missing a field is published `partial`, never rejected (the real-layouts issue):
# each missing field is a problem with a record, and the series key falls back.


def test_unknown_payer_is_published_under_unknown():
    e = extract("Clinical Policy\nPolicy Number: 12\nCPT codes covered:\n47383 Ablation\n")
    assert reasons(e) == ["unknown_payer", "missing_effective_date"]
    assert all(p.record is not None and p.stage == "parse" for p in e.problems)
    assert policy(e)["payer_id"] == "unknown" and policy(e)["policy_id"] == "12"
    assert e.document["series_key"] == "payer_policy:unknown:12"
    assert coverages(e) == {"47383": {"covered"}}


def test_missing_policy_id_keys_the_series_by_title():
    e = extract("Aetna Clinical Policy Bulletin\nLiver Ablation\nCPT codes covered:\n47383 X\n")
    assert reasons(e) == ["missing_policy_id", "missing_effective_date"]
    assert policy(e)["policy_id"] is None and coverages(e) == {"47383": {"covered"}}
    assert e.document["series_key"] == "payer_policy:aetna:title:liver-ablation"
    assert e.document["series_key_source"] == "title"


def test_no_title_keys_the_series_by_file_stem():
    e = extract("Aetna Clinical Policy Bulletin\nCPT codes covered:\n47383 X\n")
    assert e.document["series_key"] == "payer_policy:aetna:file:doc"
    assert e.document["series_key_source"] == "file_stem"


def test_index_page_is_not_a_policy():
    e = extract(
        "# Billing and Coding Articles\n- A55479 Billing and Coding: Facet Joint Injections\n"
        "- A54063 Billing and Coding: Vertebral Augmentation\n"
    )
    assert reasons(e) == ["not_a_policy"]
    assert all(p.record is None for p in e.problems)
    assert all(e.records[d] == [] for d in POLICY_DATASETS)


def test_empty_text_is_not_a_policy():
    assert reasons(extract("")) == ["not_a_policy"]


def test_unparsed_date_is_a_record_problem():
    text = (
        "Cigna Medical Coverage Policy\nCoverage Policy Number: 0999\nEffective Date: 31/02/2026\n"
    )
    e = extract(text)
    (problem,) = [p for p in e.problems if p.reason != "missing_effective_date"]
    assert problem.reason == "unparsed_date"
    assert problem.record == {
        "label": "Effective Date",
        "value": "31/02/2026",
        "char_start": text.index("31/02"),
    }
    assert policy(e)["effective_date"] is None  # the rest is still published


def test_placeholder_dates_are_not_problems():
    e = extract(
        "Cigna Medical Coverage Policy\nCoverage Policy Number: 0999\nNext Review Date: TBD\n"
    )
    assert reasons(e) == ["missing_effective_date"] and policy(e)["next_review_date"] is None


# --- codes and ranges -------------------------------------------------------------------------

HEAD = "Aetna Clinical Policy Bulletin\nNumber: 0999\nLast Review: 02/14/2026\n"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("| 0581T-0583T | Laser |", ["0581T", "0582T", "0583T"]),
        ("| 47370 through 47372 | Laparoscopic |", ["47370", "47371", "47372"]),
        ("| C34.10 - C34.12 | Lung |", ["C34.10", "C34.11", "C34.12"]),
        # Longer than MAX_RANGE_EXPANSION: one row, the low bound with its range_end.
        ("| J9000-J9999 | Chemotherapy drugs |", ["J9000"]),
        # No numeric tail to count over: kept whole too.
        ("| S72.001A-S72.009A | Fracture |", ["S72.001A"]),
        ("| 47370, 47371 and 47380 | Ablation |", ["47370", "47371", "47380"]),
        ("- 47383 Ablation\n- 47383 Ablation, again", ["47383"]),  # deduplicated
    ],
)
def test_code_lists_and_ranges(rows, expected):
    e = extract(HEAD + "| CPT codes covered if selection criteria are met: |\n" + rows + "\n")
    assert [r["code"] for r in e.records["policy_codes"]] == expected
    assert e.problems == []
    assert MAX_RANGE_EXPANSION == 100


def test_range_rows_say_where_they_come_from():
    e = extract(
        HEAD
        + "| CPT codes covered if selection criteria are met: |\n"
        + "| 87480–87482 | Candida |\n| J0120-J9999 | Drugs |\n| 47383 | Ablation |\n"
    )
    got = {r["code"]: (r["from_range"], r["range_end"]) for r in e.records["policy_codes"]}
    assert got == {
        "87480": (True, None),
        "87481": (True, None),
        "87482": (True, None),
        "J0120": (False, "J9999"),
        "47383": (False, None),
    }


def test_reversed_range_keeps_endpoints_with_a_problem():
    e = extract(
        HEAD + "| CPT codes covered if selection criteria are met: |\n| 0583T-0581T | X |\n"
    )
    assert [r["code"] for r in e.records["policy_codes"]] == ["0583T", "0581T"]
    (problem,) = e.problems
    assert (problem.reason, problem.record["code_range"]) == ("bad_code_range", "0583T-0581T")


def test_duplicate_row_fills_a_missing_descriptor():
    e = extract(HEAD + "Codes covered:\n- 47383\n- 47383 Ablation of liver tumor\n")
    (row,) = e.records["policy_codes"]
    assert row["description"] == "Ablation of liver tumor"


def test_same_code_in_two_groups_gives_two_rows():
    e = extract(
        HEAD
        + "| CPT codes covered if selection criteria are met: |\n| 0581T | Laser |\n"
        + "| CPT codes not covered for indications listed in the CPB: |\n| 0581T | Laser |\n"
    )
    assert coverages(e) == {"0581T": {"covered", "not_covered"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("47383 Ablation", (["47383"], "Ablation")),
        ("0581T-0583T: Laser", (["0581T-0583T"], "Laser")),
        ("C22.0 – C22.9 Liver", (["C22.0-C22.9"], "Liver")),
        ("47370, 47371 and 47380", (["47370", "47371", "47380"], "")),
        ("A1C testing is covered", None),  # undotted ICD-like words are not codes in text
        ("12345% of members", None),
        ("2019 study", None),
    ],
)
def test_leading_codes(text, expected):
    got = leading_codes(text)
    if expected is None:
        assert got is None
    else:
        codes, rest = got
        names = [c.first + (f"-{c.last}" if c.last else "") for c in codes]
        assert (names, rest) == expected


# --- golden files -----------------------------------------------------------------------------

_GOLDEN_MEDIA = {"html": HTML, "pdf": PDF, "docx": DOCX, "text": TEXT}


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _snapshot(e: Extraction) -> dict[str, Any]:
    return json.loads(
        json.dumps(
            {
                "document": e.document,
                "records": {d: e.records[d] for d in POLICY_DATASETS},
                "sections": [s["heading"] for s in e.records["document_sections"]],
                "problems": [[p.stage, p.reason, p.record] for p in e.problems],
            },
            default=_json_default,
            ensure_ascii=False,
        )
    )


#: Cases whose input is text as a reader rendered it, with a full snapshot of the records
#: (`records.json`); the hand-written cases are scored by tests/extract/test_accuracy.py.
_SNAPSHOT_CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "records.json").is_file())


@pytest.mark.parametrize("case", _SNAPSHOT_CASES)
def test_golden(case, update_golden):
    folder = GOLDEN / case
    media_type = _GOLDEN_MEDIA[case.rsplit("_", 1)[-1]]  # the reader the text came from
    e = extract((folder / "input.txt").read_text(encoding="utf-8"), media_type=media_type)
    got = _snapshot(e)
    path = folder / "records.json"
    if update_golden:
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))


# --- the bundled samples ----------------------------------------------------------------------


def _samples() -> list[Path]:
    root = SOURCES / "payer_policies"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("path", _samples(), ids=lambda p: p.name)
def test_bundled_sample_extracts_and_validates(path):
    """Every bundled policy, read by its reader with no folder hint, yields one valid policy
    row, schema-valid records, and no covered code under a negative statement."""
    from flows.model import Limits
    from flows.readers import read_document, sniff_media_type
    from schemas.payer_policies import PayerPolicy
    from schemas.policy_codes import PolicyCode
    from schemas.policy_revisions import PolicyRevision

    data = path.read_bytes()
    doc = read_document(data, sniff_media_type(data, path.name), Limits())
    e = extract_payer_policy(doc, source_path=path.name, payer_hint=None)
    assert e.problems == []
    folder = path.parent.name
    if folder != "payer_policies":
        assert policy(e)["payer_id"] == folder
    assert policy(e)["version_date"] is not None
    assert e.records["policy_codes"]
    models = {
        "payer_policies": PayerPolicy,
        "policy_codes": PolicyCode,
        "policy_revisions": PolicyRevision,
    }
    for dataset, model in models.items():
        rows = [{"doc_id": "0" * 64, **r} for r in e.records[dataset]]
        if rows:
            model.validate(pd.DataFrame(rows), lazy=True)
    for row in e.records["policy_codes"]:
        if row["coverage"] == "covered":
            assert coverage_of(row["coverage_text"]) == "covered", row


# --- property test ----------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "Aetna Clinical Policy Bulletin",
        "Cigna Medical Coverage Policy",
        "UnitedHealthcare® Commercial Medical Policy",
        "Number: 0315",
        "Policy Number: 2026T0123A",
        "LCD ID: L35094",
        "Effective Date: February 1, 2026",
        "Effective Date ........ 13/45/2026",
        "Last Review | 02/14/2026",
        "Revision Effective Date: For services performed on or after 11/01/2025",
        "| CPT codes covered if selection criteria are met: |",
        "| CPT codes not covered for indications listed in the CPB: |",
        "| 47383 | Ablation |",
        "| 0581T-0583T | Laser |",
        "| J0000-J9999 | Drugs |",
        "| 0583T-0581T |",
        "| C22.0 - C22.9 | Liver |",
        "47383       Ablation,",
        "            continued descriptor",
        "Considered Experimental/Investigational/Unproven:",
        "Group 1 Paragraph:",
        "Group 1 Codes: 47382, 47383",
        "ICD-10-CM Codes that DO NOT Support Medical Necessity",
        "X (CPT 47383) is proven and medically necessary",
        "- Laser ablation (0581T)",
        "## Background",
        "## Policy History/Revision Information",
        "| Date | Summary of Changes |",
        "| 02/01/2026 | Revised |",
        "01/2026   Annual review",
        "# Title",
        "",
        "|",
        "| |",
        "Group 99999 Paragraph: non-covered",
    ]
)


def _check(e: Extraction, text: str) -> None:
    assert isinstance(e, Extraction) and e.doc_kind == "payer_policy"
    assert all(isinstance(p, Problem) and p.stage == "parse" for p in e.problems)
    rejected = any(p.record is None for p in e.problems)
    if rejected:
        assert all(e.records[d] == [] for d in POLICY_DATASETS)
        return
    assert len(e.records["payer_policies"]) == 1
    keys = set()
    for row in e.records["policy_codes"]:
        assert row["coverage"] in ("covered", "not_covered", "investigational", "unspecified")
        assert row["code_system"] == code_system_of(row["code"]) is not None
        assert 0 <= row["char_start"] <= row["char_end"] <= len(text)
        keys.add((row["code"], row["coverage"]))
    assert len(keys) == len(e.records["policy_codes"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=600), hint=st.sampled_from([None, "aetna", "medicare", "x"]))
def test_arbitrary_text_never_raises(text, hint):
    _check(extract(text, hint=hint), text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(FRAGMENTS, max_size=30),
    hint=st.sampled_from([None, "cigna", "medicare"]),
    media_type=st.sampled_from([TEXT, HTML, PDF]),
)
def test_policy_fragments_never_raise(lines, hint, media_type):
    text = "\n".join(lines)
    _check(extract(text, hint=hint, media_type=media_type), text)


# --- real layouts (the real-layouts issue): headers, dates, prior-authorization lists ---------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # labels glued to the value before them, by a PDF
        (
            "Document #: SURG.00150Publish Date: 01/01/2024\n",
            {"policy_id": "SURG.00150", "effective_date": date(2024, 1, 1)},
        ),
        # labels glued to their values
        (
            "Policy Number: 7.01.557\nEffective DateDec. 1, 2024\n",
            {"effective_date": date(2024, 12, 1)},
        ),
        # a column of labels, then a column of values
        (
            "File Name:\nOrigination:\nLast CAP Review:\nendoscopic_sinus_surgery\n04/2005\n10/2024\n",
            {
                "policy_id": "endoscopic_sinus_surgery",
                "original_effective_date": date(2005, 4, 1),
                "last_reviewed_date": date(2024, 10, 1),
            },
        ),
        # a row of labels over a row of values
        (
            "Policy Number: 7.01.557\nOrigination  Last CAP Review  Next CAP Review\n04/2005  10/2024  10/2025\n",
            {"next_review_date": date(2025, 10, 1), "last_reviewed_date": date(2024, 10, 1)},
        ),
        # ids with spaces; dotted dates; MM/YY
        (
            "Policy Number: PHARMACY 098.161 T0\nEffective Date: 04.01.2018\nLast Review Date: 11/24\n",
            {
                "policy_id": "PHARMACY 098.161 T0",
                "effective_date": date(2018, 4, 1),
                "last_reviewed_date": date(2024, 11, 1),
            },
        ),
        # a banner with a dash; a later "BCBSA Ref. Policy" ranks below the plan's number
        ("MEDICAL POLICY – 7.01.557\nBCBSA Ref. Policy: 7.01.163\n", {"policy_id": "7.01.557"}),
    ],
)
def test_real_header_layouts(header, expected):
    e = extract(
        "Premera Blue Cross\nGenicular Nerve Ablation\n" + header + "CPT codes covered:\n64624 X\n"
    )
    row = policy(e)
    assert {k: row[k] for k in expected} == expected


def test_month_only_dates_keep_their_precision():
    e = extract(
        "Cigna Medical Coverage Policy\nCoverage Policy Number: 0999\nEffective Date: 06/2024\nLast Review Date: 05/14/2024\n"
    )
    row = policy(e)
    assert (row["effective_date"], row["effective_date_precision"]) == (date(2024, 6, 1), "month")
    assert row["last_reviewed_date_precision"] == "day"


def test_prior_auth_list_rows_carry_their_category_and_flag():
    text = (
        "Humana Prior Authorization Code List\nPolicy Number: PA-01\nEffective Date: 01/01/2025\n"
        "| Category | Code | Description | PA Required |\n| --- | --- | --- | --- |\n"
        "| Sleep studies | 95810 | Polysomnography | Y |\n"
        "| Neurostimulators | 64582 | Hypoglossal nerve stimulator | Y |\n"
        "| Sleep studies | 64582 | Hypoglossal nerve stimulator | Y |\n"
        "| Therapy | 97110 | Therapeutic exercise | N |\n"
    )
    e = extract(text)
    assert policy(e)["policy_type"] == "prior_auth_list"
    got = {(r["code"], r["listed_under"], r["prior_auth"]) for r in e.records["policy_codes"]}
    assert got == {
        ("95810", "Sleep studies", "required"),
        ("64582", "Neurostimulators", "required"),
        ("64582", "Sleep studies", "required"),  # a code under two categories: two rows
        ("97110", "Therapy", "not_required"),
    }


def test_prior_auth_sentences_govern_the_codes_after_them():
    text = (
        "UnitedHealthcare Prior Authorization Requirements\nPolicy Number: PA-02\n"
        "Effective Date: 02/01/2021\n"
        "Prior authorization is not required for emergency care. Arthroplasty "
        "Prior authorization required. 23470 23472 Sleep apnea procedures 0466T\n"
    )
    got = {(r["code"], r["prior_auth"]) for r in extract(text).records["policy_codes"]}
    assert got == {("23470", "required"), ("23472", "required"), ("0466T", "required")}


@pytest.mark.parametrize(
    "text",
    [
        # an index that repeats the labels of every policy it lists
        "Clinical Policies\n"
        + "".join(f"Clinical Policy: Topic {i}\nReference Number: CP.MP.{i}\n" for i in range(3)),
        # an update bulletin, whatever labels it shows
        "Medical Policy Updates\nDocument Number: 999\nEffective Date: 01/01/2025\n- Policy 455 revised\n",
    ],
)
def test_pages_about_policies_are_not_policies(text):
    assert reasons(extract(text)) == ["not_a_policy"]


# --- found in review of the real-layouts work ------------------------------------------------


def test_policy_number_span_is_in_the_text_as_read():
    # A bold table cell is cleaned of its emphasis; the span still points at the number.
    text = "Aetna Clinical Policy Bulletin\n| Policy Number | **0315** |\n| Last Review | 02/14/2026 |\n"
    row = policy(extract(text))
    assert text[row["char_start"] : row["char_end"]] == "0315"


@pytest.mark.parametrize(
    "text",
    [
        # a running header repeated on every page is one number, not an index
        "Aetna Clinical Policy Bulletin\n"
        + "".join(
            f"Policy Number: 0315 Page {n} of 3\nLast Review: 02/14/2026\n"
            "Aetna considers it medically necessary.\n"
            for n in (1, 2, 3)
        ),
        # "index of" and "FAQ" in a policy's own words
        "Aetna Clinical Policy Bulletin\nNumber: 0157\nLast Review: 02/14/2026\n"
        "Surgery is medically necessary for a body mass index of 40 or more (see the FAQ).\n",
        # a coverage statement over a code table, with no label at all
        "Clinical Guidelines\nListing of a code does not imply coverage.\n"
        "Hypoglossal nerve stimulation is covered when criteria are met:\n64582 Implantation\n",
    ],
)
def test_policies_are_not_taken_for_index_pages(text):
    assert "not_a_policy" not in reasons(extract(text))
