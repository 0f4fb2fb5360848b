"""Code-report extraction: the seed, each layout variant inline, golden files for every bundled
sample, one report in three formats, and a property test on arbitrary text."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.extract import extract_file
from flows.extract.code_report import extract_code_report
from flows.extract.code_report.payers import prior_auth_of
from flows.ingest import discover_files
from flows.model import DocumentText, Extraction, Limits
from flows.validate import to_json
from tests.conftest import REPO, SOURCES

#: One folder per bundled sample: `<case>/source.txt` (the sample's path from the repo root)
#: and `<case>/records.json` (the snapshot); see tests/data/code_report/README.md.
GOLDEN = Path(__file__).resolve().parent.parent / "data" / "code_report"
#: PDF and DOCX renditions of sources/code_reports/cpt_47382_rf_ablation_liver.txt
#: (built by tests/make_samples.py).
FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"


def extract(text: str, media_type: str = "text/plain") -> Extraction:
    return extract_code_report(DocumentText(text, media_type))


def rows(e: Extraction, dataset: str, *columns: str) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in e.records.get(dataset, [])]


def test_seed_fields(seed_text):
    e = extract(seed_text)
    assert e.document["primary_code"] == "47383"
    assert e.document["series_key"] == "code_report:47383"
    (billing,) = e.records["billing_codes"]
    assert billing["service_type"] == "Percutaneous tumor ablation (cryosurgery)"
    assert billing["site_of_service"].startswith("Interventional radiology suite")
    assert (billing["code_system"], billing["code_category"]) == ("CPT", "I")
    assert rows(e, "code_payers", "payer_id", "payer_name") == [
        ("aetna", "Aetna"),
        ("bcbs", "Blue Cross Blue Shield"),
        ("cigna", "Cigna Health"),
        ("unitedhealthcare", "UnitedHealthcare"),
        ("medicare", "Medicare"),
    ]
    assert rows(e, "code_modifiers", "modifier", "modifier_valid", "description") == [
        ("11", False, "Primary procedure")
    ]
    # The seed stops right after the first table row, without a newline.
    assert [p.reason for p in e.problems] == ["truncated_document"]


def test_provenance_points_at_the_text(seed_text):
    e = extract(seed_text)
    payer = e.records["code_payers"][0]
    assert seed_text[payer["char_start"] : payer["char_end"]].strip() == "Aetna"
    sections = e.records["document_sections"]
    assert sections[payer["section_ordinal"]]["heading"] == "Summary & Overview"
    modifier = e.records["code_modifiers"][0]
    assert seed_text[modifier["char_start"] : modifier["char_end"]].startswith("11 |")


REPORT = """{title}
{summary_heading}
Key payers in this analysis include Aetna and Medicare.
{overview}
{service}
{modifiers}
"""


@pytest.mark.parametrize(
    ("title", "code", "category"),
    [
        ("CPT 47383: Percutaneous Cryoablation", "47383", "I"),  # colon
        ("CPT 27447 — Total Knee Arthroplasty", "27447", "I"),  # em dash
        ("# CPT 0581T: Breast Cryoablation", "0581T", "III"),  # markdown heading
        ("**CPT 3074F: Systolic Pressure**", "3074F", "II"),  # bold, Category II
        ("HCPCS J9271: Injection, Pembrolizumab", "J9271", "HCPCS"),  # Level II
        ("HCPCS Level II E0601 - CPAP Device", "E0601", "HCPCS"),  # spaced dash
    ],
)
def test_title_line_variants(title, code, category):
    e = extract(f"{title}\nSummary & Overview\nText.\n")
    assert e.document["primary_code"] == code
    assert e.records["billing_codes"][0]["code_category"] == category


def test_no_title_code_is_a_document_problem():
    e = extract("Summary & Overview\nNothing here names a billing code.\n")
    assert [p.reason for p in e.problems] == ["no_billing_code"]
    assert e.problems[0].record is None


@pytest.mark.parametrize(
    "line",
    [
        "Service type: Ablation",  # plain
        "**Service type:** Ablation",  # bold label
        "- Service Type: Ablation",  # bullet
        "Service type - Ablation",  # spaced hyphen
        "Service type – Ablation",  # en dash
        "* **Service Type**: Ablation",  # bullet + bold before the colon
    ],
)
def test_label_value_variants(line):
    e = extract(f"CPT 47383: X\nBilling Code Overview\n{line}\n")
    assert e.records["billing_codes"][0]["service_type"] == "Ablation"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Key payers in this analysis include Aetna, UHC, and CMS.",
            ["aetna", "unitedhealthcare", "medicare"],
        ),
        ("Payers covered in this analysis include Cigna Health and BCBS.", ["cigna", "bcbs"]),
        (
            "Payers addressed in this analysis include Kaiser Permanente, Humana & Anthem.",
            ["kaiser", "humana", "anthem"],
        ),
        (
            "Major payers included in this report are state Medicaid and Medicare.",
            ["medicaid", "medicare"],
        ),
    ],
)
def test_payer_list_sentence_variants(sentence, expected):
    e = extract(f"CPT 47383: X\nSummary & Overview\n{sentence}\n")
    assert [r["payer_id"] for r in e.records["code_payers"]] == expected


def test_unknown_payer_is_kept_for_validation_to_flag():
    e = extract(
        "CPT 47383: X\nSummary\nKey payers in this analysis include Aetna and Acme Health.\n"
    )
    assert rows(e, "code_payers", "payer_id", "payer_name") == [
        ("aetna", "Aetna"),
        (None, "Acme Health"),
    ]


@pytest.mark.parametrize(
    "table",
    [
        # outer pipes and an alignment row
        "| Modifier | Description | When to Use |\n|---|---|---|\n| 59 | Distinct | Separate site. |",
        # no outer pipes, aligned columns, an extra fourth column
        "Modifier | Description | When to Use | Notes\n:---|:---:|---|---\n59 | Distinct | Separate site. | x",
        # the modifier written with a prefix
        "| Modifier | Description | When to Use |\n| Modifier -59 | Distinct | Separate site. |",
    ],
)
def test_modifier_table_variants(table):
    e = extract(f"CPT 47383: X\nCoding Specifications\n{table}\n")
    assert rows(e, "code_modifiers", "modifier", "description", "usage", "modifier_valid") == [
        ("59", "Distinct", "Separate site.", True)
    ]


def test_no_modifier_table():
    e = extract("CPT 47383: X\nCoding Specifications\nData not available in the input.\n")
    assert e.records.get("code_modifiers", []) == []


def test_wrapped_table_cell_continues_the_row():
    e = extract(
        "CPT 47383: X\nCoding Specifications\nModifier | Description | When to Use\n"
        "26 | Professional component | Physician reports only\n | | the reading.\n"
    )
    assert rows(e, "code_modifiers", "modifier", "usage") == [
        ("26", "Physician reports only the reading.")
    ]


def test_truncated_last_row_is_published_and_flagged():
    e = extract(
        "CPT 47383: X\nCoding Specifications\n| Modifier | Description |\n|---|---|\n| 59 | Dist"
    )
    assert rows(e, "code_modifiers", "modifier", "description") == [("59", "Dist")]
    assert [p.reason for p in e.problems] == ["truncated_document"]
    assert e.problems[0].record is not None  # record-level: the document stays published


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("Covered; prior authorization is required.", "required"),
        ("Covered; prior authorization is not required.", "not_required"),
        ("Covered. No prior authorization needed for most members.", "not_required"),
        ("Covered; requires precertification for outpatient settings.", "required"),
        ("Covered without prior authorization.", "not_required"),
        ("Covered when criteria are met.", "unknown"),
        ("Not covered; prior authorization is not applicable.", "unknown"),
        ("Prior approval is mandatory for elective cases.", "required"),
    ],
)
def test_prior_auth(statement, expected):
    assert prior_auth_of(statement) == expected


def test_coverage_lines_and_wrapped_statements():
    e = extract(
        "CPT 47383: X\nPayer Coverage Considerations\n"
        "- **Aetna:** Covered when criteria are met; prior\n"
        "authorization is required.\n"
        "Medicare – Covered as reasonable and necessary; prior authorization is not required.\n"
        "| Cigna | Covered; precertification required. |\n"
    )
    assert rows(e, "code_payers", "payer_id", "prior_auth") == [
        ("aetna", "required"),
        ("medicare", "not_required"),
        ("cigna", "required"),
    ]
    assert e.records["code_payers"][0]["coverage_statement"].endswith("authorization is required.")


def test_updates_benchmarks_documentation():
    e = extract(
        "CPT 47383: X\nPolicy Updates\n"
        "2025-01-01: CMS updated relative values.\n"
        "03/15/2025 - Aetna revised CPB 0315.\n"
        "Benchmarks\n"
        "Medicare national average payment (facility): $1,234.56\n"
        "Commercial median allowed amount: Data not available in the input\n"
        "Share of claims in the office setting: 12.5%\n"
        "Documentation Requirements\n- Imaging report\n- Consent form\n"
    )
    assert rows(e, "code_policy_updates", "update_date", "payer_id") == [
        (__import__("datetime").date(2025, 1, 1), "medicare"),
        (__import__("datetime").date(2025, 3, 15), "aetna"),
    ]
    assert rows(e, "code_benchmarks", "amount", "unit", "setting") == [
        (Decimal("1234.56"), "USD", "facility"),
        (None, None, None),
        (Decimal("12.5"), "percent", "office"),
    ]
    assert rows(e, "code_documentation", "ordinal", "element") == [
        (1, "Imaging report"),
        (2, "Consent form"),
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "Payer Coverage Considerations",
        "PAYER COVERAGE CONSIDERATIONS:",
        "## Payer Coverage Considerations",
    ],
)
def test_heading_styles(heading):
    e = extract(f"CPT 47383: X\n{heading}\nAetna: Covered; prior authorization is required.\n")
    assert rows(e, "code_payers", "payer_id", "prior_auth") == [("aetna", "required")]


# --- golden files over the bundled samples -------------------------------------------------


def _sample_files():
    files, _ = discover_files(SOURCES, Limits())
    return [f for f in files if f.source_path.startswith("code_reports/")]


def _case(source_path: str) -> str:
    """`cpt_47382_rf_ablation_liver.txt` -> `cpt_47382_rf_ablation_liver_txt`."""
    stem, dot, ext = Path(source_path).name.rpartition(".")
    return f"{stem}_{ext}" if dot else ext


def _source_line(source_path: str) -> str:
    """What `<case>/source.txt` holds: the sample's path from the repo root."""
    return (SOURCES / source_path).relative_to(REPO).as_posix()


