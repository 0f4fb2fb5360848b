"""The extractors' shortcuts give the verdicts of the slower code they skip.

Each shortcut rejects a line early on a cheap test; each property here checks, over text
built from the words the patterns look for (and explicit examples of the hard cases), that
the cheap test never rejects a line the full check would accept. Sampling, not proof: the
argument for each shortcut is in the comment beside it.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flows.extract.code_report import payers as cr_payers
from flows.extract.payer_policy import codes as pp_codes
from flows.extract.payer_policy import coverage as pp_coverage
from flows.extract.payer_policy import extract_payer_policy
from flows.extract.payer_policy import labels as pp_labels
from flows.extract.payer_policy import layouts as pl
from flows.model import DocumentText


def _phrases(words: list[str], max_size: int = 12) -> st.SearchStrategy[str]:
    """Text made of `words`, punctuation and any characters, joined by odd whitespace."""
    token = st.one_of(
        st.sampled_from(words),
        st.sampled_from(list("®*†‡/&:()-–—,.#|'")),
        st.text(max_size=4),
    )
    gap = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0", "-"])
    return st.lists(st.tuples(token, gap), max_size=max_size).map(
        lambda parts: "".join(t + g for t, g in parts)
    )


_CODE_LABEL_WORDS = [
    *("CPT", "cpt", "HCPCS", "ICD", "ICD-10-CM", "10", "9", "CM", "PCS", "Code", "codes"),
    *("Description", "descriptors", "Level", "II", "iii", "I", "category", "diagnosis"),
    *("procedures", "and", "or", "long", "short", "type", "Modifier", "Codes®", "icd10"),
    *("Coded", "decode", "ſ", "K", "Ablation", "47383", "0581T"),
]


def _is_code_label_by_substitution(text: str) -> bool:
    """The definition `is_code_label` had before its fullmatch: the text names a code
    system or codes, and nothing is left once the code words are taken out."""
    names_codes = pp_codes._SYSTEM_WORDS.search(text) or pp_codes._CODES_WORD.search(text)
    return bool(names_codes) and not pp_codes._CODE_WORDS.sub(" ", text).strip()


@settings(max_examples=3000, deadline=None)
@given(_phrases(_CODE_LABEL_WORDS))
def test_is_code_label_matches_its_substitution_reference(text):
    # The memo's own function, so every example is computed, not looked up.
    assert pp_codes.is_code_label.__self__.fn(text) == _is_code_label_by_substitution(text)


def test_is_code_label_cases():
    cases = {
        "CPT®* Codes": True,
        "Code Description": True,
        "ICD-10-CM Diagnosis Codes": True,
        "CPT Codes / HCPCS Codes / ICD-10 Codes": True,
        "Codes": True,
        "Description": False,  # no system and no "code"
        "CPT Codes Ablation": False,
        "Covered CPT codes": False,
        "icd10 codes": False,  # "icd10" is one word, not "icd" and "10"
    }
    assert {t: pp_codes.is_code_label.__self__.fn(t) for t in cases} == cases


_COVERAGE_WORDS = [
    *("not", "non", "non-covered", "noncovered", "covered", "covers", "cover", "coverage"),
    *("no", "excluded", "from", "be", "been", "considered", "deemed", "separately"),
    *("medically", "necessary", "reasonable", "and", "eligible", "for", "reimbursement"),
    *("a", "does", "do", "shall", "will", "mean", "imply", "guarantee", "or"),
    *("reference", "purposes", "only", "experimental", "investigational", "unproven"),
    *("proven", "support", "supports", "medical", "necessity", "is", "the", "NOT"),
    # Whole matches, which word-by-word draws rarely assemble.
    *("no coverage", "not covered", "non covered", "covered or non-covered"),
    *("covered or not covered", "does not cover", "do not support", "not been proven"),
    *("excluded from coverage", "for reference only", "not eligible for reimbursement"),
    *("does not imply", "not be considered medically necessary", "not a covered"),
]


@settings(max_examples=3000, deadline=None)
@given(_phrases(_COVERAGE_WORDS).map(str.lower))
def test_coverage_patterns_are_tried_only_where_they_can_match(low):
    # coverage_of skips a pattern when none of the words all its matches hold is in the
    # statement: exact only if every match holds one of them.
    for pattern, words in (
        (pp_coverage._DISCLAIMER_LOW, pp_coverage._DISCLAIMER_WORDS),
        (pp_coverage._INVESTIGATIONAL_LOW, pp_coverage._INVESTIGATIONAL_WORDS),
        (pp_coverage._NOT_COVERED_LOW, pp_coverage._NOT_COVERED_WORDS),
    ):
        if pattern.search(low):
            assert pp_coverage.holds_any(low, words), (pattern.pattern, low)


_PRIOR_AUTH_WORDS = [
    *("prior", "authorization", "auth", "precertification", "pre-certification"),
    *("preauthorization", "approval", "not", "no", "n't", "isn't", "without", "do", "does"),
    *("exempt", "from", "required", "requires", "requirement", "needed", "mandatory", "must"),
    *("be", "obtained", "is", "the", "service", "plan", "for", "outpatient", "cases"),
    *("prior authorization is required", "no prior authorization", "does not require"),
    *("precertification is not needed", "must obtain prior approval", "exempt from prior"),
]


@settings(max_examples=3000, deadline=None)
@given(_phrases(_PRIOR_AUTH_WORDS))
def test_prior_auth_searches_from_the_first_start_find_every_match(text):
    # prior_auth_of (code reports) searches each pattern from the first word its matches
    # start with (_search_from): exact only if every match starts with one of them.
    for pattern, starts in (
        (cr_payers.PRIOR_AUTH, cr_payers._PRIOR_AUTH_STARTS),
        (cr_payers.PRIOR_AUTH_NOT, cr_payers._PRIOR_AUTH_NOT_STARTS),
        (cr_payers.PRIOR_AUTH_YES, cr_payers._PRIOR_AUTH_YES_STARTS),
    ):
        whole = pattern.search(text)
        shortcut = cr_payers._search_from(pattern, text, starts)
        assert (whole and whole.span()) == (shortcut and shortcut.span()), (pattern, text)


_LABEL_WORDS = sorted({w for label in pl.LABELS for w in label.text.split()})
_LABEL_WORDS += [label.text for label in pl.LABELS]
# Emphasis that the cells lose and the raw line keeps ("**Policy** **ID**").
_LABEL_WORDS += [f"{mark}{w}{mark}" for w in _LABEL_WORDS for mark in ("**", "__", "`")]


@settings(max_examples=3000, deadline=None)
@given(st.lists(_phrases(_LABEL_WORDS, max_size=4), min_size=1, max_size=5))
@example(["Policy **No.**", "123"])
@example(["**Policy** **ID**", "ABC-123"])
@example(["Policy `ID`", "Z9"])
@example(["__LCD__ __ID__", "L1234"])
@example(["Policy **ID**: CP-9", "x"])
def test_rows_without_a_label_hint_hold_no_header_value(cells):
    # _header_values skips the row facts of a pipe row whose cells the label hint rejects:
    # exact only if such a row has no label cell and no `Label: value` inside a cell.
    row = "| " + " | ".join(c.replace("|", " ") for c in cells) + " |"
    seen = pp_labels._pipe_cells(row)
    if seen is None or pp_labels._may_hold_label(" | ".join(seen)):
        return
    facts = pp_labels._row_facts.__self__.fn(row)
    if facts is not None:
        _starts, labels, is_header, values = facts
        assert not any(labels) and not is_header and values == (), row


def test_a_policy_number_in_an_emphasised_table_cell_is_found():
    text = "Acme Health Plan\nMedical Policy\n| **Policy** **ID** | MCD-LT-12 |\n|---|---|\n"
    doc = DocumentText(text, "text/plain")
    found = extract_payer_policy(
        doc, source_path="payer_policies/kaiser/x.txt", payer_hint="kaiser"
    )
    assert found.document["policy_id"] == "MCD-LT-12"


def _codes_in_statement_by_scanning(sentence: str) -> list[tuple[str, str | None]]:
    """`_codes_in_statement` as it was before its candidate starts: each pattern searched
    over the whole sentence with `finditer`."""
    from flows.textkit.codes import CODE_RANGE_IN_TEXT, ICD10_IN_TEXT, PROCEDURE_CODE_IN_TEXT

    keyword = bool(pp_codes._MENTIONS_CODES.search(sentence))
    found = [
        (m.start(), m.end(), (m.group(1), m.group(2)))
        for m in CODE_RANGE_IN_TEXT.finditer(sentence)
    ]
    for m in PROCEDURE_CODE_IN_TEXT.finditer(sentence):
        inside = any(s <= m.start() < e for s, e, _ in found)
        if not inside and (keyword or not m.group(1).isdigit()):
            found.append((m.start(), m.end(), (m.group(1), None)))
    found += [(m.start(), m.end(), (m.group(1), None)) for m in ICD10_IN_TEXT.finditer(sentence)]
    return [c for _, _, c in sorted(found, key=lambda f: f[0])]


_CODE_TOKENS = [
    *("47383", "0581T", "0582T", "1306F", "J9000", "J9999", "C34.10", "C34.12", "S72.001A"),
    *("C22", "A1C", "10000", "123456", "4738", "Z99.89", "U07.1", "I10", "E11.9", "G0105"),
    *("through", "to", "-", "–", "—", "CPT", "codes", "code", "HCPCS", "ICD-10", "$", "%"),
    *(".", ",", "/", "(", ")", "mm3", "x", "is", "covered", "٣٤٥٦٧", "Ⅻ", "_", "a1234"),
]


@settings(max_examples=4000, deadline=None)
@given(_phrases(_CODE_TOKENS, max_size=14))
def test_codes_in_statement_matches_its_scanning_reference(sentence):
    found = pp_codes._codes_in_statement.__self__.fn(sentence)
    assert [(c.first, c.last) for c in found] == _codes_in_statement_by_scanning(sentence)


_PA_PIECES = [
    "Prior authorization",
    "prior auth.",
    "pre-authorization",
    "Preauthorization",
    "precertification",
    "Pre-certification",
    "precert",
    "prior approval",
    "pre-service review",
    "PA",
    "pa",
    "required",
    "not required",
    "codes",
    "Approval",
    "Service",
    "Certified",
    "author",
    " ",
    ".",
    "\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PA_PIECES), max_size=8).map(" ".join))
def test_prior_auth_word_gate_loses_no_mention(text):
    # `mentions_prior_auth` tries the pattern only where one of its words is: the same
    # answer as the pattern on every text.
    full = bool(pl.PRIOR_AUTH_ABBREVIATION.search(text) or pl.PRIOR_AUTH_TERMS.search(text.lower()))
    assert pp_coverage.mentions_prior_auth.__self__.fn(text) == full


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["MAC", "J-L", "J", "5", "Part", "A", "and", "B", "DME", "*", "-", " ", "x"]
        ),
        max_size=6,
    ).map(" ".join)
)
def test_not_a_code_context_gate_is_the_pattern(text):
    from flows.extract.payer_policy import lines

    assert lines._not_a_code_context(text) == bool(lines._NOT_A_CODE_CONTEXT.match(text))
