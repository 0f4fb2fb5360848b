"""Who publishes a policy: the payer its title, banner or copyright line names (not the
payers it mentions), the plan as written, and the line of business it states."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from flows.extract.payer_policy.base import HEADER_CHARS, HEADER_LINES, holds_any
from flows.extract.payer_policy.layouts import LINE_OF_BUSINESS
from flows.textkit.memo import text_memo
from schemas.reference import PayerMention, payer_registry

# A line naming a payer together with one of these words says who issued the document
# ("Cigna Medical Coverage Policy", "Aetna considers ...").
_ISSUER_WORDS = re.compile(
    r"\b(?:polic(?:y|ies)|bulletins?|guidelines?|determinations?|considers?|covers)\b",
    re.IGNORECASE,
)
# A copyright or licensee line names the publisher wherever it sits (often the footer).
_OWNER_LINE = re.compile(
    r"©|\(c\)|\bcopyright\b|\bindependent\s+licensees?\b|\ball\s+rights\s+reserved\b",
    re.IGNORECASE,
)
_MEDICARE_MARKERS = re.compile(
    r"\b(?:LCD\s+ID|Article\s+ID|NCD\s+ID|Local\s+Coverage\s+(?:Determination|Article)"
    r"|National\s+Coverage\s+Determination|Medicare\s+Coverage\s+Database)\b"
)
#: Mentions that never name a publisher on their own: a program, not a plan
#: ("Medicare Advantage" in a network table, "CMS" in a manual citation).
_PROGRAM_WORDS = frozenset(
    {
        *("medicare advantage", "cms", "original medicare", "traditional medicare"),
        *("medicare part b", "state medicaid", "medicaid managed care", "state medicaid programs"),
    }
)


def _ends_sentence(line: str) -> bool:
    """A line ending a sentence (a company suffix such as "Inc." does not)."""
    line = line.rstrip()
    return line.endswith(".") and not line.endswith(_COMPANY_SUFFIXES)


#: A line that starts with one is a list item of the body, never a title.
_BULLETS = ("•", "·", "◦", "▪", "*")
_COMPANY_SUFFIXES = (" Inc.", " Co.", " Corp.", " Ltd.", " LLC.", ",Inc.")


#: Where the title lines are looked for when the folder names the payer.
_TITLE_CHARS = 500


@dataclass(frozen=True, slots=True)
class Issuer:
    """The payer id and the plan as the document writes it (`Highmark`)."""

    payer_id: str
    name: str | None


def _issuer_of(line: str, mentions: list[PayerMention]) -> PayerMention | None:
    """The payer a header line names as its issuer: its only payer, or the one it starts
    with ("Humana Medicare Advantage Medical Policy")."""
    if len({m.payer_id for m in mentions}) == 1 or not line[: mentions[0].start].strip(" #*|-•"):
        return mentions[0]
    return None


@text_memo(4096)
def _plans(line: str) -> list[PayerMention]:
    """The payers a line names, programs aside; a PDF's glued words are parted first
    ("0-28575000UnitedHealthcare"). Memoised: title and copyright lines repeat across a
    payer's documents; the list is shared, never changed."""
    line = _GLUE_POINT.sub(" ", line)
    return [m for m in payer_registry().find(line) if m.name.lower() not in _PROGRAM_WORDS]


_GLUE_POINT = re.compile(r"(?<=[0-9])(?=[A-Z][a-z])")


def detect_issuer(text: str, payer_hint: str | None) -> Issuer | None:
    """The payer that issued the document: the first title line that names a payer, else
    a copyright or licensee line, else the first line with an issuer word ("Aetna
    considers", "Cigna Medical Coverage Policy"), else Medicare by its MCD markers, else
    the only payer the header names. The folder hint, when it is a registry id, decides
    the payer id; the text still gives the plan's name.

    Returns None when the document names no payer, or several and none as the issuer.
    """
    if payer_hint and payer_hint in payer_registry().payer_ids:
        # The folder names the payer: only the plan's name is looked for, in the title.
        titles = next(_clue_lines(text, text[:_TITLE_CHARS]))
        names = (m.name for line in titles for m in _plans(line) if m.payer_id == payer_hint)
        return Issuer(payer_hint, next(names, None))
    return _issuer_in_text(text)


