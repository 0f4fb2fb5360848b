"""The data contract: one pandera model per dataset, Arrow schemas derived from it."""

from __future__ import annotations

import pyarrow
import pytest

from schemas import DATASETS

#: Required columns per dataset, from ../shared/DESIGN.md section 3.
CONTRACT = {
    "documents": "doc_id source_path doc_kind media_type series_key title payer_id primary_code effective_date status parser_version byte_size first_seen_at run_id",
    "document_sections": "doc_id ordinal heading text char_start char_end page",
    "billing_codes": "doc_id code code_system code_category descriptor service_type site_of_service",
    "code_modifiers": "doc_id code modifier description usage modifier_valid ordinal",
    "code_payers": "doc_id code payer_id payer_name coverage_statement prior_auth",
    "code_policy_updates": "doc_id code update_date payer_id summary",
    "code_benchmarks": "doc_id code metric amount unit setting",
    "code_documentation": "doc_id code ordinal element",
    "payer_policies": "doc_id payer_id policy_id title effective_date original_effective_date last_reviewed_date next_review_date",
    "policy_codes": "doc_id payer_id policy_id code code_system coverage coverage_text",
    "policy_revisions": "doc_id payer_id policy_id revision_date summary",
    "change_log": "series_key entity entity_key field change_type old_value new_value old_doc_id new_doc_id effective_date run_id detected_at",
    "quarantine": "source_path doc_id stage reason message record run_id detected_at",
    "runs": "run_id flow_run_id started_at finished_at status",
}


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_contract_columns_are_present(name):
    assert set(CONTRACT[name].split()) <= set(DATASETS[name].columns)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_models_are_strict_coercing_and_described(name):
    schema = DATASETS[name].model.to_schema()
    assert schema.strict is True and schema.coerce is True
    for column in schema.columns.values():
        assert column.description, f"{name}.{column.name} has no description"


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_arrow_types_are_warehouse_friendly(name):
    for field in DATASETS[name].arrow:
        t = field.type
        if pyarrow.types.is_timestamp(t):
            assert (t.unit, t.tz) == ("us", "UTC"), field.name
        assert not pyarrow.types.is_date64(t)
        assert not pyarrow.types.is_large_string(t)
        assert not pyarrow.types.is_unsigned_integer(t)
        assert not pyarrow.types.is_floating(t), f"{name}.{field.name}: use decimal or int"
    money = [f for f in DATASETS["code_benchmarks"].arrow if f.name == "amount"]
    assert pyarrow.types.is_decimal(money[0].type)


def test_payer_and_modifier_reference_data():
    from schemas.reference import payer_registry, valid_modifiers

    registry = payer_registry()
    assert {
        "aetna",
        "anthem",
        "bcbs",
        "cigna",
        "humana",
        "kaiser",
        "medicare",
        "medicaid",
        "unitedhealthcare",
    } <= registry.payer_ids
    assert registry.resolve("Cigna Health") == "cigna"
    assert registry.resolve("UHC") == "unitedhealthcare"
    assert registry.resolve("Blue Cross Blue Shield") == "bcbs"
    assert registry.resolve("Kaiser Permanente") == "kaiser"
    assert registry.resolve("CMS") == "medicare"
    assert registry.resolve("Acme Health") is None
    # "mac" in prose is not the Medicare Administrative Contractor acronym.
    assert registry.find("a mac and cheese plan") == []
    modifiers = valid_modifiers()
    assert {"26", "59", "TC", "XS", "RT", "LT", "GA", "KX", "JW"} <= modifiers
    assert "11" not in modifiers  # place-of-service code, not a modifier
