"""Per-payer layouts of medical policies: which labels name the policy number and dates,
which policy type a layout publishes, and the section vocabulary that decides where codes
may be read.

Field logic lives in `flows.extract.payer_policy`; a new payer layout only adds a `Layout`
here (and label spellings to `LABELS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Fields a header label can fill. `ignore` labels are still recognised so that a value
# stops where the next label starts ("Revision Ending Date" after a revision effective date).
POLICY_ID = "policy_id"
TITLE = "title"
EFFECTIVE = "effective_date"
ORIGINAL = "original_effective_date"
LAST_REVIEWED = "last_reviewed_date"
NEXT_REVIEW = "next_review_date"
IGNORE = "ignore"
DATE_FIELDS = (EFFECTIVE, ORIGINAL, LAST_REVIEWED, NEXT_REVIEW)


@dataclass(frozen=True, slots=True)
class Label:
    """A header label as payers spell it.

    `strict` labels are common words ("Number", "Effective", "Title") that count only at
    the start of a line or table cell and followed by a real separator, so prose such as
    "Phone Number 800..." or "Effective 1/1/2026, members..." does not fill a field.
    """

    text: str
    field: str
    strict: bool = False
    policy_type: str | None = None  # for id labels that also tell the document type


LABELS: tuple[Label, ...] = (
    # policy numbers
    Label("Coverage Policy Number", POLICY_ID),
    Label("Medical Policy Number", POLICY_ID),
    Label("Clinical Policy Number", POLICY_ID),
    Label("Policy Number", POLICY_ID),
    Label("Policy No.", POLICY_ID),
    Label("Policy No", POLICY_ID),
    Label("Policy #", POLICY_ID),
    Label("Policy ID", POLICY_ID),
    Label("Policy Code", POLICY_ID),
    Label("BCBSA Reference Number", POLICY_ID),
    Label("BCBSA Reference No.", POLICY_ID),
    Label("BCBSA Ref. Policy", POLICY_ID),
    Label("Reference Number", POLICY_ID, strict=True),
    Label("CPB Number", POLICY_ID),
    Label("Number", POLICY_ID, strict=True),
    Label("LCD ID", POLICY_ID, policy_type="lcd"),
    Label("Article ID", POLICY_ID, policy_type="billing_article"),
    Label("NCD ID", POLICY_ID, policy_type="ncd"),
    Label("Manual Section Number", POLICY_ID, policy_type="ncd"),
    # titles
    Label("Medical Policy Title", TITLE),
    Label("Policy Title", TITLE),
    Label("Policy Name", TITLE),
    Label("LCD Title", TITLE),
    Label("Article Title", TITLE),
    Label("Manual Section Title", TITLE),
    Label("Clinical Policy Bulletin", TITLE, strict=True),
    Label("Title", TITLE, strict=True),
    Label("Subject", TITLE, strict=True),
    # dates: the version's own effective date
    Label("Effective Date of this Version", EFFECTIVE),
    Label("Revision Effective Date", EFFECTIVE),
    Label("Current Effective Date", EFFECTIVE),
    Label("Policy Effective Date", EFFECTIVE),
    Label("Effective Date", EFFECTIVE),
    Label("Date Effective", EFFECTIVE),
    Label("Effective", EFFECTIVE, strict=True),
    # dates: when the policy first took effect
    Label("Original Effective Date", ORIGINAL),
    Label("Original Effective", ORIGINAL),
    Label("Original Policy Date", ORIGINAL),
    Label("Date of Origin", ORIGINAL),
    # dates: reviews
    Label("Date of Last Review", LAST_REVIEWED),
    Label("Last Reviewed Date", LAST_REVIEWED),
    Label("Last Review Date", LAST_REVIEWED),
    Label("Last Reviewed On", LAST_REVIEWED),
    Label("Last Reviewed", LAST_REVIEWED),
    Label("Last Review", LAST_REVIEWED),
    Label("Next Annual Review", NEXT_REVIEW),
    Label("Next Review Date", NEXT_REVIEW),
    Label("Next Review", NEXT_REVIEW),
    Label("Scheduled Review Date", NEXT_REVIEW),
    # recognised so values stop here, but not published
    Label("Revision Ending Date", IGNORE),
    Label("Revision End Date", IGNORE),
    Label("Retirement Date", IGNORE),
    Label("Implementation Date", IGNORE),
    Label("Publication Number", IGNORE),
    Label("Version Number", IGNORE),
    Label("Contractor Name", IGNORE),
    Label("Article Type", IGNORE),
)


@dataclass(frozen=True, slots=True)
class Layout:
    """How one payer family lays out its policies.

    `fields` remaps label fields for this payer (Aetna's bare "Effective" is the bulletin's
    original date). `version_fields` are tried in order for the version date.
    `heading_decides` makes a code section's own heading ("ICD-10-CM Codes that Support
    Medical Necessity") outrank the group paragraph beneath it (Medicare).
    `fallback_id` finds a policy number in the header when no label names it.
    """

    name: str
    policy_type: str
    fields: dict[str, str] = field(default_factory=dict)
    version_fields: tuple[str, ...] = (EFFECTIVE, LAST_REVIEWED, ORIGINAL)
    heading_decides: bool = False
    fallback_id: tuple[tuple[re.Pattern[str], str | None], ...] = ()


GENERIC = Layout("generic", "policy")

LAYOUTS: dict[str, Layout] = {
    "aetna": Layout(
        "aetna_cpb",
        "cpb",
        # Aetna's "Effective" never changes across revisions: it is the original date,
        # so the version is dated by its last review.
        fields={"Effective": ORIGINAL},
        version_fields=(LAST_REVIEWED, EFFECTIVE, ORIGINAL),
    ),
    "cigna": Layout("cigna_mcp", "medical_coverage_policy"),
    "unitedhealthcare": Layout(
        "uhc_medical_policy",
        "medical_policy",
        fallback_id=((re.compile(r"(?<![\w.])(\d{4}[A-Z]\d{4}[A-Z]?)(?![\w.])"), None),),
    ),
    "bcbs": Layout(
        "bcbs_medical_policy",
        "medical_policy",
        fallback_id=((re.compile(r"(?<![\w.])(\d{1,2}\.\d{2}\.\d{2,3})(?![\w.])"), None),),
    ),
    "medicare": Layout(
        "medicare_mcd",
        "lcd",
        heading_decides=True,
        fallback_id=(
            (re.compile(r"(?<![\w.])(L\d{5})(?![\w.])"), "lcd"),
            (re.compile(r"(?<![\w.])(A\d{5})(?![\w.])"), "billing_article"),
            (re.compile(r"\bNCD\s*#?\s*(\d{1,3}(?:\.\d{1,2}){1,2})(?![\w.])"), "ncd"),
        ),
    ),
}


def layout_for(payer_id: str | None) -> Layout:
    """The layout of a payer's policies; the generic one for payers without their own."""
    return LAYOUTS.get(payer_id or "", GENERIC)


