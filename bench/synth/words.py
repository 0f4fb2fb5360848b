"""Word lists the synthetic documents are templated from: clinical domains, drugs, devices,
payers, modifiers, coverage and prior-authorization phrases (no real document is copied)."""

from __future__ import annotations

from dataclasses import dataclass

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
