"""Constants the policy extractor shares (coverage values, problem reasons, limits) and its
memoised primitives."""

from __future__ import annotations

from functools import lru_cache

from flows.textkit.codes import code_system_of
from flows.textkit.lines import split_pipe_row
from flows.textkit.memo import text_memo

COVERED = "covered"
NOT_COVERED = "not_covered"
INVESTIGATIONAL = "investigational"
UNSPECIFIED = "unspecified"
PA_REQUIRED = "required"
PA_NOT_REQUIRED = "not_required"
PA_UNKNOWN = "unknown"
_NEGATIVE = frozenset({NOT_COVERED, INVESTIGATIONAL})

#: Ranges longer than this are kept as one row, the low bound with a `range_end` (a HCPCS
#: `J0120-J9999` span is a family of drugs, not a list the policy means code by code).
MAX_RANGE_EXPANSION = 100
#: Payer and policy-number detection look only at the header area: its first characters,
#: and for the title lines that name the issuer, its first non-empty lines.
HEADER_CHARS = 3000
HEADER_LINES = 12

REASON_UNKNOWN_PAYER = "unknown_payer"
REASON_MISSING_POLICY_ID = "missing_policy_id"
REASON_MISSING_EFFECTIVE_DATE = "missing_effective_date"
REASON_NOT_A_POLICY = "not_a_policy"
REASON_UNPARSED_DATE = "unparsed_date"
REASON_BAD_CODE_RANGE = "bad_code_range"


# --- memoisation -----------------------------------------------------------------------------
# Policies repeat themselves (boilerplate, table headers, coverage statements, and most of
# the text of a policy's next version), so pure functions of a line or a statement are
# memoised. Only texts up to `MEMO_CHARS` long are cached, in caches of bounded size, so
# the memory they hold stays small whatever the documents look like.

_memo = text_memo


#: `split_pipe_row`, memoised (table rows repeat); the cells are shared, never changed.
_pipe_cells = _memo(16384)(split_pipe_row)

#: `code_system_of`, memoised (codes repeat within and across documents).
_system_of = lru_cache(maxsize=16384)(code_system_of)


def holds_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether `text` holds one of `words`: the gate before a pattern that needs one. A
    loop, cheaper than any() over a generator."""
    for word in words:
        if word in text:
            return True
    return False