def _snapshot(source) -> dict:
    d = extract_file(source, Limits())
    return json.loads(
        to_json(
            {
                "media_type": d.media_type,
                "doc_kind": d.doc_kind,
                "rejected": d.rejected,
                "document": d.document,
                "problems": [[p.stage, p.reason] for p in d.problems],
                "records": {k: v for k, v in sorted(d.records.items()) if k != "document_sections"},
                "sections": [s["heading"] for s in d.records.get("document_sections", [])],
            }
        )
    )


@pytest.mark.parametrize("source", _sample_files(), ids=lambda f: _case(f.source_path))
def test_golden(source, update_golden):
    folder = GOLDEN / _case(source.source_path)
    path, pointer = folder / "records.json", folder / "source.txt"
    line = _source_line(source.source_path)
    got = _snapshot(source)
    if update_golden or not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        pointer.write_text(line + "\n", encoding="utf-8")
        if not update_golden:
            pytest.fail(f"golden case {folder.name} was missing and has been written; review it")
    assert pointer.read_text(encoding="utf-8").strip() == line
    assert got == json.loads(path.read_text(encoding="utf-8"))


def test_every_golden_case_points_at_a_bundled_sample():
    """A case folder whose sample was renamed or removed would otherwise never be read."""
    samples = {_source_line(f.source_path): _case(f.source_path) for f in _sample_files()}
    cases = sorted(p for p in GOLDEN.iterdir() if p.is_dir())
    assert cases
    for folder in cases:
        line = (folder / "source.txt").read_text(encoding="utf-8").strip()
        assert samples.get(line) == folder.name, f"{folder.name}/source.txt names {line!r}"
        assert (folder / "records.json").is_file()


