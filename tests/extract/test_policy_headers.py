"""Headers a PDF flattened or a page states without labels: runs of labels over runs of
values on one line, common-word labels mid-line, dates glued to placeholders, a policy
number alone on its line, effective-date phrases, and the payer a header names most."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.extract.payer_policy import extract_payer_policy
from flows.extract.payer_policy.labels import line_labels
from flows.model import DocumentText
from flows.textkit.dates import labelled_date

BODY = (
    "Policy\n\nKnee arthroscopy is medically necessary when the criteria below are met.\n\n"
    "Procedure Codes\n\nCovered when medically necessary:\n29881 Arthroscopy, knee\n"
)


def header(text: str) -> dict:
    doc = DocumentText(text, "text/plain")
    ex = extract_payer_policy(doc, source_path="payer_policies/test/doc", payer_hint=None)
    (row,) = ex.records["payer_policies"]
    return row


def values(line: str) -> dict[str, str]:
    _run, found = line_labels(line)
    return {label.text: value for label, value, _at in found}


def test_a_run_of_labels_shares_the_run_of_values_after_it():
    line = "LCD ID Original Effective Date L33001 For services performed on or after 02/01/2019"
    assert values(line) == {
        "LCD ID": "L33001",
        "Original Effective Date": "For services performed on or after 02/01/2019",
    }


def test_the_last_label_of_a_run_stops_at_the_next_label():
    line = "Revision Ending Date LCD Title N/A Knee Orthoses Retirement Date N/A"
    assert values(line)["LCD Title"] == "Knee Orthoses"


def test_labels_after_their_values_take_none_of_the_later_values():
    # Values printed before their labels (a PDF column order): the labels get no value, and
    # the date that follows belongs to the label right before it only.
    line = (
        "5/1983 5/2018 Origination: Last CAP Review: Policy Effective August 30, 2019 Description"
    )
    got = values(line)
    assert got.get("Last CAP Review", "") == ""
    assert got["Policy Effective"].startswith("August 30, 2019")


def test_a_common_word_label_counts_mid_line_after_a_number_only():
    got = values("Tinnitus Maskers Revised March 2016 Number: 0421 Policy text")
    assert got["Number"].split()[0] == "0421"
    assert "Number" not in values("Call the plan at Fax Number: 800-555-0100 for help")


def test_a_date_glued_to_a_placeholder_and_to_digits_is_read():
    assert labelled_date("TBDSeptember 1, 20207710233019")[:2] == (date(2020, 9, 1), "day")
    assert labelled_date("TBD") is None


@given(st.sampled_from(["TBD", "Pending", "XX"]), st.dates(date(1990, 1, 1), date(2040, 12, 31)))
def test_any_glued_date_is_read_whole(prefix, day):
    text = f"{prefix}{day.strftime('%B')} {day.day}, {day.year}"
    assert labelled_date(text)[:2] == (day, "day")


def test_a_number_alone_under_the_title_is_the_policy_number():
    doc = (
        "Obsolete Tests\n00.03.17b\n\nPolicy\n\nThe tests below are not covered.\n82108 Aluminum\n"
    )
    assert header(doc)["policy_id"] == "00.03.17b"


@pytest.mark.parametrize(
    "line", ["04.01.2018", "800-555-0100", "C22.0", "1.2", "Page 1 of 3", "J1.2.3 and more"]
)
def test_a_date_phone_code_or_sentence_alone_is_no_policy_number(line):
    doc = f"Obsolete Tests\n{line}\n\nPolicy\n\nThe tests below are not covered.\n82108 Aluminum\n"
    assert header(doc)["policy_id"] is None


def test_a_number_alone_after_the_first_section_is_not_taken():
    doc = (
        "Obsolete Tests\n\nPolicy\n\nThe tests below are not covered.\n00.03.17b\n82108 Aluminum\n"
    )
    assert header(doc)["policy_id"] is None


@pytest.mark.parametrize(
    ("opening", "want"),
    [
        ("Starting May 1, 2019", date(2019, 5, 1)),
        ("Effective as of 07/01/2023", date(2023, 7, 1)),
        ("Document Information For services performed on or after 10/01/2015", date(2015, 10, 1)),
    ],
)
def test_words_that_name_an_effective_date_give_it(opening, want):
    doc = f"Knee Arthroscopy\n\n{opening}\n\n{BODY}"
    assert header(doc)["effective_date"] == want


def test_a_label_outranks_the_words_that_name_an_effective_date():
    doc = f"Knee Arthroscopy\nEffective Date: 03/01/2024\n\nStarting May 1, 2019\n\n{BODY}"
    assert header(doc)["effective_date"] == date(2024, 3, 1)


def test_the_payer_a_flattened_header_names_most_is_the_issuer():
    doc = (
        "Medical Coverage PolicyEffective Date .04/15/2022Coverage Policy Number . 0127Traction"
        "Table of Contents Medicare Coverage Determinations . 4 The following Coverage Policy "
        "applies to health benefit plans administered by Cigna Companies. Certain Cigna "
        "Companies only provide utilization review services.\n"
    )
    assert header(doc)["payer_id"] == "cigna"


def test_two_payers_named_alike_often_leave_the_issuer_unknown():
    doc = (
        "Traction Devices\nPolicy Number: 0127\n\nThis page compares Cigna and Aetna rules.\n"
        "Cigna and Aetna both cover E0855.\n"
    )
    assert header(doc)["payer_id"] == "unknown"


@pytest.mark.parametrize(
    "sentence",
    [
        "Prior authorization applies to plan groups 77700, 77701 and 98151 for 93656.",
        "Call 866-273-9444 or fax 800-555-0100 to request review of 93656.",
        "Contract 04412 covers 93656.",
    ],
)
def test_numbers_a_word_names_as_groups_contracts_or_phones_are_no_codes(sentence):
    from flows.extract.payer_policy.codes import _find_codes

    assert [c.first for c in _find_codes(sentence, True)] == ["93656"]


def test_a_program_that_scopes_a_policy_is_not_its_issuer():
    doc = (
        "MEDICAL POLICY Hearing Aids (All Lines of Business Except Medicare)\n\n"
        "Effective Date: 1/1/2022 Policy No: 208\n\nAll lines of business except Medicare\n\n"
        "If a Medicare product covers the service, this policy does not apply.\n\n" + BODY
    )
    assert header(doc)["payer_id"] == "unknown"


def test_a_dates_of_service_opening_gives_the_effective_date():
    doc = f"Knee Arthroscopy\nPolicy Number: MP-214\n\nDates of service June 1, 2023, and after:\n\n{BODY}"
    assert header(doc)["effective_date"] == date(2023, 6, 1)
