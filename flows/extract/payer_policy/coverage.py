"""The coverage vocabulary: what a statement or heading says about the codes under it
(covered, not covered, investigational), disclaimers that say nothing."""

from __future__ import annotations

import re

from flows.extract.payer_policy import layouts as pl
from flows.extract.payer_policy.base import (
    COVERED,
    INVESTIGATIONAL,
    NOT_COVERED,
    PA_NOT_REQUIRED,
    PA_REQUIRED,
    _memo,
    holds_any,
)

# --- coverage vocabulary -------------------------------------------------------------------

_INVESTIGATIONAL_RE = re.compile(
    r"\b(?:experimental|investigational|unproven|not\s+(?:been\s+)?proven)\b", re.IGNORECASE
)
_NOT_COVERED_RE = re.compile(
    r"\bnon-?\s?covered\b"
    r"|\bnot\s+(?:(?:be|been|considered|deemed|separately|otherwise|generally)\s+){0,2}"
    r"(?:covered|medically\s+necessary|reasonable\s+and\s+necessary"
    r"|eligible\s+for\s+(?:coverage|reimbursement)|a\s+covered)\b"
    r"|\b(?:does|do)\s+not\s+(?:support|cover)\b"
    r"|\bexcluded\s+from\s+coverage\b|\bno\s+coverage\b",
    re.IGNORECASE,
)
_COVERED_RE = re.compile(
    r"\bmedically\s+necessary\b|\bcovered\b|\bcovers\b|\breasonable\s+and\s+necessary\b"
    r"|\bproven\b|\bsupports?\s+(?:medical\s+necessity|coverage)\b|\beligible\s+for\s+coverage\b"
    r"|\b(?:pay|pays|will\s+pay)\s+for\b|\bpayable\b",
    re.IGNORECASE,
)


_SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\"'])")


def _split_sentences(text: str) -> list[str]:
    return _SENTENCE_BREAK.split(text)


# Sentences that talk about coverage without granting or denying it ("Listing a code does
# not mean the service is covered or not covered", "for reference purposes only").
_DISCLAIMER_RE = re.compile(
    r"\b(?:does|do|shall|will)\s+not\s+(?:mean|imply|guarantee|indicate|ensure|assure"
    r"|constitute)\b|\bcovered\s+or\s+(?:not|non)[\s-]?covered\b"
    r"|\bfor\s+reference\s+(?:purposes\s+)?only\b"
    r"|\bfor\s+informational\s+purposes\b"
    # A billing notice ("report medically necessary treatment with modifier AT") tells how
    # to bill, not what is covered.
    r"|\bmodifiers?\b",
    re.IGNORECASE,
)


#: A statement the three coverage patterns can match holds one of these words.
_COVERAGE_HINT = re.compile(
    r"cover|necess|proven|experimental|investigational|support|eligible|pay"
)
# The patterns for ASCII text in lower case (their literals are all lower case): the same
# matches, found faster than with IGNORECASE.
_DISCLAIMER_LOW = re.compile(_DISCLAIMER_RE.pattern)
_INVESTIGATIONAL_LOW = re.compile(_INVESTIGATIONAL_RE.pattern)
_NOT_COVERED_LOW = re.compile(_NOT_COVERED_RE.pattern)
_COVERED_LOW = re.compile(_COVERED_RE.pattern)
# Words that every match of a pattern holds (in lower case): where none is in a statement,
# the pattern is not tried. A search tries each alternative at every position of the text,
# ~10 us for one sentence, and most statements need only `_COVERED_LOW`.
_DISCLAIMER_WORDS = ("not", "non", "reference", "informational", "modifier")
_INVESTIGATIONAL_WORDS = ("experimental", "investigational", "proven")
_NOT_COVERED_WORDS = ("not", "non", "excluded", "coverage")