def test_same_report_in_three_formats_yields_the_same_fields():
    twins, _ = discover_files(FORMATS, Limits())
    by_ext = {Path(f.source_path).suffix: f for f in twins}
    by_ext.update(
        {Path(f.source_path).suffix: f for f in _sample_files() if "cpt_47382" in f.source_path}
    )
    assert set(by_ext) == {".txt", ".pdf", ".docx"}

    def fields(source) -> dict:
        d = extract_file(source, Limits())
        keep = {}
        for name, records in d.records.items():
            if name == "document_sections":
                continue
            keep[name] = [
                {
                    k: v
                    for k, v in r.items()
                    if k not in ("char_start", "char_end", "section_ordinal")
                }
                for r in records
            ]
        return {"document": d.document, **keep}

    text = fields(by_ext[".txt"])
    assert text["code_payers"] and text["code_modifiers"] and text["code_documentation"]
    assert fields(by_ext[".pdf"]) == text
    assert fields(by_ext[".docx"]) == text


# --- property test -------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "CPT 47383: Title",
        "Summary & Overview",
        "Key payers in this analysis include Aetna, UHC and",
        "| Modifier | Description | When to Use |",
        "|---|---|",
        "11 | Primary |",
        "Payer Coverage Considerations",
        "Aetna: prior authorization is required",
        "Policy Updates",
        "13/45/2025 - nothing",
        "2025-02-30: bad date",
        "Benchmarks",
        "Payment: $1,2,3.4",
        "Documentation Requirements",
        "- ",
        "**Service type:**",
        "#",
        "|",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(st.one_of(FRAGMENTS, st.text(max_size=30))).map("\n".join)))
def test_parser_returns_records_or_a_reason_for_any_text(text):
    e = extract(text)
    assert isinstance(e, Extraction)
    if not e.records.get("billing_codes"):
        assert e.problems, "no records and no quarantine reason"
    for dataset, records in e.records.items():
        for r in records:
            if dataset != "document_sections":
                assert 0 <= r["char_start"] <= r["char_end"] <= len(text)
