"""Build the PDF and DOCX sample documents in sources/ from their plain-text twins.

Run from the project root:

    uv run python tests/make_samples.py

Real payers publish Cigna and BCBS policies as PDF and UnitedHealthcare policies as
PDF/DOCX. Rather than keep hand-made binaries, this script renders a few of the
text samples into those formats, so the readers for PDF and DOCX have realistic input.

The text conventions understood here are deliberately small:

* a line listed in a sample's heading levels becomes a heading (bold, larger type in
  the PDF; Word's real "Heading 1"/"Heading 2"/"Heading 3" styles in the DOCX);
* consecutive pipe rows (``| a | b |``) become a table: a real Word table in the
  DOCX, and rows of fixed-width cells separated by `` | `` in the PDF (a cell too
  long for the page wraps onto continuation rows whose other cells are blank);
  the ``|---|---|`` alignment row is dropped;
* lines starting with ``- `` become bulleted list items;
* every other non-blank line is a paragraph.

Output is deterministic: the PDF creation date and the DOCX core properties are
fixed, and the DOCX zip entries get a fixed timestamp, so re-running the script
on unchanged text leaves the files byte-identical (and their doc_ids unchanged).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
#: Text originals of the policies the inbox holds only as PDF/DOCX: one rendition per
#: version in the inbox, so two formats of one version never look like two versions.
SAMPLE_TEXT = ROOT / "tests" / "data" / "sample_text"
#: Format twins of one code report, for the "same fields from every format" test.
FORMAT_TWINS = ROOT / "tests" / "data" / "formats"

FIXED_DATE = datetime(2026, 1, 2, 9, 0, 0, tzinfo=UTC)
ZIP_DATE = (2026, 1, 2, 9, 0, 0)

# Characters the PDF core fonts (latin-1) cannot draw, with plain replacements.
PDF_REPLACEMENTS = {
    "\u2014": "-",  # em dash
    "\u2013": "-",  # en dash
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2022": "-",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u2026": "...",
}


@dataclass
class Sample:
    """One text source and the formats rendered from it."""

    source: str  # path relative to the input root
    formats: tuple[str, ...]  # ".pdf" and/or ".docx"
    headings: dict[str, int]  # exact line text -> heading level (1-3)
    title: str = ""  # document title stored in the file metadata
    footer: str = ""  # text printed under the page number on every PDF page
    input_root: Path = SAMPLE_TEXT  # where the text original lives
    output_root: Path = SOURCES  # where the renditions are written
    target_stem: str = ""  # the renditions' file name without suffix, when not the source's


CODE_REPORT_HEADINGS = {
    "Summary & Overview": 1,
    "Billing Code Overview": 1,
    "Clinical & Coding Specifications": 1,
    "Clinical Context": 2,
    "Coding Specifications": 2,
    "Payer Coverage Considerations": 1,
    "Policy Updates": 1,
    "Benchmarks": 1,
    "Documentation Requirements": 1,
}

CIGNA_HEADINGS = {
    "Hepatic Tumor Ablation and Radioembolization": 1,
    "Related Coverage Resources": 2,
    "INSTRUCTIONS FOR USE": 2,
    "Overview": 2,
    "Coverage Policy": 2,
    "General Background": 2,
    "Medicare Coverage Determinations": 2,
    "Coding Information": 2,
    "Revision Details": 2,
}

UHC_HEADINGS = {
    "Facet Joint and Medial Branch Procedures for Spinal Pain": 1,
    "Application": 2,
    "Related Commercial Policies": 2,
    "Coverage Rationale": 2,
    "Documentation Requirements": 2,
    "Applicable Codes": 2,
    "Description of Services": 2,
    "Clinical Evidence": 2,
    "Policy History/Revision Information": 2,
    "Instructions for Use": 2,
}

BCBS_HEADINGS = {
    "Cryoablation of Tumors Located in the Kidney, Lung, Breast, Pancreas, or Bone": 1,
    "Description": 2,
    "Policy": 2,
    "Kidney": 3,
    "Lung": 3,
    "Breast": 3,
    "Bone": 3,
    "Pancreas and other sites": 3,
    "Policy Guidelines": 2,
    "Coding": 2,
    "Rationale": 2,
    "Benefit Application": 2,
    "Policy History": 2,
}

SAMPLES = [
    Sample(
        "code_reports/cpt_47382_rf_ablation_liver.txt",
        (".pdf", ".docx"),
        CODE_REPORT_HEADINGS,
        title="CPT 47382: Percutaneous Radiofrequency Ablation of Liver Tumors",
        input_root=SOURCES,
        output_root=FORMAT_TWINS,
    ),
    Sample(
        "payer_policies/cigna/mcp_0123_hepatic_tumor_ablation_2025.txt",
        (".pdf",),
        CIGNA_HEADINGS,
        title="Hepatic Tumor Ablation and Radioembolization",
        footer="Medical Coverage Policy: 0123",
    ),
    Sample(
        "payer_policies/cigna/mcp_0123_hepatic_tumor_ablation_2026.txt",
        (".pdf",),
        CIGNA_HEADINGS,
        title="Hepatic Tumor Ablation and Radioembolization",
        footer="Medical Coverage Policy: 0123",
    ),
    Sample(
        "payer_policies/unitedhealthcare/mp_2026T0123A_facet_joint_procedures.txt",
        (".docx",),
        UHC_HEADINGS,
        title="Facet Joint and Medial Branch Procedures for Spinal Pain",
    ),
    Sample(
        "payer_policies/bcbs/mp_7.01.91_cryoablation_tumors.txt",
        (".pdf",),
        BCBS_HEADINGS,
        title="Cryoablation of Tumors Located in the Kidney, Lung, Breast, Pancreas, or Bone",
        footer="Policy Number: 7.01.91",
    ),
]


# --------------------------------------------------------------------------- parsing


def is_pipe_row(line: str) -> bool:
    return line.strip().startswith("|") and line.strip().endswith("|")


def is_separator_row(line: str) -> bool:
    body = line.strip().strip("|").replace("|", "").replace(":", "").replace("-", "")
    return is_pipe_row(line) and body.strip() == ""


def split_row(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def blocks(lines: list[str], headings: dict[str, int]):
    """Yield blocks: ("heading", level, text), ("table", rows), ("bullet", text),
    ("para", text) or ("blank",)."""
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if is_pipe_row(line):
            rows = []
            while i < len(lines) and is_pipe_row(lines[i]):
                if not is_separator_row(lines[i]):
                    rows.append(split_row(lines[i]))
                i += 1
            yield ("table", rows)
            continue
        if not line.strip():
            yield ("blank",)
        elif line.strip() in headings:
            yield ("heading", headings[line.strip()], line.strip())
        elif line.startswith("- "):
            yield ("bullet", line[2:].strip())
        else:
            yield ("para", line.strip())
        i += 1


# --------------------------------------------------------------------------- PDF


class _PolicyPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(
            0, 4, f"Page {self.page_no()} of {{nb}}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        if self.footer_text:
            self.cell(0, 4, self.footer_text, align="C")


def pdf_text(text: str) -> str:
    for old, new in PDF_REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def _wrap(text: str, width: int) -> list[str]:
    """Split text into chunks of at most `width` characters at spaces."""
    out, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return out


def _pdf_table(pdf: FPDF, rows: list[list[str]]) -> None:
    """Draw rows as fixed-width Courier cells joined by ' | ', wrapping the widest column."""
    ncols = max(len(r) for r in rows)
    rows = [[pdf_text(c) for c in r] + [""] * (ncols - len(r)) for r in rows]
    widths = [max(len(r[c]) for r in rows) for c in range(ncols)]
    size = 8.0
    pdf.set_font("Courier", size=size)
    char_w = pdf.get_string_width("M")
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    max_chars = int(usable / char_w)
    overhead = 3 * (ncols - 1)
    while sum(widths) + overhead > max_chars and size > 6.5:
        size -= 0.5
        pdf.set_font("Courier", size=size)
        max_chars = int(usable / pdf.get_string_width("M"))
    if sum(widths) + overhead > max_chars:
        widest = widths.index(max(widths))
        widths[widest] = max(10, max_chars - overhead - (sum(widths) - widths[widest]))
    line_h = size * 0.5
    for r_index, row in enumerate(rows):
        wrapped = [_wrap(cell, widths[c]) if cell else [""] for c, cell in enumerate(row)]
        height = max(len(w) for w in wrapped)
        pdf.set_font("Courier", "B" if r_index == 0 else "", size)
        for k in range(height):
            parts = [(w[k] if k < len(w) else "").ljust(widths[c]) for c, w in enumerate(wrapped)]
            pdf.cell(0, line_h, " | ".join(parts).rstrip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def write_pdf(
    lines: list[str],
    path: Path,
    *,
    headings: dict[str, int] | None = None,
    title: str = "",
    footer: str = "",
) -> None:
    """Render text lines to a PDF at `path` with a fixed creation date."""
    pdf = _PolicyPDF(format="Letter")
    pdf.footer_text = pdf_text(footer)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(pdf_text(title))
    pdf.set_author("payer-policy-etl sample generator")
    pdf.set_creator("tests/make_samples.py")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    sizes = {1: 15, 2: 12.5, 3: 11}
    for block in blocks(lines, headings or {}):
        kind = block[0]
        if kind == "blank":
            pdf.ln(2)
        elif kind == "heading":
            _, level, text = block
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", sizes[level])
            pdf.multi_cell(
                0, sizes[level] * 0.5, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            pdf.ln(1)
        elif kind == "table":
            _pdf_table(pdf, block[1])
        elif kind == "bullet":
            pdf.set_font("Helvetica", size=10)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(
                0, 5, pdf_text("- " + block[1]), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        else:
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 5, pdf_text(block[1]), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    path.write_bytes(bytes(pdf.output()))


# --------------------------------------------------------------------------- DOCX


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with a fixed timestamp on every entry, keeping entry order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_docx(
    lines: list[str], path: Path, *, headings: dict[str, int] | None = None, title: str = ""
) -> None:
    """Render text lines to a DOCX at `path` with Word heading styles and real tables."""
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    props = document.core_properties
    props.title = title
    props.author = "payer-policy-etl sample generator"
    props.last_modified_by = "payer-policy-etl sample generator"
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    props.comments = ""
    for block in blocks(lines, headings or {}):
        kind = block[0]
        if kind == "blank":
            continue
        if kind == "heading":
            _, level, text = block
            document.add_heading(text, level=level)
        elif kind == "table":
            rows = block[1]
            ncols = max(len(r) for r in rows)
            table = document.add_table(rows=0, cols=ncols)
            table.style = "Table Grid"
            for r_index, row in enumerate(rows):
                cells = table.add_row().cells
                for c, text in enumerate(row + [""] * (ncols - len(row))):
                    cells[c].text = text
                    if r_index == 0:
                        for run in cells[c].paragraphs[0].runs:
                            run.bold = True
        elif kind == "bullet":
            document.add_paragraph(block[1], style="List Bullet")
        else:
            document.add_paragraph(block[1])
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_stable_zip(buffer.getvalue()))


# --------------------------------------------------------------------------- main


#: Golden cases whose input is a PDF or DOCX rendition of a `source.txt` beside it, as
#: `render.json` says: {"format": ".pdf" or ".docx", "headings": {line: level},
#: "title": ..., "footer": ...}. The rendition is written as `input.pdf` / `input.docx`.
GOLDEN_CASES = ROOT / "tests" / "data" / "payer_policy"


def golden_samples() -> list[Sample]:
    """One `Sample` per golden case that has a `render.json`."""
    samples = []
    for spec_path in sorted(GOLDEN_CASES.glob("*/render.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        case = spec_path.parent
        samples.append(
            Sample(
                f"{case.name}/source.txt",
                (spec["format"],),
                spec.get("headings", {}),
                title=spec.get("title", ""),
                footer=spec.get("footer", ""),
                input_root=GOLDEN_CASES,
                output_root=GOLDEN_CASES,
                target_stem="input",
            )
        )
    return samples


def main() -> None:
    for sample in [*SAMPLES, *golden_samples()]:
        source = sample.input_root / sample.source
        lines = source.read_text(encoding="utf-8").splitlines()
        for fmt in sample.formats:
            target = (sample.output_root / sample.source).with_suffix(fmt)
            if sample.target_stem:
                target = target.with_stem(sample.target_stem)
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == ".pdf":
                write_pdf(
                    lines,
                    target,
                    headings=sample.headings,
                    title=sample.title,
                    footer=sample.footer,
                )
            else:
                write_docx(lines, target, headings=sample.headings, title=sample.title)
            print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
