"""sniff_media_type: magic bytes first, then the extension, then the content."""

from __future__ import annotations

import io
import zipfile

import pytest
from reader_builders import build_docx, build_pdf

from flows.readers import DOCX, HTML, MARKDOWN, PDF, TEXT, sniff_media_type


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        # a real PDF, whatever the name says
        (build_pdf([["Policy"]]), "policy.bin", PDF),
        # a PDF header after a few junk bytes, with a .pdf name
        (b"junk\n%PDF-1.7\n...", "cigna.pdf", PDF),
        # a real DOCX with no extension
        (build_docx(lambda d: d.add_paragraph("x")), "download", DOCX),
        # a zip that is not a Word file
        (_zip({"data.csv": b"a,b\n"}), "codes.zip", None),
        # ... even when named .docx
        (_zip({"data.csv": b"a,b\n"}), "fake.docx", None),
        # a damaged .docx (zip magic, no central directory) goes to the DOCX reader
        (b"PK\x03\x04" + b"\x00" * 40, "broken.docx", DOCX),
        # PNG image
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "scan.png", None),
        # PNG image misnamed .txt: magic wins
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "notes.txt", None),
        # legacy Word .doc (OLE2)
        (OLE, "policy.doc", None),
        # an OLE container named .docx is a password-protected docx: the reader explains
        (OLE, "policy.docx", DOCX),
        # HTML with a doctype, misnamed .txt
        (b"<!DOCTYPE html>\n<html><body>x</body></html>", "page.txt", HTML),
        # HTML without a doctype, leading whitespace and upper case
        (b"\n  <HTML><BODY>x</BODY></HTML>", "page", HTML),
        # HTML after a UTF-8 BOM and a comment
        (b"\xef\xbb\xbf<!-- saved from url --><html><p>x</p></html>", "p.dat", HTML),
        # UTF-16 encoded HTML with BOM
        (b"\xff\xfe" + "<!doctype html><p>x</p>".encode("utf-16-le"), "p", HTML),
        # XHTML with an XML declaration
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML'
            b' 1.0 Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml"></html>',
            "cpb.xhtml",
            HTML,
        ),
        # XML that is not XHTML
        (b'<?xml version="1.0"?><policies><p/></policies>', "export.xml", None),
        (b'<?xml version="1.0"?><policies><p/></policies>', "export.txt", None),
        # a fragment of HTML with an .html extension
        (b"<div><p>Coverage</p></div>", "fragment.html", HTML),
        # markdown by extension
        (b"# CPT 47383\n\n| Code | Desc |\n", "report.md", MARKDOWN),
        (b"# CPT 47383\n", "report.MARKDOWN", MARKDOWN),
        # text by extension
        (b"CPT 47383 Summary", "report.txt", TEXT),
        # text with no extension
        (b"CPT 47383 Summary\r\nBilling Code Overview\r\n", "README", TEXT),
        # text with an unknown extension
        (b"Policy number: 0123\n", "policy.v2", TEXT),
        # UTF-16 text with an unknown extension
        ("Policy number: 0123\n".encode("utf-16-le"), "policy.dat", TEXT),
        # binary junk with an unknown extension
        (bytes(range(256)) * 4, "blob.bin", None),
        # CSV is not read (yet)
        (b"code,description\n47383,Ablation\n", "codes.csv", None),
        # RTF looks like text but is markup we do not read
        (b"{\\rtf1\\ansi Policy}", "policy.txt", None),
        # an empty file is named by its extension so the reader can say "empty_file"
        (b"", "empty.pdf", PDF),
        (b"", "empty.txt", TEXT),
        (b"", "empty.png", None),
    ],
)
def test_sniff_media_type(data: bytes, filename: str, expected: str | None) -> None:
    assert sniff_media_type(data, filename) == expected


def test_prose_mentioning_html_is_text() -> None:
    # "<html" in prose, not at the start: not an HTML page
    assert sniff_media_type(b"Export as <html> or PDF.\n", "notes") == TEXT