def _issuer_in_text(text: str) -> Issuer | None:
    head = text[:HEADER_CHARS]
    for group, lines in enumerate(_clue_lines(text, head)):  # 0 titles, 1 owners, 2 words
        for line in lines:
            mentions = _plans(line)
            if mentions and group != _OWNER_CLUES:
                # "If a Medicare product covers ...", "All lines of business except
                # Medicare": a program scopes a document, it does not publish it (Medicare's
                # own pages have MCD markers, a Medicaid plan's its plan name).
                mentions = [m for m in mentions if m.name.lower() not in _PROGRAMS]
            if mentions:
                issuer = _issuer_of(line, mentions)
                if issuer is not None:
                    return Issuer(issuer.payer_id, issuer.name)
                break  # several payers on the line, none as its issuer: try the next clue
    if _MEDICARE_MARKERS.search(head):
        return Issuer("medicare", None)
    return _dominant(_plans(head))


#: Program names: a header that names Medicare or Medicaid only as a program ("If a
#: Medicare product covers ...") is not theirs (their own pages have MCD markers or a
#: plan's name).
_PROGRAMS = frozenset({"medicare", "medicaid"})


def _dominant(mentions: list[PayerMention]) -> Issuer | None:
    """The payer the header names alone, or far more often than any other: at least twice,
    and twice as often as the next ("Cigna Companies" three times in a flattened PDF header
    beside one "Medicare Coverage Determinations" in its table of contents). Program names
    do not count."""
    counts = Counter(m.payer_id for m in mentions if m.name.lower() not in _PROGRAMS)
    ranked = counts.most_common(2)
    if not ranked:
        return None
    top, n = ranked[0]
    if len(ranked) == 2 and (n < 2 or n < 2 * ranked[1][1]):
        return None
    return Issuer(top, next(m.name for m in mentions if m.payer_id == top))


#: The clue group of copyright and licensee lines (`_clue_lines`).
_OWNER_CLUES = 1


def _clue_lines(text: str, head: str) -> Iterator[list[str]]:
    """The lines that may name the issuer, best clue first, each group found only when
    the one before named no issuer: title lines (short, not sentences: "Line of Business:
    Commercial; Medicare Advantage" further down does not count), copyright and licensee
    lines of the header and the last page, then lines with an issuer word."""
    head_lines = head.split("\n")
    top = list(islice((ln for ln in head_lines if ln.strip()), HEADER_LINES))
    yield [
        ln
        for ln in top
        if len(ln) <= 100 and not _ends_sentence(ln) and not ln.lstrip().startswith(_BULLETS)
    ]
    yield [
        _line_at(part, m.start())
        for part in (head, text[-HEADER_CHARS:])
        for m in _OWNER_LINE.finditer(part)
    ]
    yield [_line_at(head, m.start()) for m in _ISSUER_WORDS.finditer(head)]


def _line_at(text: str, at: int) -> str:
    """The line of `text` that holds offset `at`."""
    end = text.find("\n", at)
    return text[text.rfind("\n", 0, at) + 1 : end if end >= 0 else len(text)]


def detect_payer(text: str, payer_hint: str | None) -> str | None:
    """The payer id of `detect_issuer`."""
    issuer = detect_issuer(text, payer_hint)
    return issuer.payer_id if issuer else None


def line_of_business(head: str) -> str | None:
    """The line of business the header states (`medicare_advantage`, `medicaid`, ...): the
    first the vocabulary of `policy_layouts.toml` finds in the header's first 1,200
    characters."""
    low = head[:_LOB_CHARS].lower()
    if not holds_any(low, _LOB_WORDS):
        return None  # most headers name none: the pattern is not tried (~100 us a header)
    m = LINE_OF_BUSINESS.search(low)
    return m.lastgroup if m else None


#: Where the line of business is looked for: the header (every character scanned costs,
#: on every policy).
_LOB_CHARS = 1200
#: A word each line-of-business pattern's matches hold (a dozen substring tests cost less
#: than one scan of their alternation).
_LOB_WORDS = (
    *("medicare", "medicaid", "commercial", "marketplace", "exchange", "community", "chip"),
    *("mapd", "ma-pd", "employer", "ambetter", "managed"),
)
