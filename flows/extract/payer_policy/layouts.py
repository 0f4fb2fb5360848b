"""Layouts as data: the header-label lexicon (`schemas/reference/policy_labels.csv`), the
per-payer layout hints and the section-role vocabulary (`policy_layouts.toml`), turned
into the objects the generic policy extractor reads. A new payer layout is a data change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas.reference import policy_labels, policy_layouts

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
    `rank` orders labels of one field (a "Publish Date" fills the effective date only
    where no "Effective Date" does); `slug` ids need no digit ("File Name: knee_mri").
    """

    text: str
    field: str
    strict: bool = False
    policy_type: str | None = None  # for id labels that also tell the document type
    rank: int = 1
    slug: bool = False


def _labels() -> tuple[tuple[Label, ...], dict[str, dict[str, str]]]:
    """Every label spelling, and per payer the fields its own spellings fill."""
    labels: dict[str, Label] = {}
    by_payer: dict[str, dict[str, str]] = {}
    for row in policy_labels():
        text, fill = row["label"].strip(), row["field"].strip()
        if row["payer"].strip():
            by_payer.setdefault(row["payer"].strip(), {})[text] = fill
            if text.lower() in labels:
                continue
        labels[text.lower()] = Label(
            text,
            fill,
            strict=row["strict"].strip() == "yes",
            policy_type=row["policy_type"].strip() or None,
            rank=int(row["rank"] or 1),
            slug=row["id_shape"].strip() == "slug",
        )
    return tuple(labels.values()), by_payer


LABELS, _PAYER_FIELDS = _labels()


@dataclass(frozen=True, slots=True)
class Layout:
    """How one payer family lays out its policies (see `policy_layouts.toml`).

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


#: The sections of `policy_layouts.toml` that are vocabularies, not payer layouts.
_VOCABULARIES = (
    "sections",
    "line_of_business",
    "not_a_policy",
    "prior_auth",
    "title",
    "unlabelled",
    "codes",
)


def _layouts() -> dict[str, Layout]:
    layouts = {}
    for name, spec in policy_layouts().items():
        if name in _VOCABULARIES:
            continue
        layouts[name] = Layout(
            name,
            spec["policy_type"],
            fields=_PAYER_FIELDS.get(name, {}),
            version_fields=tuple(spec.get("version_fields", (EFFECTIVE, LAST_REVIEWED, ORIGINAL))),
            heading_decides=bool(spec.get("heading_decides", False)),
            fallback_id=tuple(
                (re.compile(pattern), kind or None) for pattern, kind in spec.get("fallback_id", ())
            ),
        )
    return layouts


LAYOUTS = _layouts()
GENERIC = LAYOUTS["generic"]


def layout_for(payer_id: str | None) -> Layout:
    """The layout of a payer's policies; the generic one for payers without their own."""
    return LAYOUTS.get(payer_id or "", GENERIC)


# --- section vocabulary ---------------------------------------------------------------------
# Sections are keyed by `flows.textkit.headings.heading_key` (lower case, letters and digits
# only).

_SECTIONS = policy_layouts()["sections"]
#: Narrative sections: codes mentioned here are never policy codes.
NARRATIVE_SECTION = re.compile(_SECTIONS["narrative"])
#: Revision-history sections: dated rows become `policy_revisions`, never codes.
REVISION_SECTION = re.compile(_SECTIONS["revisions"])
#: Headings that open a new part of the policy, so a grouping statement above them no
#: longer applies (unlike "CPT Codes" sub-labels inside a coverage group).
STRUCTURAL_SECTION = re.compile(_SECTIONS["structural"])


def _lowered(pattern: str) -> re.Pattern[str]:
    """A `(?i)` pattern of the vocabulary (its letters all lower case) compiled for text
    already lower-cased: the same matches, found faster than with IGNORECASE."""
    bare = pattern.removeprefix("(?i)")
    letters = re.sub(r"\\.", "", bare)  # escapes such as \b and \s are no letters
    if any(c.isupper() for c in letters):
        raise ValueError(f"a lower-cased pattern holds a capital: {bare!r}")
    return re.compile(bare)


#: (line of business, pattern) in the order the vocabulary lists them.
LINES_OF_BUSINESS = tuple(
    (name, _lowered(pattern)) for name, pattern in policy_layouts()["line_of_business"].items()
)
#: The same patterns as one, a named group each: the first match found is the leftmost.
LINE_OF_BUSINESS = re.compile(
    # Every match starts a word: positions inside words are passed over at C speed.
    r"(?<![a-z0-9])(?:"
    + "|".join(f"(?P<{name}>{pattern.pattern})" for name, pattern in LINES_OF_BUSINESS)
    + ")"
)


#: A title or opening that names a page about no coverage (an index, FAQ or news list).
NOT_A_POLICY_TITLE = re.compile(policy_layouts()["not_a_policy"]["title"])
#: Openings that name a page about policies even when it shows policy labels.
NOT_A_POLICY_STRONG = re.compile(policy_layouts()["not_a_policy"]["strong"])
#: `NOT_A_POLICY_STRONG` for lower-cased ASCII text.
NOT_A_POLICY_STRONG_LOW = re.compile(
    # Every match starts a word: positions inside words are passed over at C speed.
    r"(?<![a-z0-9])(?:" + _lowered(policy_layouts()["not_a_policy"]["strong"]).pattern + ")"
)
#: A first line naming a collection of policies ("Medical Policies").
NOT_A_POLICY_COLLECTION = re.compile(policy_layouts()["not_a_policy"]["collection"])

_PRIOR_AUTH = policy_layouts()["prior_auth"]
#: A mention of prior authorization (or precertification, prior approval).
PRIOR_AUTH_TERMS = _lowered(_PRIOR_AUTH["terms"])
#: Its abbreviation, as written.
PRIOR_AUTH_ABBREVIATION = re.compile(_PRIOR_AUTH["abbreviation"])
#: Words that say a mentioned prior authorization is not required.
PRIOR_AUTH_NOT_REQUIRED = re.compile(_PRIOR_AUTH["not_required"])
#: Words that say it is required.
PRIOR_AUTH_REQUIRED = re.compile(_PRIOR_AUTH["required"])
#: A title that makes a document a prior-authorization code list.
PRIOR_AUTH_LIST_TITLE = re.compile(_PRIOR_AUTH["list_title"])
#: Page furniture that is never a title ("Skip to main content", "Topic:", breadcrumbs).
TITLE_FURNITURE = re.compile(policy_layouts()["title"]["furniture"])

_UNLABELLED = policy_layouts()["unlabelled"]
#: The words before an effective date that no label names (its end is where the date starts).
UNLABELLED_EFFECTIVE = re.compile(_UNLABELLED["effective_date"])
#: A header line holding only a policy number (group 1).
UNLABELLED_ID_LINE = re.compile(_UNLABELLED["policy_id_line"])
#: A run of numbers a word names as no codes ("Groups 77700, 77701"): group 1.
OTHER_NUMBERS = re.compile(policy_layouts()["codes"]["other_numbers"])
