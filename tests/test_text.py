"""Shared text primitives: the cases where a line is, or is not, a section heading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.textkit.headings import heading_text
from flows.textkit.labels import _label_value_by_pattern


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("## Coverage Rationale", (2, "Coverage Rationale")),
        ("Coverage Rationale", (0, "Coverage Rationale")),
        ("CODING INFORMATION", (0, "CODING INFORMATION")),
        (
            "Considered Experimental/Investigational/Unproven:",
            (0, "Considered Experimental/Investigational/Unproven"),
        ),
        ("**Policy History**", (0, "Policy History")),
        # Marked headings always count, values and all.
        ("### Last Review 02/14/2026", (3, "Last Review 02/14/2026")),
        ("Policy Updates 2025", (0, "Policy Updates 2025")),
    ],
)
def test_headings(line, expected):
    assert heading_text(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        # Label/value lines that hold a date or dot leaders (PDF headers) are not headings.
        "Last Review 02/14/2026",
        "Effective Date ............ 2/15/2026",
        "Next Review Date … 2/15/2027",
        "Policy Effective 2026-02-01",
        "Last Review 01/2026",
        # A PDF code row that starts with a HCPCS code and a Title Case descriptor.
        "C9734 Focused Ultrasound Ablation",
        "J9035 Injection Bevacizumab",
        # Blank lines (the function never raises on odd input).
        "",
        "   ",
        "\t",
        # Unchanged: sentences, lowercase starts, numbers.
        "The policy applies to all plans.",
        "47383 Ablation",
        "are met:",
    ],
)
def test_not_headings(line):
    assert heading_text(line) is None


# The hand-written label_value must give the verdicts of the reference pattern it replaced
# for speed (flows.textkit.labels._LABEL_VALUE, applied by _label_value_by_pattern).

_LABEL_ALPHABET = " -–—:*_•·abcXY12()/&.,'|\t"


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=_LABEL_ALPHABET, max_size=40),
        st.text(max_size=80),
        st.sampled_from(
            [
                "**Service type:** Ablation",
                "* **Service Type**: Ablation",
                "Service type – Ablation",
                "Medicare - national average (facility): $1.00",
                "   - Label :   value  ",
            ]
        ),
    )
)
def test_label_value_matches_its_reference_pattern(line):
    from flows.textkit.labels import label_value

    assert label_value(line) == _label_value_by_pattern(line)
