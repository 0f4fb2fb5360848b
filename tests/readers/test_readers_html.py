"""HTML reader: rendering conventions, dropped chrome, tables, encodings, XXE."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.model import DocumentError, Limits
from flows.readers import HTML, read_document


def render(html: str | bytes) -> str:
    data = html.encode() if isinstance(html, str) else html
    return read_document(data, HTML, Limits()).text


def test_headings_paragraphs_and_lists() -> None:
    text = render(
        "<h1>Ablation  of\nLiver Tumors</h1><p>Aetna considers <b>this</b>\n   medically "
        "necessary.</p><h3>Notes</h3><ul><li>First</li><li>Second <i>item</i></li></ul>"
    )
    assert text.split("\n") == [
        "# Ablation of Liver Tumors",
        "",
        "Aetna considers this medically necessary.",
        "",
        "### Notes",
        "",
        "- First",
        "- Second item",
    ]


def test_br_breaks_lines_inside_a_block() -> None:
    text = render("<p>Policy Number: 0123<br>Effective: 01/01/2025<br/><br>Next</p>")
    assert text.split("\n") == ["Policy Number: 0123", "Effective: 01/01/2025", "Next"]


def test_table_with_grouping_row() -> None:
    text = render(
        "<table><thead><tr><th>Code</th><th>Description</th></tr></thead><tbody>"
        '<tr><td colspan="2">CPT codes covered if selection criteria are met:</td></tr>'
        "<tr><td>47383</td><td>Ablation | cryo,\n percutaneous</td></tr>"
        "<tr><td>Not covered:</td></tr>"
        "</tbody></table><p>After</p>"
    )
    assert text.split("\n") == [
        "| Code | Description |",
        "| CPT codes covered if selection criteria are met: |",
        "| 47383 | Ablation / cryo, percutaneous |",
        "| Not covered: |",
        "",
        "After",
    ]


def test_colspan_and_rowspan_keep_columns_aligned() -> None:
    text = render(
        "<table><tr><th>Code</th><th>Payer</th><th>Status</th></tr>"
        '<tr><td rowspan="2">47383</td><td>Aetna</td><td>Covered</td></tr>'
        "<tr><td>Cigna</td><td>PA</td></tr>"
        '<tr><td colspan="2">Both</td><td>x</td></tr></table>'
    )
    assert text.split("\n") == [
        "| Code | Payer | Status |",
        "| 47383 | Aetna | Covered |",
        "|  | Cigna | PA |",
        "| Both |  | x |",
    ]


def test_scripts_navigation_and_chrome_are_dropped() -> None:
    text = render(
        "<html><head><title>CPB 0123</title><style>p{color:red}</style>"
        "<script>var secret='SCRIPT';</script></head><body>"
        "<header><img alt='logo'><a href='/'>HEADERMENU</a><h1>Liver Ablation</h1></header>"
        "<nav>NAVLINKS</nav><noscript>NOSCRIPT</noscript><template>TEMPLATE</template>"
        "<main><p>Policy text.</p><button>BUTTON</button><div hidden>HIDDEN</div>"
        "<span style='display: none'>INVISIBLE</span>"
        "<form role='search'><input name=q><button>SEARCHBOX</button></form></main>"
        "<footer>FOOTER</footer><svg><text>SVGTEXT</text></svg></body></html>"
    )
    assert text == "# Liver Ablation\n\nPolicy text."


def test_header_inside_an_article_is_kept() -> None:
    text = render("<article><header><p>Last Review: 02/03/2025</p></header><p>Body</p></article>")
    assert text == "Last Review: 02/03/2025\n\nBody"


def test_form_wrapping_the_page_is_kept() -> None:
    # ASP.NET pages (the Medicare Coverage Database) wrap the whole page in one <form>.
    text = render('<form id="aspnetForm"><h2>LCD L12345</h2><p>Coverage Indications</p></form>')
    assert text == "## LCD L12345\n\nCoverage Indications"


def test_title_is_used_when_there_is_no_h1() -> None:
    text = render("<html><head><title>  Medical Policy 2025 </title></head><body><h2>A</h2></body>")
    assert text.split("\n")[:3] == ["# Medical Policy 2025", "", "## A"]


def test_title_is_not_repeated_when_an_h1_exists() -> None:
    text = render("<html><head><title>Site | Page</title></head><body><h1>Real</h1></body>")
    assert text == "# Real"


def test_layout_table_is_rendered_as_blocks() -> None:
    text = render(
        "<table><tr><td><h2>Policy</h2><p>Covered when...</p></td>"
        "<td><table><tr><td>47383</td><td>Ablation</td></tr></table></td></tr></table>"
    )
    assert text.split("\n") == ["## Policy", "", "Covered when...", "", "| 47383 | Ablation |"]


def test_pre_keeps_its_lines() -> None:
    text = render("<pre>Code   Description\n47383  Ablation</pre>")
    assert text == "Code   Description\n47383  Ablation"


def test_windows_1252_meta_charset_decodes_en_dash() -> None:
    page = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        b"</head><body><p>Effective 01/01/2024 \x96 12/31/2025, caf\xe9</p></body></html>"
    )
    assert render(page) == "Effective 01/01/2024 \u2013 12/31/2025, café"


def test_utf16_page_with_bom() -> None:
    page = b"\xff\xfe" + "<html><body><h2>Résumé</h2></body></html>".encode("utf-16-le")
    assert render(page) == "## Résumé"


def test_entities_are_decoded() -> None:
    assert render("<p>A&amp;B&nbsp;&ndash;&#160;C</p>") == "A&B \u2013 C"


def test_xhtml_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    page = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!DOCTYPE html [\n"
        '  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
        f'  <!ENTITY sec SYSTEM "{secret.as_uri()}">\n'
        '  <!ENTITY lol "lollollollollollollol">\n'
        "]>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>T</title></head>'
        "<body><h1>Policy</h1><p>Before &xxe; &sec; &lol; after</p></body></html>"
    )
    text = render(page)
    assert "TOP-SECRET-MARKER" not in text
    assert "root:" not in text and "/bin/" not in text
    assert "lollol" not in text
    # the internal subset does not leak into the text either
    assert "]>" not in text and "ENTITY" not in text
    assert text.split("\n") == ["# Policy", "", "Before &xxe; &sec; &lol; after"]


def test_deeply_nested_markup_does_not_overflow_the_stack() -> None:
    depth = 20_000
    text = render("<div>" * depth + "deep" + "</div>" * depth)
    assert text == "deep"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        # only a script: nothing visible
        (b"<html><body><script>render()</script></body></html>", "empty_file"),
        # binary junk labelled as HTML
        (b"\x00\x01\x02\x03" * 100, "binary_content"),
    ],
)
def test_rejected_pages(page: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as info:
        render(page)
    assert info.value.reason == reason


def test_text_limit() -> None:
    with pytest.raises(DocumentError) as info:
        read_document(b"<p>" + b"x" * 200 + b"</p>", HTML, Limits(max_text_chars=100))
    assert info.value.reason == "text_too_large"