# --- section vocabulary ---------------------------------------------------------------------
# Sections are keyed by `flows.text.heading_key` (lower case, letters and digits only).

#: Narrative sections: codes mentioned here are never policy codes.
NARRATIVE_SECTION = re.compile(
    r"^reference$|\b(?:background|references|bibliography|summary of evidence|evidence summary"
    r"|analysis of evidence|clinical evidence|scientific|literature|sources of information"
    r"|description of services|food and drug administration|fda|overview|discussion"
    r"|documentation requirements|instructions for use|related (?:commercial )?polic(?:y|ies)"
    r"|related coverage resources|associated documents|related local coverage documents"
    r"|related national coverage documents|table of contents|definitions"
    r"|clinical policy bulletin notes|policy notes)\b"
    r"|^(?:rationale|description|policy description)$"
)

#: Revision-history sections: dated rows become `policy_revisions`, never codes.
REVISION_SECTION = re.compile(
    r"\b(?:revisions?|revision history|revision details|revision information"
    r"|(?<!natural )(?<!medical )(?<!family )(?<!clinical )history|policy updates?"
    r"|transmittals?)\b"
)

#: Headings that open a new part of the policy, so a grouping statement above them no
#: longer applies (unlike "CPT Codes" sub-labels inside a coverage group).
STRUCTURAL_SECTION = re.compile(
    r"^(?:policy|coverage|coding|codes?|billing|applicable codes|utilization|benefit"
    r"|appendix|criteria|medical necessity|indications|limitations|general information"
    r"|article guidance|dosing|clinical policy bulletin|medical policy|position statement"
    r"|cms national coverage policy)\b"
)
