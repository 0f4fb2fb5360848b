# ruff: noqa: E501  (templated prose and HTML: long literal lines are clearer unwrapped)
"""Synthetic corpus generator: code reports and payer policies for tests and benchmarks.

`synthesize_corpus(root, reports=..., policies=..., seed=...)` writes

    root/code_reports/<cpt|hcpcs>_<code>_<slug>[_v<n>].<txt|md>
    root/payer_policies/<payer_id>/<prefix>_<policy id>_<slug>_<year>.<txt|md|html>

Everything is templated from the word lists below (no real document is copied) and is
deterministic: every file is built from its own `random.Random("<seed>/<kind>/<n>")`, so
the same arguments always give the same bytes, whatever the machine or PYTHONHASHSEED.

Code reports follow the genre of the seed report (`../shared/seeds/`) with the variants the
extractor handles (flows/extract/code_report.py, flows/text.py): unmarked, `#`, `**bold**`
and ALL CAPS headings; `Label: value`, `**Label:** value`, `- **Label:** value` and
`Label - value` lines; payer-list sentences naming payers by alias (UHC, BCBS, Cigna Health,
CMS, Kaiser Permanente, ...); modifier pipe tables with or without outer pipes, alignment
rows and a fourth column, "Data not available in the input." instead of a table, and a few
documents that stop in the middle of a table row; payer coverage lines stating prior
authorization (as lines, bullets or a pipe table); dated policy updates in several date
spellings; benchmarks with `$` amounts or "Data not available in the input"; documentation
lists. About 4 % are Windows-1252 with CRLF line endings and 2 % UTF-16 LE with a BOM.
Codes are CPT Category I (`47383`), II (`3074F`), III (`0581T`) and HCPCS Level II
(`J9271`), spread over many distinct codes; about one code in six has several versions.

Payer policies use the Aetna (Clinical Policy Bulletin), Cigna (Medical Coverage Policy),
UnitedHealthcare (Medical Policy), BCBS (medical policy) and Medicare (LCD) layouts with the
labels of the samples in `sources/payer_policies/`; when "html" is in `formats`, Aetna
bulletins and half of the Medicare LCDs are written as HTML. Policy series have one to three
versions (new dates, a code that changes coverage, a code added, a revision row).

`mutate_corpus(root, fraction, seed)` then rewrites a given share of the files with a small
change (a benchmark amount or one added sentence), keeping each file's encoding, for
"1 % changed" reruns.

Plain Python, standard library only; not imported by the pipeline.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

__all__ = ["mutate_corpus", "synthesize_corpus"]

TEXT_FORMATS = ("txt", "md")
#: Share of text code reports written in Windows-1252 with CRLF, and in UTF-16 LE.
CP1252_SHARE = 0.04
UTF16_SHARE = 0.02
#: Share of code reports that stop in the middle of a modifier-table row.
TRUNCATED_SHARE = 0.03
#: Share of code reports with "Data not available in the input." instead of modifiers.
NO_MODIFIERS_SHARE = 0.05

# --- word lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """A clinical area: the pieces a code's title, vignette and policies are built from.

    `procedures` pairs each procedure with the sites it is done on, so titles read right.
    """

    name: str
    performer: str
    procedures: tuple[tuple[str, tuple[str, ...]], ...]
    conditions: tuple[str, ...]
    service_types: tuple[str, ...]
    settings: tuple[str, ...]
    findings: tuple[str, ...]
    icd_letters: str


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "interventional oncology",
        "interventional radiologist",
        (
            (
                "Cryoablation",
                (
                    "Liver Tumors",
                    "Renal Mass",
                    "Pulmonary Tumor",
                    "Bone Metastasis",
                    "Breast Fibroadenoma",
                ),
            ),
            (
                "Radiofrequency Ablation",
                ("Liver Tumors", "Renal Tumor", "Lung Tumor", "Thyroid Nodule"),
            ),
            ("Microwave Ablation", ("Liver Tumors", "Lung Tumor", "Renal Tumor")),
            (
                "Core Needle Biopsy",
                ("Liver Lesion", "Adrenal Lesion", "Pancreatic Mass", "Lung Nodule"),
            ),
            ("Transarterial Embolization", ("Hepatic Tumor", "Renal Angiomyolipoma")),
        ),
        (
            "hepatocellular carcinoma",
            "metastatic colorectal cancer",
            "renal cell carcinoma",
            "non-small cell lung cancer",
            "painful bone metastases",
        ),
        ("Percutaneous tumor ablation", "Image-guided biopsy", "Transcatheter therapy"),
        (
            "Hospital outpatient interventional radiology suite",
            "Ambulatory surgery center",
            "Inpatient interventional suite",
        ),
        ("a 2.1 cm enhancing lesion", "two discrete lesions under 3 cm", "a solitary nodule"),
        "CD",
    ),
    Domain(
        "orthopedics",
        "orthopedic surgeon",
        (
            ("Arthroscopic Meniscectomy", ("Knee, Medial or Lateral", "Knee, Medial and Lateral")),
            ("Total Arthroplasty", ("Knee", "Hip", "Shoulder", "Ankle")),
            (
                "Open Treatment of Fracture",
                ("Distal Radius", "Ankle, Bimalleolar", "Proximal Humerus"),
            ),
            ("Ligament Reconstruction", ("Knee, Anterior Cruciate", "Elbow, Ulnar Collateral")),
            ("Rotator Cuff Repair", ("Shoulder, Arthroscopic", "Shoulder, Open")),
            ("Lumbar Arthrodesis", ("Single Interspace", "Each Additional Interspace")),
        ),
        (
            "end-stage osteoarthritis",
            "a complete rotator cuff tear",
            "a displaced fracture",
            "recurrent instability",
            "degenerative spondylolisthesis",
        ),
        ("Major joint procedure", "Orthopedic surgery", "Minor procedure"),
        ("Hospital outpatient department", "Ambulatory surgery center", "Hospital inpatient"),
        (
            "bone-on-bone joint space narrowing",
            "a full-thickness tear on MRI",
            "a displaced fracture on radiographs",
        ),
        "MS",
    ),
    Domain(
        "cardiology",
        "electrophysiologist",
        (
            (
                "Catheter Ablation",
                ("Atrial Fibrillation", "Ventricular Tachycardia", "Supraventricular Tachycardia"),
            ),
            ("Transcatheter Replacement", ("Aortic Valve", "Pulmonary Valve")),
            ("Insertion of Pacemaker", ("Dual Chamber", "Single Chamber, Leadless")),
            (
                "Percutaneous Coronary Intervention",
                ("Single Major Coronary Artery", "Additional Branch"),
            ),
            ("Percutaneous Closure", ("Left Atrial Appendage", "Patent Foramen Ovale")),
        ),
        (
            "symptomatic paroxysmal atrial fibrillation",
            "severe aortic stenosis",
            "unstable angina",
            "complete heart block",
            "recurrent syncope",
        ),
        (
            "Cardiac electrophysiology procedure",
            "Cardiac catheterization procedure",
            "Structural heart procedure",
        ),
        (
            "Hospital electrophysiology laboratory",
            "Hospital cardiac catheterization laboratory",
            "Hospital inpatient",
        ),
        ("an ejection fraction of 55%", "a left atrium of 44 mm", "a mean gradient of 46 mm Hg"),
        "I",
    ),
    Domain(
        "pain management",
        "pain physician",
        (
            (
                "Facet Joint Injection",
                (
                    "Cervical or Thoracic, Single Level",
                    "Lumbar or Sacral, Single Level",
                    "Lumbar or Sacral, Second Level",
                ),
            ),
            ("Radiofrequency Neurotomy", ("Cervical Facet Nerves", "Lumbar Facet Nerves")),
            ("Epidural Steroid Injection", ("Lumbar, Transforaminal", "Cervical, Interlaminar")),
            ("Sacroiliac Joint Injection", ("With Image Guidance",)),
            ("Spinal Cord Stimulator Trial", ("Percutaneous Electrode Array",)),
        ),
        (
            "chronic axial back pain",
            "lumbar radiculopathy",
            "facet arthropathy",
            "failed back surgery syndrome",
        ),
        ("Interventional pain procedure", "Spinal injection procedure"),
        (
            "Ambulatory surgery center",
            "Physician office with fluoroscopy",
            "Hospital outpatient department",
        ),
        (
            "facet arthropathy at two levels",
            "a disc protrusion contacting the nerve root",
            "no significant stenosis",
        ),
        "M",
    ),
    Domain(
        "diagnostic imaging",
        "radiologist",
        (
            (
                "Magnetic Resonance Imaging",
                (
                    "Knee without Contrast",
                    "Brain with and without Contrast",
                    "Lumbar Spine without Contrast",
                ),
            ),
            ("Computed Tomography", ("Abdomen and Pelvis with Contrast", "Chest without Contrast")),
            ("Positron Emission Tomography", ("Skull Base to Mid-Thigh",)),
            ("Diagnostic Ultrasound", ("Thyroid", "Pelvis, Transvaginal", "Breast, Complete")),
            ("Dual-Energy Absorptiometry", ("Axial Skeleton",)),
        ),
        (
            "persistent knee pain",
            "new focal neurologic deficits",
            "unexplained weight loss",
            "an indeterminate pulmonary nodule",
        ),
        ("Diagnostic imaging", "Screening imaging"),
        ("Freestanding imaging center", "Hospital outpatient radiology", "Physician office"),
        (
            "an effusion on radiographs",
            "a 9 mm nodule on prior imaging",
            "normal laboratory results",
        ),
        "RZ",
    ),
    Domain(
        "gastroenterology",
        "gastroenterologist",
        (
            (
                "Colonoscopy",
                ("Diagnostic", "with Biopsy, Single or Multiple", "with Polypectomy by Snare"),
            ),
            ("Upper Endoscopy", ("with Biopsy", "with Dilation of Esophagus")),
            (
                "Endoscopic Retrograde Cholangiopancreatography",
                ("with Stent Placement", "Diagnostic"),
            ),
            ("Capsule Endoscopy", ("Small Bowel",)),
            (
                "Endoscopic Ultrasound",
                ("Upper Gastrointestinal Tract", "with Fine Needle Aspiration"),
            ),
        ),
        (
            "iron deficiency anemia",
            "chronic dysphagia",
            "obstructive jaundice",
            "a positive stool DNA test",
        ),
        ("Endoscopic procedure", "Diagnostic endoscopy"),
        ("Ambulatory surgery center", "Hospital outpatient endoscopy unit", "Physician office"),
        ("a stricture on barium swallow", "a dilated common bile duct", "a hemoglobin of 9.8 g/dL"),
        "K",
    ),
    Domain(
        "urology",
        "urologist",
        (
            ("Cystourethroscopy", ("Diagnostic", "with Fulguration of Small Lesions")),
            ("Prostate Biopsy", ("Transperineal, with Imaging Guidance", "Transrectal, Needle")),
            ("Ureteroscopy", ("with Lithotripsy", "with Stent Insertion")),
            ("Laparoscopic Partial Nephrectomy", ("Unilateral",)),
            ("Sacral Nerve Stimulation", ("Permanent Implant",)),
        ),
        (
            "gross hematuria",
            "an elevated PSA",
            "an obstructing ureteral stone",
            "refractory overactive bladder",
        ),
        ("Endoscopic urologic procedure", "Minor procedure", "Major urologic surgery"),
        ("Physician office", "Ambulatory surgery center", "Hospital outpatient department"),
        ("a 7 mm stone in the distal ureter", "a PSA of 8.4 ng/mL", "a 3 cm enhancing mass"),
        "NR",
    ),
    Domain(
        "dermatology",
        "dermatologist",
        (
            (
                "Mohs Micrographic Surgery",
                ("Head, Neck, Hands or Feet, First Stage", "Trunk, First Stage"),
            ),
            ("Excision of Malignant Lesion", ("Face, 1.1 to 2.0 cm", "Trunk, 0.6 to 1.0 cm")),
            ("Adjacent Tissue Transfer", ("Forehead or Cheeks, 10 sq cm or Less",)),
            ("Destruction of Premalignant Lesions", ("First Lesion", "15 or More Lesions")),
        ),
        (
            "basal cell carcinoma",
            "squamous cell carcinoma in situ",
            "actinic keratoses",
            "a changing pigmented lesion",
        ),
        ("Dermatologic surgery", "Minor procedure"),
        ("Physician office", "Ambulatory surgery center"),
        ("a 1.2 cm pearly papule", "multiple scaly macules", "an irregular border"),
        "CL",
    ),
)

DRUG_STEMS = ("vor", "tal", "zen", "mir", "lut", "pex", "dor", "cal", "ris", "nov", "bel", "tor")
DRUG_MIDDLES = ("a", "e", "i", "o", "u", "ali", "eli", "oni")
DRUG_SUFFIXES = ("mab", "zumab", "tinib", "cept", "parin", "statin", "vir", "platin")
DME_ITEMS = (
    "Positive Airway Pressure Device",
    "Hospital Bed, Semi-Electric",
    "Power Wheelchair, Group 2",
    "Oxygen Concentrator, Portable",
    "Knee Orthosis, Custom Fabricated",
    "Insulin Pump, External",
    "Transcutaneous Electrical Nerve Stimulator",
    "Walker, Folding, Wheeled",
    "Nebulizer, Compressor",
)
G_SERVICES = (
    "Electrical Stimulation, Unattended",
    "Annual Wellness Visit, Subsequent",
    "Remote Physiologic Monitoring Treatment",
    "Chronic Care Management Services",
    "Screening Colonoscopy, High Risk",
    "Intensive Behavioral Therapy for Obesity",
    "Prolonged Outpatient Service",
    "Home Health Skilled Nursing Visit",
)
SUPPLIES = (
    "Surgical Dressing, Foam, Sterile",
    "Ostomy Pouch, Drainable",
    "Catheter, Intermittent, Coated",
    "Compression Stocking, Below Knee",
    "Blood Glucose Test Strips",
)
MEASURES = (
    "Most Recent Systolic Blood Pressure Less Than 130 mm Hg",
    "Hemoglobin A1c Level Less Than 7.0 Percent",
    "Tobacco Use Assessed, Non-User",
    "Depression Screening Documented as Positive",
    "Statin Therapy Prescribed",
    "Pain Assessment Documented with Follow-up Plan",
    "Influenza Immunization Administered",
    "Fall Risk Assessment Documented",
)

# Payer ids with the names documents use for them (registry aliases, schemas/reference).
PAYER_NAMES: dict[str, tuple[str, ...]] = {
    "aetna": ("Aetna",),
    "unitedhealthcare": ("UnitedHealthcare", "UHC", "United Healthcare"),
    "bcbs": ("Blue Cross Blue Shield", "BCBS"),
    "cigna": ("Cigna", "Cigna Health", "Cigna Healthcare"),
    "medicare": ("Medicare", "CMS", "Original Medicare"),
    "kaiser": ("Kaiser Permanente", "Kaiser"),
    "humana": ("Humana",),
    "anthem": ("Anthem", "Elevance Health"),
    "medicaid": ("State Medicaid", "state Medicaid"),
}
PAYER_WEIGHTS = {
    "aetna": 9,
    "unitedhealthcare": 9,
    "bcbs": 8,
    "cigna": 8,
    "medicare": 10,
    "kaiser": 3,
    "humana": 4,
    "anthem": 4,
    "medicaid": 4,
}
MODIFIERS: dict[str, tuple[str, str]] = {
    "26": ("Professional component", "Physician billing only the interpretation in a facility."),
    "TC": ("Technical component", "Facility or center billing only equipment and staff."),
    "RT": ("Right side", "Procedure performed on the right side only."),
    "LT": ("Left side", "Procedure performed on the left side only."),
    "50": ("Bilateral procedure", "The same procedure on both sides in one session."),
    "51": ("Multiple procedures", "Additional procedures by the same physician on the same day."),
    "52": ("Reduced services", "The service was partly reduced at the physician's discretion."),
    "53": ("Discontinued procedure", "The procedure was stopped for patient safety."),
    "59": ("Distinct procedural service", "A separate site or session on the same date."),
    "XS": ("Separate structure", "A separate organ or structure on the same date."),
    "76": (
        "Repeat procedure by same physician",
        "Repeated later the same day by the same physician.",
    ),
    "77": ("Repeat procedure by another physician", "Repeated the same day by another physician."),
    "78": (
        "Unplanned return to the operating room",
        "A related complication in the global period.",
    ),
    "79": (
        "Unrelated procedure during the postoperative period",
        "A new problem in the global period.",
    ),
    "22": ("Increased procedural services", "Substantially greater work, documented in the note."),
    "25": (
        "Significant, separately identifiable E/M service",
        "An E/M beyond the usual pre-procedure work.",
    ),
    "80": ("Assistant surgeon", "A physician assists and the payer allows an assistant."),
    "GA": ("Waiver of liability statement on file", "An ABN was signed before the service."),
    "GZ": ("Item or service expected to be denied", "No ABN is on file for a likely denial."),
    "KX": (
        "Requirements specified in the medical policy have been met",
        "Policy criteria are documented.",
    ),
    "JW": ("Drug amount discarded", "The unused part of a single-dose vial."),
    "JZ": ("Zero drug amount discarded", "The whole single-dose vial was administered."),
    "RR": ("Rental", "The item is rented month by month."),
    "NU": ("New equipment", "The item is purchased new."),
    "1P": (
        "Performance measure exclusion, medical reasons",
        "The measure does not apply for medical reasons.",
    ),
    "8P": (
        "Performance measure reporting, action not performed",
        "The action was not done, reason not given.",
    ),
    "11": (
        "Place of service office",
        "Listed by mistake: a place-of-service code, not a modifier.",
    ),
}
DOMAIN_MODIFIERS = (
    "26",
    "TC",
    "RT",
    "LT",
    "50",
    "51",
    "52",
    "53",
    "59",
    "XS",
    "76",
    "77",
    "78",
    "79",
    "22",
    "25",
    "80",
    "GA",
    "GZ",
    "KX",
)
DRUG_MODIFIERS = ("JW", "JZ", "KX", "GA", "GZ")
DME_MODIFIERS = ("RR", "NU", "KX", "GA", "GZ")
MEASURE_MODIFIERS = ("1P", "8P")

COVERED_PHRASES = (
    "Covered when {crit}",
    "Medically necessary when {crit}",
    "Covered for members who meet policy criteria, including {crit}",
    "Covered under its {topic} policy when {crit}",
    "Generally covered; reviews focus on whether {crit}",
)
NONCOVERED_PHRASES = (
    "Considered experimental and investigational for most indications",
    "Not covered; the plan considers the evidence insufficient",
    "Considered unproven outside of clinical trials",
)
CRITERIA = (
    "conservative treatment has failed for at least six weeks",
    "imaging confirms the indication",
    "the member is not a candidate for open surgery",
    "the treating specialist documents the expected benefit",
    "frequency limits in the policy are respected",
    "the indication is listed in the policy",
    "symptoms limit daily activities",
)
PA_REQUIRED = (
    "prior authorization is required",
    "prior authorization is required for outpatient cases",
    "precertification is required for elective cases",
    "prior authorization is mandatory",
    "prior approval must be obtained before scheduling",
)
PA_NOT_REQUIRED = (
    "prior authorization is not required",
    "no prior authorization is needed",
    "prior authorization is not required in the office setting",
    "the service does not require precertification",
)
PA_UNKNOWN = (
    "authorization rules vary by plan",
    "check the member's plan for review rules",
    "plan-level rules apply",
)
UPDATE_ACTIONS = (
    "updated its {topic} policy to clarify documentation of conservative care",
    "revised the {topic} coverage criteria after its annual review",
    "added site-of-service review for {topic}",
    "adjusted practice expense inputs for {code} in the physician fee schedule final rule",
    "published an updated payment rate for {code}",
    "retired an older {topic} guideline and replaced it with a consolidated policy",
    "added frequency edits for repeat {topic} services",
    "removed the prior authorization requirement for {topic} in the office setting",
)
BENCHMARK_LABELS = (
    ("Medicare national average payment (non-facility)", 40, 900),
    ("Medicare national average payment (facility)", 30, 700),
    ("Medicare OPPS payment (hospital outpatient)", 200, 9000),
    ("Medicare ASC payment", 150, 5000),
    ("Commercial median allowed amount", 80, 12000),
    ("Medicaid fee schedule amount", 20, 600),
)
DOC_ELEMENTS = (
    "Indication with the diagnosis and its severity",
    "Conservative treatments tried, with dates and results",
    "Imaging or test results supporting the indication",
    "Laterality, level or site treated",
    "Device, drug or technique used, with lot or NDC where relevant",
    "Operative or procedure note signed by the performing physician",
    "Complications or their absence",
    "Follow-up plan and response assessment",
    "Signed ABN when the service may not be covered",
    "Prior authorization reference number",
    "Time spent when the code is time based",
)
AUDIENCES = (
    "revenue cycle professionals",
    "coding specialists",
    "practice managers",
    "payer policy analysts",
    "utilization management nurses",
    "compliance auditors",
)
SEXES = (("man", "He", "his"), ("woman", "She", "her"))
FIRST_NAMES_POLICY = ("Clinical", "Medical", "Surgical", "Outpatient", "Diagnostic")
REVISION_TYPES = ("Annual Review", "Focused Review", "Coding Update", "Interim Review")

# --- helpers ------------------------------------------------------------------------------


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent generator for one item (string seeds hash with SHA-512: stable)."""
    return random.Random("/".join(map(str, (seed, *parts))))


