"""DOCX reader: document order, headings, lists, tables, zip bombs, XXE."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx.document import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from reader_builders import build_docx, replace_member

from flows.model import DocumentError, Limits
from flows.readers import DOCX, read_document


def read(data: bytes, limits: Limits | None = None) -> str:
    return read_document(data, DOCX, limits or Limits()).text


def reason_of(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(DocumentError) as info:
        read_document(data, DOCX, limits or Limits())
    assert info.value.message.endswith(".")
    return info.value.reason


def _policy(document: WordDocument) -> None:
    document.add_heading("Medical Policy: Liver Ablation", 0)
    document.add_heading("Coverage Rationale", 1)
    document.add_paragraph("Ablation is   proven and medically necessary when:")
    document.add_paragraph("Tumor is 3 cm or less", style="List Bullet")
    document.add_paragraph("Patient is not a surgical candidate", style="List Number")
    table = document.add_table(rows=4, cols=3)
    for cell, value in zip(table.rows[0].cells, ["Code", "Description", "Status"], strict=True):
        cell.text = value
    merged = table.rows[1].cells[0].merge(table.rows[1].cells[2])
    merged.text = "CPT codes covered:"
    for cell, value in zip(
        table.rows[2].cells, ["47383", "Ablation | cryo", "Covered"], strict=True
    ):
        cell.text = value
    # a vertical merge: the continuation cell renders empty
    table.rows[2].cells[2].merge(table.rows[3].cells[2])
    table.rows[3].cells[0].text = "47382"
    table.rows[3].cells[1].text = "Ablation, RF"
    document.add_heading("Definitions", 2)
    document.add_paragraph("Line one")


def test_headings_lists_and_tables_in_document_order() -> None:
    assert read(build_docx(_policy)).split("\n") == [
        "# Medical Policy: Liver Ablation",
        "",
        "# Coverage Rationale",
        "",
        "Ablation is proven and medically necessary when:",
        "",
        "- Tumor is 3 cm or less",
        "- Patient is not a surgical candidate",
        "",
        "| Code | Description | Status |",
        "| CPT codes covered: |",
        "| 47383 | Ablation / cryo | Covered |",
        "| 47382 | Ablation, RF |  |",
        "",
        "## Definitions",
        "",
        "Line one",
    ]


def test_line_breaks_and_numbered_paragraphs() -> None:
    def fill(document: WordDocument) -> None:
        paragraph = document.add_paragraph("Policy Number: 0123")
        paragraph.add_run().add_break()
        paragraph.add_run("Effective: 01/01/2025")
        item = document.add_paragraph("Numbered without a list style")
        item._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr>')
        )

    assert read(build_docx(fill)).split("\n") == [
        "Policy Number: 0123",
        "Effective: 01/01/2025",
        "",
        "- Numbered without a list style",
    ]


def test_content_controls_and_tracked_changes() -> None:
    def fill(document: WordDocument) -> None:
        document.add_paragraph("Visible")
        deleted = document.add_paragraph("Kept ")
        deleted._p.append(
            parse_xml(
                f'<w:del {nsdecls("w")} w:id="1" w:author="x">'
                "<w:r><w:delText>REMOVED</w:delText></w:r></w:del>"
            )
        )
        inserted = parse_xml(
            f'<w:ins {nsdecls("w")} w:id="2" w:author="x"><w:r><w:t>added</w:t></w:r></w:ins>'
        )
        deleted._p.append(inserted)
        # a paragraph wrapped in a block-level content control
        wrapped = document.add_paragraph("Inside a content control")
        sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent/></w:sdt>")
        wrapped._p.addprevious(sdt)
        sdt.find(qn("w:sdtContent")).append(wrapped._p)

    assert read(build_docx(fill)).split("\n") == [
        "Visible",
        "",
        "Kept added",
        "",
        "Inside a content control",
    ]


def test_heading_level_from_a_custom_style_based_on_a_heading() -> None:
    def fill(document: WordDocument) -> None:
        style = document.styles.add_style("PolicySection", 1)
        style.base_style = document.styles["Heading 2"]
        document.add_paragraph("Custom Section", style="PolicySection")

    assert read(build_docx(fill)) == "## Custom Section"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_zip_bomb_by_total_size() -> None:
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b" " * 5_000_000})
    assert len(bomb) < 50_000
    limits = Limits(max_unzipped_bytes=1_000_000, max_zip_ratio=1e9)
    assert reason_of(bomb, limits) == "zip_bomb"


def test_zip_bomb_by_compression_ratio() -> None:
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b" " * 5_000_000})
    assert reason_of(bomb, Limits(max_unzipped_bytes=10**9)) == "zip_bomb"


def test_zip_bomb_by_member_count() -> None:
    many = _zip({f"word/media/{i}.bin": b"" for i in range(2001)}, zipfile.ZIP_STORED)
    assert reason_of(many) == "zip_bomb"


@pytest.mark.parametrize(
    "data",
    [
        # zip magic and then garbage
        b"PK\x03\x04" + b"\x17" * 200,
        # a valid zip that is not a Word package
        _zip({"hello.txt": b"hi"}),
        # an OLE container: a password-protected .docx (or a legacy .doc)
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    ],
)
def test_unreadable_docx(data: bytes) -> None:
    assert reason_of(data) == "docx_unreadable"


def test_malformed_document_xml_is_unreadable() -> None:
    good = build_docx(lambda d: d.add_paragraph("x"))
    assert reason_of(replace_member(good, "word/document.xml", b"<w:document")) == "docx_unreadable"


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    good = build_docx(lambda d: d.add_paragraph("placeholder"))
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        xml = archive.read("word/document.xml").decode()
    start = xml.index("<w:document")
    doctype = (
        f'<!DOCTYPE w:document [<!ENTITY sec SYSTEM "{secret.as_uri()}">'
        '<!ENTITY pw SYSTEM "file:///etc/passwd">]>'
    )
    evil = xml[:start] + doctype + xml[start:].replace("placeholder", "A&sec;B&pw;C")
    text = read(replace_member(good, "word/document.xml", evil.encode()))
    assert "TOP-SECRET-MARKER" not in text
    assert "root:" not in text
    # the references stay literal and the text around them is kept
    assert text == "A&sec;B&pw;C"


def test_text_boxes_render_after_their_paragraph() -> None:
    def fill(document: WordDocument) -> None:
        paragraph = document.add_paragraph("Anchor")
        box = parse_xml(
            f"<w:r {nsdecls('w')}><w:pict><v:shape xmlns:v='urn:schemas-microsoft-com:vml'>"
            "<v:textbox><w:txbxContent><w:p><w:r><w:t>In the box</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
        )
        paragraph._p.append(box)
        document.add_paragraph("Next")

    assert read(build_docx(fill)).split("\n") == ["Anchor", "", "In the box", "", "Next"]


def test_empty_body_and_text_limit() -> None:
    assert reason_of(build_docx(lambda d: None)) == "empty_file"
    data = build_docx(lambda d: d.add_paragraph("x" * 500))
    assert reason_of(data, Limits(max_text_chars=100)) == "text_too_large"
