"""Who publishes a policy: the payer its title, banner or copyright line names."""

from __future__ import annotations

import re

from flows.extract.payer_policy.base import (
    HEADER_CHARS,
    HEADER_LINES,
)
from schemas.reference import PayerMention, payer_registry

# --- payer ----------------------------------------------------------------------------------

# A line naming a payer together with one of these words says who issued the document
# ("Cigna Medical Coverage Policy", "Aetna considers ...").
_ISSUER_WORDS = re.compile(
    r"\b(?:polic(?:y|ies)|bulletins?|guidelines?|determinations?|considers?|covers)\b",
    re.IGNORECASE,
)
_MEDICARE_MARKERS = re.compile(
    r"\b(?:LCD\s+ID|Article\s+ID|NCD\s+ID|Local\s+Coverage\s+(?:Determination|Article)"
    r"|National\s+Coverage\s+Determination|Medicare\s+Coverage\s+Database)\b"
)


def _issuer_of(line: str, mentions: list[PayerMention]) -> str | None:
    """The payer a header line names as its issuer: its only payer, or the one it starts
    with ("Humana Medicare Advantage Medical Policy")."""
    if len({m.payer_id for m in mentions}) == 1 or not line[: mentions[0].start].strip(" #*|-•"):
        return mentions[0].payer_id
    return None


def detect_payer(text: str, payer_hint: str | None) -> str | None:
    """The payer that issued the document: the folder hint when it is a registry id, else
    the issuer named by the first title line that names a payer, or by the first line with
    an issuer word ("Aetna considers", "Cigna Medical Coverage Policy"), else Medicare by
    its MCD markers, else the only payer the header names.

    Returns None when the header names no payer, or several and none as the issuer.
    """
    if payer_hint and payer_hint in payer_registry().payer_ids:
        return payer_hint
    head = text[:HEADER_CHARS]
    # Title lines are short and not sentences; lines further down ("Line of Business:
    # Commercial; Medicare Advantage") do not count.
    top = [ln for ln in head.split("\n") if ln.strip()][:HEADER_LINES]
    titles = [ln for ln in top if len(ln) <= 100 and not ln.rstrip().endswith(".")]
    issuer_lines = [ln for ln in head.split("\n") if _ISSUER_WORDS.search(ln)]
    for lines in (titles, issuer_lines):
        for line in lines:
            mentions = payer_registry().find(line)
            if mentions:
                issuer = _issuer_of(line, mentions)
                if issuer is not None:
                    return issuer
                break  # several payers on the line, none as its issuer: try the next clue
    if _MEDICARE_MARKERS.search(head):
        return "medicare"
    ids = {m.payer_id for m in payer_registry().find(head)}
    return ids.pop() if len(ids) == 1 else None