def _slug(text: str, words: int = 4) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "doc"


def _money(rng: random.Random, low: float, high: float) -> str:
    return f"${rng.uniform(low, high):,.2f}"


def _date_between(rng: random.Random, start: date, days: int) -> date:
    return start + timedelta(days=rng.randrange(days))


def _fmt_date(rng: random.Random, d: date, styles: Sequence[str] = ("us", "iso", "long")) -> str:
    style = rng.choice(styles)
    if style == "iso":
        return d.isoformat()
    if style == "long":
        return f"{d:%B} {d.day}, {d.year}"
    return f"{d:%m/%d/%Y}"


def _next_year(d: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    return d.replace(year=d.year + 1, day=min(d.day, 28) if d.month == 2 else d.day)


def _join_names(rng: random.Random, names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if rng.random() < 0.15:
        return "; ".join(names)
    oxford = "," if rng.random() < 0.6 else ""
    return ", ".join(names[:-1]) + f"{oxford} and " + names[-1]


def _drug_name(rng: random.Random) -> str:
    return (rng.choice(DRUG_STEMS) + rng.choice(DRUG_MIDDLES) + rng.choice(DRUG_SUFFIXES)).title()


def _icd(rng: random.Random, letters: str) -> str:
    letter = rng.choice(letters)
    return f"{letter}{rng.randrange(10, 99)}.{rng.randrange(0, 99)}"


# --- codes --------------------------------------------------------------------------------

HCPCS_LETTERS = "ABCEGJKLQSV"


@dataclass
class CodeInfo:
    """One billing code and everything its reports and policies say about it."""

    code: str
    system: str  # CPT or HCPCS
    category: str  # I, II, III, HCPCS
    title: str
    domain: Domain
    kind: str  # procedure, drug, dme, service, supply, measure
    topic: str


def _code_pool(master: random.Random, n: int) -> list[str]:
    """`n` distinct codes: ~62 % CPT I, 8 % II, 6 % III, 24 % HCPCS Level II."""
    n_ii = max(1, n * 8 // 100) if n >= 12 else 0
    n_iii = max(1, n * 6 // 100) if n >= 16 else 0
    n_hcpcs = n * 24 // 100
    n_i = n - n_ii - n_iii - n_hcpcs
    codes = [f"{x:05d}" for x in master.sample(range(10021, 99608), n_i)]
    codes += [f"{x:04d}F" for x in master.sample(range(1, 9999), n_ii)]
    codes += [f"{x:04d}T" for x in master.sample(range(42, 1000), min(n_iii, 958))]
    hcpcs_space = len(HCPCS_LETTERS) * 9999
    for x in master.sample(range(hcpcs_space), n_hcpcs + (n_iii - min(n_iii, 958))):
        codes.append(f"{HCPCS_LETTERS[x // 9999]}{x % 9999 + 1:04d}")
    master.shuffle(codes)
    return codes


def _code_info(seed: int, code: str) -> CodeInfo:
    rng = _rng(seed, "code", code)
    domain = rng.choice(DOMAINS)
    if code.endswith("F"):
        return CodeInfo(
            code, "CPT", "II", rng.choice(MEASURES), domain, "measure", "quality reporting"
        )
    procedure, sites = rng.choice(domain.procedures)
    site = rng.choice(sites)
    if code[0].isdigit():
        category = "III" if code.endswith("T") else "I"
        if site.lower().startswith("with"):
            title = f"{procedure} {site[0].lower()}{site[1:]}"
        else:
            title = f"{procedure}, {site}"
        return CodeInfo(code, "CPT", category, title, domain, "procedure", procedure.lower())
    letter = code[0]
    if letter in "JQ":
        dose = rng.choice(("1 mg", "5 mg", "10 mg", "100 units", "0.1 mg", "50 mcg"))
        return CodeInfo(
            code,
            "HCPCS",
            "HCPCS",
            f"Injection, {_drug_name(rng)}, {dose}",
            domain,
            "drug",
            "specialty drug",
        )
    if letter in "EKL":
        return CodeInfo(
            code,
            "HCPCS",
            "HCPCS",
            rng.choice(DME_ITEMS),
            domain,
            "dme",
            "durable medical equipment",
        )
    if letter in "AB":
        return CodeInfo(
            code, "HCPCS", "HCPCS", rng.choice(SUPPLIES), domain, "supply", "medical supplies"
        )
    return CodeInfo(
        code,
        "HCPCS",
        "HCPCS",
        rng.choice(G_SERVICES),
        domain,
        "service",
        rng.choice(G_SERVICES).split(",")[0].lower(),
    )


# --- code reports -------------------------------------------------------------------------


@dataclass
class ReportStyle:
    ext: str
    headings: str  # plain, caps, hash, bold
    labels: str  # colon, bold, dash, bullet_bold
    encoding: str  # utf-8, cp1252, utf-16
    table_outer: bool
    align: str
    fourth_col: bool
    coverage: str  # line, bullet, table
    bullets: str
    blank_lines: bool
    truncated: bool
    no_modifiers: bool


def _report_style(
    rng: random.Random, formats: Sequence[str], ext: str | None = None
) -> ReportStyle:
    text_formats = [f for f in formats if f in TEXT_FORMATS]
    chosen = rng.choice(text_formats)
    ext = ext or chosen
    if ext == "md":
        headings = rng.choices(("hash", "bold", "plain"), (70, 20, 10))[0]
        labels = rng.choices(("colon", "bold", "bullet_bold", "dash"), (35, 35, 15, 15))[0]
    else:
        headings = rng.choices(("plain", "caps", "hash"), (65, 25, 10))[0]
        labels = rng.choices(("colon", "dash"), (75, 25))[0]
    roll = rng.random()
    encoding = "utf-8"
    if ext == "txt" and roll < CP1252_SHARE * 2:  # txt is about half of the reports
        encoding = "cp1252"
    elif ext == "txt" and roll < (CP1252_SHARE + UTF16_SHARE) * 2:
        encoding = "utf-16"
    return ReportStyle(
        ext=ext,
        headings=headings,
        labels=labels,
        encoding=encoding,
        table_outer=rng.random() < 0.75,
        align=rng.choice(("|---|---|---|", "|:---|:---|:---|", "|---|:---:|---|", "---|---|---")),
        fourth_col=rng.random() < 0.2,
        coverage=rng.choices(("line", "bullet", "table"), (60, 30, 10))[0],
        bullets=rng.choice(("-", "*", "1.")),
        blank_lines=ext == "md" and rng.random() < 0.7,
        truncated=rng.random() < TRUNCATED_SHARE,
        no_modifiers=rng.random() < NO_MODIFIERS_SHARE,
    )


class _Doc:
    """Lines of a report being written, in its heading and label style."""

    def __init__(self, style: ReportStyle) -> None:
        self.style = style
        self.lines: list[str] = []

    def heading(self, text: str, level: int = 1) -> None:
        s = self.style.headings
        if s == "caps":
            line = text.upper() + ":"
        elif s == "hash":
            line = "#" * (level + 1) + " " + text
        elif s == "bold":
            line = f"**{text}**" if level == 1 else f"*{text}*"
        else:
            line = text
        if self.style.blank_lines and self.lines:
            self.lines.append("")
        self.lines.append(line)
        if self.style.blank_lines:
            self.lines.append("")

    def para(self, text: str) -> None:
        self.lines.append(text)
        if self.style.blank_lines:
            self.lines.append("")

    def label(self, label: str, value: str) -> None:
        s = self.style.labels
        dash = "–" if self.style.encoding == "cp1252" else "-"
        if s == "bold":
            self.lines.append(f"**{label}:** {value}")
        elif s == "bullet_bold":
            self.lines.append(f"- **{label}:** {value}")
        elif s == "dash":
            self.lines.append(f"{label} {dash} {value}")
        else:
            self.lines.append(f"{label}: {value}")

    def bullet(self, text: str, n: int) -> None:
        b = self.style.bullets
        self.lines.append(f"{n}. {text}" if b == "1." else f"{b} {text}")

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


@dataclass
class ReportFacts:
    """What a code's report states; later versions change a few facts."""

    payers: list[tuple[str, str]]  # (payer_id, name as written)
    coverage: dict[str, str]  # payer_id -> statement
    modifiers: list[str]
    updates: list[tuple[date, str]]
    benchmarks: list[tuple[str, str]]
    documentation: list[str]
    service_type: str
    site: str
    vignette: list[str]
    audiences: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


def _coverage_statement(rng: random.Random, info: CodeInfo, payer_id: str) -> str:
    if info.category == "III" and rng.random() < 0.6:
        first = rng.choice(NONCOVERED_PHRASES)
    else:
        first = rng.choice(COVERED_PHRASES).format(crit=rng.choice(CRITERIA), topic=info.topic)
    pa = rng.choices((PA_REQUIRED, PA_NOT_REQUIRED, PA_UNKNOWN), (45, 45, 10))[0]
    return f"{first}; {rng.choice(pa)}."


def _vignette(rng: random.Random, info: CodeInfo) -> list[str]:
    d = info.domain
    noun, pron, poss = rng.choice(SEXES)
    age = rng.randrange(24, 88)
    cond = rng.choice(d.conditions)
    out = [
        f"A {age}-year-old {noun} presents with {cond} that has progressed over "
        f"{rng.randrange(2, 14)} months despite "
        f"{rng.choice(('medication', 'therapy', 'observation', 'lifestyle changes'))}.",
        f"Work-up shows {rng.choice(d.findings)}, and the care team reviews {poss} history, "
        f"laboratory values and prior treatment before the plan is made.",
    ]
    if info.kind == "drug":
        out += [
            f"The oncologist or specialist orders {info.title.split(',')[1].strip()} at a dose "
            f"of {rng.randrange(2, 40) * 10} units every {rng.choice(('two', 'three', 'four'))} weeks, "
            f"and the infusion nurse records vial sizes, lot numbers and any amount discarded.",
            f"{pron} is monitored for infusion reactions and laboratory toxicity before each cycle.",
        ]
    elif info.kind in ("dme", "supply"):
        out += [
            f"The treating clinician documents the need for {info.title.lower()} and a face-to-face "
            f"visit, and the supplier delivers the item with written instructions.",
            f"Use is reviewed after {rng.randrange(30, 91)} days to confirm that {pron.lower()} "
            f"benefits and continues to use the item as prescribed.",
        ]
    elif info.kind == "measure":
        out += [
            f"At the visit the clinician records the measure for {info.title.lower()} in the "
            f"structured field of the record so that it flows to the quality report.",
            "No separate payment is expected; the code is reported for quality programs.",
        ]
    else:
        out += [
            f"{pron} gives informed consent after a discussion of the expected benefit, the risks "
            f"of {rng.choice(('bleeding', 'infection', 'nerve injury', 'recurrence'))} and the "
            f"alternatives, and {info.title.lower()} is scheduled in the "
            f"{rng.choice(d.settings).lower()}.",
            f"The {d.performer} performs the procedure under "
            f"{rng.choice(('moderate sedation', 'local anesthesia', 'general anesthesia', 'image guidance'))}, "
            f"records the technique and confirms the result before the patient leaves the room.",
            f"{pron} is observed for {rng.randrange(1, 6)} hours, discharged with written "
            f"instructions, and a follow-up visit is planned in {rng.randrange(2, 12)} weeks.",
        ]
    return out


def _report_facts(seed: int, info: CodeInfo) -> ReportFacts:
    rng = _rng(seed, "facts", info.code)
    ids = list(PAYER_WEIGHTS)
    chosen: list[str] = []
    k = rng.randrange(4, 8)
    while len(chosen) < k:
        pid = rng.choices(ids, [PAYER_WEIGHTS[i] for i in ids])[0]
        if pid not in chosen:
            chosen.append(pid)
    payers = [(pid, rng.choice(PAYER_NAMES[pid])) for pid in chosen]
    coverage = {pid: _coverage_statement(rng, info, pid) for pid in chosen}
    if info.kind == "drug":
        pool: Sequence[str] = DRUG_MODIFIERS
    elif info.kind == "dme":
        pool = DME_MODIFIERS
    elif info.kind == "measure":
        pool = MEASURE_MODIFIERS
    else:
        pool = DOMAIN_MODIFIERS
    modifiers = rng.sample(pool, min(len(pool), rng.randrange(2, 7)))
    if rng.random() < 0.04:
        modifiers.append("11")  # a place-of-service code listed as a modifier
    updates = []
    for _ in range(rng.randrange(2, 5)):
        when = _date_between(rng, date(2019, 1, 1), 6 * 365)
        who = rng.choice(("CMS", *(name for _, name in payers)))
        what = rng.choice(UPDATE_ACTIONS).format(topic=info.topic, code=info.code)
        updates.append((when, f"{who} {what}."))
    updates.sort()
    benchmarks = []
    for label, low, high in rng.sample(BENCHMARK_LABELS, rng.randrange(3, 5)):
        if info.kind == "measure":
            value = "$0.00"
        elif rng.random() < 0.25:
            value = "Data not available in the input"
        else:
            value = _money(rng, low, high)
        benchmarks.append((label, value))
    documentation = rng.sample(DOC_ELEMENTS, rng.randrange(4, 8))
    return ReportFacts(
        payers=payers,
        coverage=coverage,
        modifiers=modifiers,
        updates=updates,
        benchmarks=benchmarks,
        documentation=documentation,
        service_type=rng.choice(info.domain.service_types)
        if info.kind == "procedure"
        else {
            "drug": "Drug, injectable",
            "dme": "Durable medical equipment",
            "supply": "Medical supply",
            "measure": "Performance measurement (quality reporting)",
            "service": "Professional service",
        }[info.kind],
        site=rng.choice(info.domain.settings),
        vignette=_vignette(rng, info),
        audiences=rng.sample(AUDIENCES, 3),
    )


def _revise_facts(facts: ReportFacts, info: CodeInfo, rng: random.Random, version: int) -> None:
    """A later version of a report: a coverage statement changes, a modifier row and a
    dated update are added, and a benchmark amount moves."""
    pid = rng.choice([p for p, _ in facts.payers])
    facts.coverage[pid] = _coverage_statement(rng, info, pid)
    spare = [m for m in DOMAIN_MODIFIERS if m not in facts.modifiers]
    if spare and info.kind == "procedure":
        facts.modifiers.append(rng.choice(spare))
    last = facts.updates[-1][0] if facts.updates else date(2024, 1, 1)
    when = last + timedelta(days=30 + rng.randrange(200))
    who = rng.choice([name for _, name in facts.payers])
    facts.updates.append(
        (when, f"{who} {rng.choice(UPDATE_ACTIONS).format(topic=info.topic, code=info.code)}.")
    )
    for i, (label, value) in enumerate(facts.benchmarks):
        if value.startswith("$") and value != "$0.00":
            amount = float(value[1:].replace(",", "")) * (1 + rng.uniform(0.01, 0.06))
            facts.benchmarks[i] = (label, f"${amount:,.2f}")
            break


def _render_report(
    info: CodeInfo, facts: ReportFacts, style: ReportStyle, rng: random.Random
) -> str:
    d = _Doc(style)
    cp = style.encoding == "cp1252"
    system = info.system
    prefix = "HCPCS" if system == "HCPCS" else rng.choice(("CPT", "CPT", "CPT®"))
    sep = rng.choice((":", ":", ":", " -", " —" if not cp else " –"))
    d.heading(rng.choice(("Summary & Overview", "Summary & Overview", "Summary and Overview")))
    title_line = f"{prefix} {info.code}{sep} {info.title}"
    d.para(f"# {title_line}" if style.headings == "hash" and rng.random() < 0.3 else title_line)
    code_ref = f"{'HCPCS Level II' if system == 'HCPCS' else 'CPT'} code {info.code}"
    d.para(
        f"{code_ref} represents {info.title.lower()}, a service used in {info.domain.name} "
        f"for patients with {rng.choice(info.domain.conditions)}. It matters to payers because "
        f"{rng.choice(('utilization has grown steadily', 'site of service drives cost', 'documentation gaps lead to denials', 'criteria differ from plan to plan'))}, "
        f"and because the service sits between {rng.choice(('surgical', 'medical', 'diagnostic'))} "
        f"and {rng.choice(('interventional', 'conservative', 'office-based'))} pathways of care."
    )
    lead = rng.choice(
        (
            "Key payers in this analysis include",
            "Payers covered in this analysis include",
            "Payers addressed in this report include",
            "Major payers reviewed in this review are:",
            "Payers considered in this document include",
        )
    )
    d.para(
        f"{lead} {_join_names(rng, [n for _, n in facts.payers])}. The report covers the "
        "clinical context, coding rules, modifiers, payer positions, recent updates, "
        "benchmarks and documentation."
    )
    cafe = " Prepared with input from a former café owner turned coder." if cp else ""
    d.para(
        f"It is written for {facts.audiences[0]}, {facts.audiences[1]} and "
        f"{facts.audiences[2]}. Data not available in the input is marked where it applies.{cafe}"
    )
    d.heading("Billing Code Overview")
    d.para(
        f"{code_ref} is reported {rng.choice(('once per session', 'per unit', 'per side', 'once per encounter'))}. "
        f"Related services are reported separately only when the policy allows it, and "
        f"bundled guidance or supplies are not billed on top of it."
    )
    if rng.random() < 0.4:
        d.label("Code", info.code)
    d.label(rng.choice(("Service type", "Service type", "Type of service")), facts.service_type)
    d.label(
        rng.choice(("Typical site of service", "Site of service", "Place of service")), facts.site
    )
    if rng.random() < 0.3:
        d.label("Global period", rng.choice(("000 days", "010 days", "090 days", "XXX")))
    if style.blank_lines:
        d.lines.append("")
    d.heading("Clinical & Coding Specifications")
    d.heading("Clinical Context", 2)
    d.para(" ".join(facts.vignette))
    d.heading(rng.choice(("Coding Specifications", "Coding Specifications", "Common Modifiers")), 2)
    d.para(
        f"Report {info.code} with the modifiers below when they apply; payers may edit claims "
        "that combine it with bundled services on the same date."
    )
    truncated_text: str | None = None
    if style.no_modifiers:
        d.para("Data not available in the input.")
    else:
        header = ["Modifier", "Description", "When to Use"] + (
            ["Payer Notes"] if style.fourth_col else []
        )
        rows = []
        for m in facts.modifiers:
            desc, use = MODIFIERS[m]
            row = [m, desc, use]
            if style.fourth_col:
                row.append(
                    rng.choice(
                        (
                            "Accepted by most payers.",
                            "Some payers prefer XS.",
                            "Frequently audited.",
                            "Required on every line.",
                        )
                    )
                )
            rows.append(row)

        def fmt(cells: list[str]) -> str:
            body = " | ".join(cells)
            return f"| {body} |" if style.table_outer else body

        d.lines.append(fmt(header))
        align = style.align
        if style.fourth_col:
            align = align.rstrip("|") + ("|---|" if align.endswith("|") else "|---")
        if not style.table_outer:
            align = align.strip("|")
        d.lines.append(align)
        for row in rows:
            d.lines.append(fmt(row))
        if style.truncated and rows:
            # The generator stopped mid-row: the last row is cut and nothing follows.
            last = d.lines.pop()
            cut = max(len(last) // 2, last.find("|", 3) + 4)
            d.lines.append(last[:cut].rstrip())
            truncated_text = "\n".join(d.lines)
        if style.blank_lines:
            d.lines.append("")
    if truncated_text is not None:
        return truncated_text  # no final newline: the document stops here

    d.heading(
        rng.choice(
            (
                "Payer Coverage Considerations",
                "Payer Coverage Considerations",
                "Coverage by Payer",
                "Payer Coverage",
            )
        )
    )
    dash = "–" if cp else "-"
    if style.coverage == "table":
        d.lines.append("| Payer | Coverage and Prior Authorization |")
        d.lines.append("|---|---|")
    for pid, name in facts.payers:
        statement = facts.coverage[pid]
        if style.coverage == "table":
            d.lines.append(f"| {name} | {statement} |")
        elif style.coverage == "bullet":
            b = "*" if style.bullets == "*" else "-"
            d.lines.append(
                f"{b} **{name}:** {statement}"
                if style.labels == "bold"
                else f"{b} {name}: {statement}"
            )
        elif style.labels == "dash":
            d.lines.append(f"{name} {dash} {statement}")
        elif style.labels in ("bold", "bullet_bold"):
            d.lines.append(f"**{name}:** {statement}")
        else:
            d.lines.append(f"{name}: {statement}")
    if style.blank_lines:
        d.lines.append("")

    d.heading(rng.choice(("Policy Updates", "Recent Policy Updates", "Policy Changes")))
    date_styles = rng.choice((("iso",), ("us",), ("iso", "us"), ("long", "us")))
    for when, summary in facts.updates:
        text = f"{_fmt_date(rng, when, date_styles)}{':' if rng.random() < 0.5 else ' ' + dash} {summary}"
        if style.ext == "md" and rng.random() < 0.5:
            text = f"* {text}"
        d.lines.append(text)
    if style.blank_lines:
        d.lines.append("")

    d.heading(rng.choice(("Benchmarks", "Payment Benchmarks", "Reimbursement Benchmarks")))
    if rng.random() < 0.1:
        d.lines.append("| Metric | Amount |")
        d.lines.append("|---|---|")
        for label, value in facts.benchmarks:
            d.lines.append(f"| {label} | {value} |")
    else:
        for label, value in facts.benchmarks:
            if style.labels == "bullet_bold":
                d.lines.append(f"- **{label}:** {value}")
            elif style.labels == "dash":
                d.lines.append(f"{label} {dash} {value}")
            else:
                d.lines.append(f"{label}: {value}")
    if style.blank_lines:
        d.lines.append("")

    d.heading(
        rng.choice(
            ("Documentation Requirements", "Required Documentation", "Documentation Elements")
        )
    )
    for n, element in enumerate(facts.documentation, 1):
        d.bullet(element, n)
    return d.text()


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "cp1252":
        return text.replace("\n", "\r\n").encode("cp1252", errors="replace")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode("utf-8")


# --- payer policies -----------------------------------------------------------------------

POLICY_PAYERS = ("aetna", "cigna", "unitedhealthcare", "bcbs", "medicare")
POLICY_WEIGHTS = (20, 20, 20, 20, 20)


@dataclass
class PolicyCode:
    code: str
    description: str
    coverage: str  # covered, not_covered, investigational


@dataclass
class PolicySeries:
    payer: str
    policy_id: str
    title: str
    topic: str
    domain: Domain
    codes: list[PolicyCode]
    icd: list[tuple[str, str]]
    first_year: int
    original: date
    revisions: list[tuple[date, str]] = field(default_factory=list)


def _policy_ids(master: random.Random, payer: str, n: int) -> list[str]:
    if payer in ("aetna", "cigna"):
        return [f"{x:04d}" for x in master.sample(range(1, 10000), n)]
    if payer == "unitedhealthcare":
        return [
            f"{master.choice((2024, 2025, 2026))}T{x:04d}{master.choice('ABC')}"
            for x in master.sample(range(1, 10000), n)
        ]
    if payer == "bcbs":
        return [
            f"{x // 10000 + 1}.{x // 100 % 100:02d}.{x % 100:02d}"
            for x in master.sample(range(0, 90000), n)
        ]
    return [f"L{x:05d}" for x in master.sample(range(30000, 40000), n)]


def _policy_series(seed: int, payer: str, policy_id: str, codes: list[str], n: int) -> PolicySeries:
    rng = _rng(seed, "policy", payer, policy_id)
    infos = [_code_info(seed, c) for c in rng.sample(codes, min(len(codes), rng.randrange(6, 18)))]
    domain = infos[0].domain
    procedure, sites = rng.choice(domain.procedures)
    topic = f"{procedure}, {rng.choice(sites)}"
    title = rng.choice(
        (
            topic,
            f"{topic} and Related Procedures",
            f"{rng.choice(FIRST_NAMES_POLICY)} Management: {topic}",
        )
    )
    pcodes = []
    for info in infos:
        cov = rng.choices(("covered", "not_covered", "investigational"), (70, 10, 20))[0]
        if info.category == "III":
            cov = "investigational"
        pcodes.append(PolicyCode(info.code, info.title, cov))
    icd = [
        (
            _icd(rng, domain.icd_letters),
            f"{rng.choice(domain.conditions).capitalize()}, "
            f"{rng.choice(('unspecified', 'initial encounter', 'left side', 'right side', 'other site'))}",
        )
        for _ in range(rng.randrange(3, 8))
    ]
    icd = list(dict(icd).items())
    first_year = 2026 - n + 1 - rng.randrange(0, 2)
    original = date(rng.randrange(2005, 2019), rng.randrange(1, 13), 1)
    return PolicySeries(payer, policy_id, title, topic, domain, pcodes, icd, first_year, original)


def _policy_version(
    series: PolicySeries, version: int, rng: random.Random, pool: list[str], seed: int
) -> tuple[date, date, list[PolicyCode], list[tuple[date, str]]]:
    """Dates, codes and revision rows of version `version` (0-based) of a series."""
    codes = [PolicyCode(c.code, c.description, c.coverage) for c in series.codes]
    revisions: list[tuple[date, str]] = [(series.original, "New policy.")]
    year = series.first_year
    eff = date(year, rng.randrange(1, 13), 1)
    for v in range(1, version + 1):
        vr = _rng(seed, "policy-version", series.payer, series.policy_id, v)
        moved = vr.choice(codes)
        moved.coverage = (
            "covered"
            if moved.coverage != "covered"
            else vr.choice(("not_covered", "investigational"))
        )
        added = _code_info(seed, vr.choice(pool))
        if all(c.code != added.code for c in codes):
            codes.append(
                PolicyCode(added.code, added.title, vr.choice(("covered", "investigational")))
            )
        revisions.append(
            (
                eff,
                f"{vr.choice(REVISION_TYPES)}. Coverage of {moved.code} changed; "
                f"{added.code} added to the coding section.",
            )
        )
        eff = date(year + v, vr.randrange(1, 13), 1)
    for y in range(max(series.original.year + 1, year - 2), year):
        revisions.append(
            (
                date(y, eff.month, 1),
                f"{rng.choice(REVISION_TYPES)}. No change to the policy statements.",
            )
        )
    revisions.append(
        (
            eff,
            f"{rng.choice(REVISION_TYPES)}. {rng.choice(('Criteria reworded for clarity.', 'References updated.', 'Coding section reviewed.'))}",
        )
    )
    revisions = sorted(set(revisions), reverse=True)
    last_review = eff - timedelta(days=rng.randrange(10, 40))
    return eff, last_review, codes, revisions


def _criteria(rng: random.Random, n: int) -> list[str]:
    return [c[0].upper() + c[1:] for c in rng.sample(CRITERIA, n)]


def _background(rng: random.Random, series: PolicySeries) -> str:
    return (
        f"{series.topic} is used in {series.domain.name} for patients with "
        f"{rng.choice(series.domain.conditions)}. Published series report "
        f"{rng.choice(('comparable outcomes to surgery in selected patients', 'short recovery and few complications', 'variable results depending on patient selection'))}, "
        f"while comparative trials remain {rng.choice(('few', 'small', 'limited to single centers'))}. "
        f"Guidelines from specialty societies {rng.choice(('support the service for defined indications', 'list the service as an option', 'call for more evidence before routine use'))}."
    )


def _codes_by(codes: list[PolicyCode], coverage: str) -> list[PolicyCode]:
    return [c for c in codes if c.coverage == coverage]


def _render_cigna(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    h = "## " if md else ""
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    lines = [
        "Cigna Medical Coverage Policy",
        s.title,
        f"Effective Date: {eff:%m/%d/%Y}",
        f"Next Review Date: {_next_year(eff):%m/%d/%Y}",
        f"Coverage Policy Number: {s.policy_id}",
        "",
        f"{h}Related Coverage Resources",
        f"{rng.choice(s.domain.procedures)[0]} Services",
        "",
        f"{h}INSTRUCTIONS FOR USE",
        "This Coverage Policy describes how coverage decisions are generally made for the "
        "services named here. The member's plan document governs and may include limits or "
        "exclusions that this policy does not list.",
        "",
        f"{h}Overview",
        f"This Coverage Policy addresses {s.topic.lower()} for adults.",
        "",
        f"{h}Coverage Policy",
        f"{s.topic} is considered medically necessary when ALL of the following criteria are met:",
        *(f"- {c}" for c in _criteria(rng, 3)),
    ]
    if neg:
        lines.append(
            f"{s.topic} for any other indication is considered experimental, investigational or unproven."
        )
    lines += [
        "",
        f"{h}General Background",
        _background(rng, s),
        "",
        f"{h}Coding Information",
        "Notes:",
        "1. Codes are listed for reference and the list may be incomplete.",
        "2. A listed code is not a promise of payment.",
        "",
        "Considered Medically Necessary when criteria in the applicable policy statements listed above are met:",
    ]
    for system, label in (("CPT", "CPT®* Codes"), ("HCPCS", "HCPCS Codes")):
        group = [c for c in cov if (c.code[0].isdigit()) == (system == "CPT")]
        if group:
            lines.append(f"{label}    Description")
            lines += [f"{c.code}    {c.description}" for c in group]
            lines.append("")
    lines.append("ICD-10-CM Diagnosis Codes    Description")
    lines += [f"{code}    {desc}" for code, desc in s.icd]
    lines.append("")
    if neg:
        lines.append("Considered Experimental/Investigational/Unproven:")
        lines.append("CPT®* Codes    Description")
        lines += [f"{c.code}    {c.description}" for c in neg]
        lines.append("")
    lines += [
        f"{h}Revision Details",
        "| Type of Revision | Summary of Changes | Date |",
        "|---|---|---|",
    ]
    lines += [f"| {summary.split('.')[0]} | {summary} | {d:%m/%d/%Y} |" for d, summary in revs]
    return "\n".join(lines) + "\n"


def _render_uhc(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    h = "## " if md else ""
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    lines = [
        "UnitedHealthcare® Commercial",
        "Medical Policy",
        s.title,
        f"Policy Number: {s.policy_id}",
        f"Effective Date: {eff:%B} {eff.day}, {eff.year}",
        "",
        f"{h}Application",
        "This Medical Policy applies to commercial benefit plans; other lines of business "
        "follow their own policies.",
        "",
        f"{h}Coverage Rationale",
    ]
    if cov:
        lines.append(
            f"{s.topic} (CPT codes {', '.join(c.code for c in cov)}) is proven and "
            "medically necessary when all of the following are present:"
        )
        lines += [f"- {c}" for c in _criteria(rng, 3)]
    if neg:
        lines.append(
            "The following are unproven and not medically necessary due to insufficient evidence of efficacy:"
        )
        lines += [f"- {c.description} (CPT code {c.code})" for c in neg]
    lines += [
        "",
        f"{h}Applicable Codes",
        "The codes below are listed for reference only; listing a code does not imply "
        "that the service is covered.",
        "| CPT Code | Description |",
        "|---|---|",
    ]
    lines += [f"| {c.code} | {c.description} |" for c in sorted(codes, key=lambda c: c.code)]
    lines += [
        "",
        f"{h}Description of Services",
        _background(rng, s),
        "",
        f"{h}Policy History/Revision Information",
        "| Date | Summary of Changes |",
        "|---|---|",
    ]
    lines += [f"| {d:%m/%d/%Y} | {summary} |" for d, summary in revs]
    lines += [
        "",
        f"{h}Instructions for Use",
        "This policy helps interpret standard benefit plans; the member's plan document governs.",
    ]
    return "\n".join(lines) + "\n"


def _render_bcbs(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    h = "## " if md else ""
    lines = [
        "Blue Cross Blue Shield",
        "Medical Policy",
        s.title,
        f"Policy Number: {s.policy_id}",
        f"Section: {rng.choice(('Surgery', 'Medicine', 'Radiology', 'Durable Medical Equipment'))}",
        f"Original Effective Date: {s.original:%m/%d/%Y}",
        f"Current Effective Date: {eff:%m/%d/%Y}",
        f"Last Review Date: {review:%m/%d/%Y}",
        "",
        f"{h}Description",
        _background(rng, s),
        "",
        f"{h}Policy",
    ]
    for c in codes:
        word = {
            "covered": "medically necessary",
            "not_covered": "not medically necessary",
            "investigational": "investigational",
        }[c.coverage]
        tail = f" when {rng.choice(CRITERIA)}" if c.coverage == "covered" else ""
        lines.append(f"{c.description} (CPT {c.code}) is considered {word}{tail}.")
    lines += [
        "",
        f"{h}Policy Guidelines",
        "Imaging guidance included in a code is not reported separately.",
        "",
        f"{h}Coding",
        "| Code | Description |",
        "|---|---|",
    ]
    lines += [f"| {c.code} | {c.description} |" for c in codes]
    lines += [
        "",
        f"{h}Rationale",
        _background(rng, s),
        "",
        f"{h}Policy History",
        "| Date | Action |",
        "|---|---|",
    ]
    lines += [f"| {d:%m/%d/%Y} | {summary} |" for d, summary in revs]
    return "\n".join(lines) + "\n"


def _render_medicare(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    contractor = rng.choice(
        (
            "Noridian Healthcare Solutions, LLC",
            "Palmetto GBA",
            "Novitas Solutions, Inc.",
            "First Coast Service Options, Inc.",
            "CGS Administrators, LLC",
        )
    )
    lines = [
        "Local Coverage Determination (LCD)",
        s.title,
        s.policy_id,
        "",
        "Contractor Information",
        f"Contractor Name: {contractor}",
        "Contract Type: A and B MAC",
        f"Contract Number: {rng.randrange(1000, 16000):05d}",
        "",
        "LCD Information",
        "Document Information",
        f"LCD ID: {s.policy_id}",
        f"LCD Title: {s.title}",
        f"Original Effective Date: {s.original:%m/%d/%Y}",
        f"Revision Effective Date: For services performed on or after {eff:%m/%d/%Y}",
        "Revision Ending Date: N/A",
        "Retirement Date: N/A",
        "",
        "Coverage Indications, Limitations, and/or Medical Necessity",
        f"{s.topic} is reasonable and necessary when {rng.choice(CRITERIA)} and {rng.choice(CRITERIA)}.",
        "",
        "Summary of Evidence",
        _background(rng, s),
        "",
        "Coding Information",
        "CPT/HCPCS Codes",
        "Group 1 Paragraph: The following codes are covered when the requirements of this LCD are met.",
        "Group 1 Codes:",
        "Code\tDescription",
    ]
    lines += [f"{c.code}\t{c.description}" for c in cov]
    if neg:
        lines += [
            "",
            "Group 2 Paragraph: The following codes are non-covered because the evidence does not show them to be reasonable and necessary.",
            "Group 2 Codes:",
            "Code\tDescription",
        ]
        lines += [f"{c.code}\t{c.description}" for c in neg]
    lines += [
        "",
        "ICD-10-CM Codes that Support Medical Necessity",
        "Group 1 Paragraph: Report the diagnosis to the highest level of specificity.",
        "Group 1 Codes:",
        "ICD-10-CM Code\tDescription",
    ]
    lines += [f"{code}\t{desc}" for code, desc in s.icd]
    lines += [
        "",
        "Revision History Information",
        "| Revision History Date | Revision History Number | Revision History Explanation | Reasons for Change |",
        "|---|---|---|---|",
    ]
    n = len(revs)
    lines += [
        f"| {d:%m/%d/%Y} | R{n - i} | {summary} | Provider Education/Guidance |"
        for i, (d, summary) in enumerate(revs)
    ]
    return "\n".join(lines) + "\n"


def _render_aetna(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    lines = [
        "Aetna Clinical Policy Bulletin",
        f"# {s.title}",
        f"Number: {s.policy_id}",
        "",
        "## Policy History",
        f"Last Review: {review:%m/%d/%Y}",
        f"Effective: {s.original:%m/%d/%Y}",
        f"Next Review: {_next_year(review):%m/%d/%Y}",
        "",
        "## Policy",
        "### I. Medical Necessity",
        f"Aetna considers {s.topic.lower()} medically necessary when all of the following are met:",
        *(f"- {c}" for c in _criteria(rng, 3)),
    ]
    if neg:
        lines += [
            "### II. Experimental, Investigational, or Unproven",
            f"Aetna considers {s.topic.lower()} experimental, investigational, or unproven for all other indications.",
        ]
    lines += ["", "## Code Table", "| Code | Code Description |", "|---|---|"]
    if cov:
        lines.append("| CPT codes covered if selection criteria are met: |")
        lines += [f"| {c.code} | {c.description} |" for c in cov]
    if neg:
        lines.append("| CPT codes not covered for indications listed in the CPB: |")
        lines += [f"| {c.code} | {c.description} |" for c in neg]
    lines.append("| ICD-10 codes covered if selection criteria are met: |")
    lines += [f"| {code} | {desc} |" for code, desc in s.icd]
    lines += ["", "## Background", _background(rng, s)]
    return "\n".join(lines) + "\n"


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render_aetna_html(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    e = _html_escape
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]
    rows = []
    if cov:
        rows.append(
            '<tr><td colspan="2"><strong>CPT codes covered if selection criteria are met:</strong></td></tr>'
        )
        rows += [f"<tr><td>{c.code}</td><td>{e(c.description)}</td></tr>" for c in cov]
    if neg:
        rows.append(
            '<tr><td colspan="2"><strong>CPT codes not covered for indications listed in the CPB:</strong></td></tr>'
        )
        rows += [f"<tr><td>{c.code}</td><td>{e(c.description)}</td></tr>" for c in neg]
    rows.append(
        '<tr><td colspan="2"><strong>ICD-10 codes covered if selection criteria are met:</strong></td></tr>'
    )
    rows += [f"<tr><td>{code}</td><td>{e(desc)}</td></tr>" for code, desc in s.icd]
    crit = "".join(f"<li>{e(c)}</li>" for c in _criteria(rng, 3))
    inv = (
        f"<h3>II. Experimental, Investigational, or Unproven</h3><p>Aetna considers "
        f"{e(s.topic.lower())} experimental, investigational, or unproven for all other indications.</p>"
        if neg
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(s.title)} - Medical Clinical Policy Bulletins | Aetna</title>
<script type="text/javascript">var cpbMeta = {{"number": "{s.policy_id}", "relatedCodes": ["99499"]}};</script>
</head>
<body>
<nav class="site-nav"><ul><li><a href="/cpb/index.html">Clinical Policy Bulletins</a></li></ul></nav>
<main id="content">
<h1>{e(s.title)}</h1>
<div class="policy-number"><p>Number: {s.policy_id}</p></div>
<div class="policy-history">
  <h3>Policy History</h3>
  <ul>
    <li><strong>Last Review:</strong> {review:%m/%d/%Y}</li>
    <li><strong>Effective:</strong> {s.original:%m/%d/%Y}</li>
    <li><strong>Next Review:</strong> {_next_year(review):%m/%d/%Y}</li>
  </ul>
</div>
<h2>Policy</h2>
<h3>I. Medical Necessity</h3>
<p>Aetna considers {e(s.topic.lower())} medically necessary when all of the following are met:</p>
<ul>{crit}</ul>
{inv}
<h2>Code Table</h2>
<table class="codes" border="1">
  <thead><tr><th>Code</th><th>Code Description</th></tr></thead>
  <tbody>
    {chr(10).join(rows)}
  </tbody>
</table>
<h2>Background</h2>
<p>{e(_background(rng, s))}</p>
</main>
<footer class="site-footer"><p>CPT codes are copyright of the American Medical Association.</p></footer>
</body>
</html>
"""


def _render_medicare_html(
    s: PolicySeries,
    eff: date,
    review: date,
    codes: list[PolicyCode],
    revs: list[tuple[date, str]],
    rng: random.Random,
    md: bool,
) -> str:
    e = _html_escape
    cov, neg = _codes_by(codes, "covered"), [c for c in codes if c.coverage != "covered"]

    def table(rows: list[tuple[str, str]], head: str = "Code") -> str:
        body = "\n".join(f"<tr><td>{a}</td><td>{e(b)}</td></tr>" for a, b in rows)
        return (
            f'<table class="codes"><thead><tr><th>{head}</th><th>Description</th></tr></thead>'
            f"<tbody>\n{body}\n</tbody></table>"
        )

    groups = (
        f"<p><strong>Group 1 Paragraph:</strong> The following codes are covered when the "
        f"requirements of this LCD are met.</p>\n<p><strong>Group 1 Codes:</strong></p>\n"
        f"{table([(c.code, c.description) for c in cov])}\n"
    )
    if neg:
        groups += (
            "<p><strong>Group 2 Paragraph:</strong> The following codes are non-covered "
            "because they are not reasonable and necessary.</p>\n"
            f"<p><strong>Group 2 Codes:</strong></p>\n{table([(c.code, c.description) for c in neg])}\n"
        )
    n = len(revs)
    rev_rows = "\n".join(
        f"<tr><td>{d:%m/%d/%Y}</td><td>R{n - i}</td><td>{e(summary)}</td><td>Provider Education/Guidance</td></tr>"
        for i, (d, summary) in enumerate(revs)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>LCD - {e(s.title)} ({s.policy_id})</title></head>
<body>
<h1>Local Coverage Determination (LCD)</h1>
<h2>{e(s.title)}</h2>
<h3>LCD Information</h3>
<h4>Document Information</h4>
<table class="doc-info">
  <tr><th>LCD ID</th><td>{s.policy_id}</td></tr>
  <tr><th>LCD Title</th><td>{e(s.title)}</td></tr>
  <tr><th>Original Effective Date</th><td>For services performed on or after {s.original:%m/%d/%Y}</td></tr>
  <tr><th>Revision Effective Date</th><td>For services performed on or after {eff:%m/%d/%Y}</td></tr>
  <tr><th>Revision Ending Date</th><td>N/A</td></tr>
</table>
<h3>Coverage Indications, Limitations, and/or Medical Necessity</h3>
<p>{e(s.topic)} is reasonable and necessary when {e(rng.choice(CRITERIA))}.</p>
<h3>Coding Information</h3>
<h4>CPT/HCPCS Codes</h4>
{groups}
<h4>ICD-10-CM Codes that Support Medical Necessity</h4>
<p><strong>Group 1 Paragraph:</strong> Report the diagnosis to the highest level of specificity.</p>
<p><strong>Group 1 Codes:</strong></p>
{table(s.icd, "ICD-10-CM Code")}
<h3>Revision History Information</h3>
<table class="revisions">
<thead><tr><th>Revision History Date</th><th>Revision History Number</th><th>Revision History Explanation</th><th>Reasons for Change</th></tr></thead>
<tbody>
{rev_rows}
</tbody></table>
</body>
</html>
"""


POLICY_RENDERERS = {
    "aetna": ("cpb", _render_aetna),
    "cigna": ("mcp", _render_cigna),
    "unitedhealthcare": ("mp", _render_uhc),
    "bcbs": ("mp", _render_bcbs),
    "medicare": ("lcd", _render_medicare),
}

# --- the corpus ---------------------------------------------------------------------------


def _versions(rng: random.Random, remaining: int, weights: tuple[int, ...]) -> int:
    return min(remaining, rng.choices(range(1, len(weights) + 1), weights)[0])


def synthesize_corpus(
    root: Path,
    *,
    reports: int,
    policies: int,
    seed: int,
    formats: tuple[str, ...] = ("txt", "md"),
    changed_fraction: float = 0.0,
) -> dict[str, Any]:
    """Write `reports` code reports and `policies` policy files under `root`.

    Deterministic in its arguments (same bytes every time). `formats` picks the file
    formats: code reports use the text formats in it (`txt`, `md`); policies are text, and
    Aetna/Medicare policies are HTML when "html" is in it. `changed_fraction` > 0 then
    applies `mutate_corpus(root, changed_fraction, seed + 1)`: the same corpus with that
    share of files edited, as a later snapshot of the same inbox.

    Returns counts and bytes: files, reports, policies, distinct_codes, bytes, by format,
    encoding, code category and payer, and `changed` (files the mutation rewrote).
    """
    if reports < 0 or policies < 0:
        raise ValueError("reports and policies must be >= 0")
    if reports and not any(f in TEXT_FORMATS for f in formats):
        raise ValueError(f"code reports need a text format in formats: {TEXT_FORMATS}")
    root = Path(root)
    master = random.Random(seed)
    code_dir = root / "code_reports"
    code_dir.mkdir(parents=True, exist_ok=True)
    stats: dict[str, Any] = {
        "files": 0,
        "reports": 0,
        "policies": 0,
        "bytes": 0,
        "distinct_codes": 0,
        "truncated": 0,
        "by_format": Counter(),
        "by_encoding": Counter(),
        "by_category": Counter(),
        "by_payer": Counter(),
    }

    def write(path: Path, data: bytes, fmt: str, encoding: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        stats["files"] += 1
        stats["bytes"] += len(data)
        stats["by_format"][fmt] += 1
        stats["by_encoding"][encoding] += 1

    # Plan the series: about one code in six has two or three versions.
    plan_rng = random.Random(f"{seed}/plan")
    series_sizes: list[int] = []
    left = reports
    while left > 0:
        n = _versions(plan_rng, left, (84, 12, 4))
        series_sizes.append(n)
        left -= n
    pool = _code_pool(master, max(len(series_sizes), 50))
    stats["distinct_codes"] = len(series_sizes)
    written = 0
    for s_index, n_versions in enumerate(series_sizes):
        code = pool[s_index]
        info = _code_info(seed, code)
        facts = _report_facts(seed, info)
        style_rng = _rng(seed, "style", code)
        base_style = _report_style(style_rng, formats)
        stats["by_category"][info.category] += 1
        for v in range(n_versions):
            rng = _rng(seed, "report", code, v)
            if v:
                _revise_facts(facts, info, rng, v)
            if v:
                style = _report_style(_rng(seed, "style", code, v), formats, base_style.ext)
            else:
                style = base_style
            text = _render_report(info, facts, style, rng)
            if not text.endswith("\n"):
                stats["truncated"] += 1
            name = (
                f"{'hcpcs' if info.system == 'HCPCS' else 'cpt'}_{code.lower()}_{_slug(info.title)}"
            )
            name += f"_v{v + 1}" if n_versions > 1 else ""
            write(
                code_dir / f"{name}.{style.ext}",
                _encode(text, style.encoding),
                style.ext,
                style.encoding,
            )
            written += 1
    stats["reports"] = written

    # Policies: series of one to three versions per payer, codes drawn from the same pool.
    html = "html" in formats
    md_ok = "md" in formats
    left = policies
    per_payer: Counter[str] = Counter()
    planned: list[tuple[str, int]] = []
    while left > 0:
        payer = plan_rng.choices(POLICY_PAYERS, POLICY_WEIGHTS)[0]
        n = _versions(plan_rng, left, (45, 35, 20))
        planned.append((payer, n))
        per_payer[payer] += 1
        left -= n
    ids = {
        p: iter(_policy_ids(random.Random(f"{seed}/ids/{p}"), p, per_payer[p])) for p in per_payer
    }
    code_pool = pool[: max(len(series_sizes), 50)]
    for payer, n_versions in planned:
        policy_id = next(ids[payer])
        series = _policy_series(seed, payer, policy_id, code_pool, n_versions)
        prefix, render = POLICY_RENDERERS[payer]
        slug = _slug(series.title, 3)
        for v in range(n_versions):
            rng = _rng(seed, "policy-file", payer, policy_id, v)
            eff, review, codes, revs = _policy_version(series, v, rng, code_pool, seed)
            fmt = "txt"
            if html and (payer == "aetna" or (payer == "medicare" and rng.random() < 0.5)):
                fmt = "html"
                render_fn = _render_aetna_html if payer == "aetna" else _render_medicare_html
            else:
                render_fn = render
                if md_ok and payer in ("cigna", "unitedhealthcare", "bcbs") and rng.random() < 0.2:
                    fmt = "md"
            text = render_fn(series, eff, review, codes, revs, rng, fmt == "md")
            year = eff.year
            fname = f"{prefix}_{policy_id.lower()}_{slug}_{year}_v{v + 1}.{fmt}"
            write(root / "payer_policies" / payer / fname, text.encode("utf-8"), fmt, "utf-8")
            stats["by_payer"][payer] += 1
            stats["policies"] += 1

    stats["changed"] = 0
    if changed_fraction > 0:
        changed = mutate_corpus(root, changed_fraction, seed + 1)
        stats["changed"] = changed["changed"]
        stats["bytes"] += changed["bytes_delta"]
    for key in ("by_format", "by_encoding", "by_category", "by_payer"):
        stats[key] = dict(sorted(stats[key].items()))
    return stats


# --- mutation -----------------------------------------------------------------------------

_AMOUNT = re.compile(r"\$(\d{1,3}(?:,\d{3})*|\d+)\.(\d{2})")
_NOTE_SENTENCES = (
    " Wording in this paragraph was reviewed for clarity.",
    " This paragraph was checked against the current source.",
    " Minor editorial corrections were made here.",
)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _mutate_text(text: str, rng: random.Random) -> str:
    amounts = [m for m in _AMOUNT.finditer(text) if m.group(0) != "$0.00"]
    if amounts:
        m = rng.choice(amounts)
        cents = int(m.group(1).replace(",", "")) * 100 + int(m.group(2))
        cents += rng.choice((-1, 1)) * rng.randrange(1, 500)
        cents = abs(cents) or 1
        new = f"${cents // 100:,}.{cents % 100:02d}"
        if new != m.group(0):
            return text[: m.start()] + new + text[m.end() :]
    # Otherwise one sentence is added to a prose paragraph (or an HTML <p>).
    note = rng.choice(_NOTE_SENTENCES)
    at = text.find("</p>")
    if at >= 0:
        return text[:at] + note + text[at:]
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(nl)
    prose = [i for i, line in enumerate(lines) if len(line) > 120 and line.rstrip().endswith(".")]
    i = rng.choice(prose) if prose else len(lines) - 1
    lines[i] = lines[i].rstrip() + note
    return nl.join(lines)


def mutate_corpus(root: Path, fraction: float, seed: int) -> dict[str, Any]:
    """Rewrite `round(fraction * files)` files under `root` (at least one when fraction > 0)
    with a small content change: a `$` amount moves by a few dollars or cents, or a sentence
    is added to a prose paragraph. Encodings and line endings are kept. Deterministic in
    (files present, fraction, seed); every chosen file's bytes change.

    Returns {"changed": n, "paths": [relative POSIX paths], "bytes_delta": int}.
    """
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    root = Path(root)
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    k = round(fraction * len(files))
    if fraction > 0 and files and k == 0:
        k = 1
    rng = random.Random(f"{seed}/mutate/{len(files)}")
    chosen = sorted(rng.sample(files, k), key=lambda p: p.as_posix())
    delta = 0
    paths = []
    for path in chosen:
        data = path.read_bytes()
        text, encoding = _decode(data)
        new_text = _mutate_text(
            text, random.Random(f"{seed}/mutate/{path.relative_to(root).as_posix()}")
        )
        if encoding == "utf-16":
            new = b"\xff\xfe" + new_text.encode("utf-16-le")
        else:
            new = new_text.encode(encoding, errors="replace")
        assert new != data
        path.write_bytes(new)
        delta += len(new) - len(data)
        paths.append(path.relative_to(root).as_posix())
    return {"changed": len(paths), "paths": paths, "bytes_delta": delta}