def coverage_of(statement: str) -> str | None:
    """The coverage a grouping statement or heading gives the codes under it, else None.

    Negations are checked first so that "not medically necessary" never reads as covered;
    "unproven and not medically necessary" (UnitedHealthcare) is `investigational`.
    Disclaimer sentences ("does not mean the service is covered or not covered") count
    for nothing.
    """
    if statement.isascii():
        low = statement.lower()
        if not _COVERAGE_HINT.search(low):
            return None  # most lines name no coverage at all
        if not (holds_any(low, _DISCLAIMER_WORDS) and _DISCLAIMER_LOW.search(low)):
            if holds_any(low, _INVESTIGATIONAL_WORDS) and _INVESTIGATIONAL_LOW.search(low):
                return INVESTIGATIONAL
            if holds_any(low, _NOT_COVERED_WORDS) and _NOT_COVERED_LOW.search(low):
                return NOT_COVERED
            return COVERED if _COVERED_LOW.search(low) else None
    if _DISCLAIMER_RE.search(statement):
        statement = " ".join(s for s in _split_sentences(statement) if not _DISCLAIMER_RE.search(s))
    if _INVESTIGATIONAL_RE.search(statement):
        return INVESTIGATIONAL
    if _NOT_COVERED_RE.search(statement):
        return NOT_COVERED
    if _COVERED_RE.search(statement):
        return COVERED
    return None


#: `coverage_of`, memoised: statements and headings repeat within and across documents.
_coverage = _memo(8192)(coverage_of)


@_memo(8192)
def prior_auth_of(statement: str) -> str | None:
    """`required` or `not_required` for a statement about prior authorization, else None.

    "Prior authorization is required", "requires precertification" are `required`; "no
    prior authorization is needed", "removed from the prior authorization list" are
    `not_required`. A bare mention ("Prior Authorization") states neither.
    """
    if not mentions_prior_auth(statement):
        return None
    # Sentence by sentence: a statement whose sentences disagree ("Codes marked Y require
    # PA. Codes marked N do not.") is conditional and states neither.
    found = {_prior_auth_in(sentence) for sentence in _split_sentences(statement)} - {None}
    return found.pop() if len(found) == 1 else None


def _prior_auth_in(sentence: str) -> str | None:
    if not mentions_prior_auth(sentence):
        return None
    if pl.PRIOR_AUTH_NOT_REQUIRED.search(sentence):
        return PA_NOT_REQUIRED
    if pl.PRIOR_AUTH_REQUIRED.search(sentence):
        return PA_REQUIRED
    return None


#: A table cell or line that answers "prior authorization required?" on its own.
_PA_FLAG = {
    "y": PA_REQUIRED,
    "yes": PA_REQUIRED,
    "required": PA_REQUIRED,
    "pa required": PA_REQUIRED,
    "n": PA_NOT_REQUIRED,
    "no": PA_NOT_REQUIRED,
    "not required": PA_NOT_REQUIRED,
    "no pa required": PA_NOT_REQUIRED,
    "notification only": PA_NOT_REQUIRED,
}


def prior_auth_flag(cell: str) -> str | None:
    """The prior authorization a bare cell of a list states ("Y", "No", "Not Required",
    "Notification only"), else what a short statement in it says."""
    flag = _PA_FLAG.get(" ".join(cell.lower().strip(" .*").split()))
    if flag is not None or len(cell) > 80:
        return flag
    return prior_auth_of(cell)


#: Every match of the prior-authorization terms holds one of these words, lower-cased:
#: auth, cert, approval, service (tested in `mentions_prior_auth` one by one, cheaper than
#: a loop).


def is_prior_auth_list(text: str) -> bool:
    """Whether a document is a prior-authorization code list: its title or one of its
    first lines says so ("Prior Authorization Code List", "Services Requiring Prior
    Authorization"). A sentence further down about prior authorization does not."""
    opening = text[:800]
    low = opening.lower()
    if "PA" not in opening and not holds_any(low, ("auth", "cert")):
        return False  # most documents: no line to look at
    top = [line for line in opening.split("\n", 12) if line.strip()][:6]
    for line in top:
        head = line[:_TITLE_REACH]
        if not mentions_prior_auth(head):
            continue
        m = pl.PRIOR_AUTH_LIST_TITLE.search(head)
        # A title line, or a header a PDF flattened onto one line that starts with the
        # title (after one token at the most: a form number); not a sentence about it.
        if m and (len(line) <= _TITLE_REACH or len(head[: m.start()].split()) <= 1):
            return True
    return False


#: Where a prior-authorization list's title is looked for in one of its first lines.
_TITLE_REACH = 100


@_memo(8192)
def mentions_prior_auth(text: str) -> bool:
    """Whether a line speaks of prior authorization at all (a cheap test first)."""
    if "PA" in text and pl.PRIOR_AUTH_ABBREVIATION.search(text):
        return True
    low = text.lower()
    if "auth" in low or "cert" in low or "approval" in low or "service" in low:
        return pl.PRIOR_AUTH_TERMS.search(low) is not None
    return False
