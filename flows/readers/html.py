"""HTML and XHTML pages to DocumentText: visible text in document order, structure as lines.

Headings become `#` lines, list items `- item`, data tables pipe rows; scripts, styles,
navigation and page chrome are dropped. selectolax (lexbor) is an HTML5 parser: it never
loads DTDs, resolves external entities or fetches anything; an XHTML internal DTD subset is
cut off before parsing so its entity declarations cannot leak into the text either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from flows.model import DocumentError, DocumentText, Limits
from flows.readers.decode import decode_html
from flows.readers.limits import check_text_size
from flows.readers.text import pipe_row

# Never rendered, children included.
_DROP = frozenset(
    {
        "script",
        "style",
        "nav",
        "footer",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "template",
        "svg",
        "math",
        "canvas",
        "object",
        "embed",
        "audio",
        "video",
        "button",
        "input",
        "select",
        "textarea",
        "datalist",
        "dialog",
        "title",
        "meta",
        "link",
        "head",
    }
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that start and end a text block; everything else flows inline.
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "form",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "ol",
        "p",
        "section",
        "summary",
        "ul",
        # Only reached inside layout tables, which are rendered as plain blocks.
        "caption",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
    }
)
_SECTIONING = frozenset({"article", "main", "section"})
# A form wrapping real content (ASP.NET pages wrap the whole page in one) is kept.
_CONTENT_IN_FORM = "h1, h2, h3, h4, h5, h6, p, table, li"
_LAYOUT_MARKERS = ", ".join(
    f"{cell} {inner}"
    for cell in ("td", "th")
    for inner in ("table", "h1", "h2", "h3", "h4", "h5", "h6")
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# The prolog of an XHTML file: XML declaration and a DOCTYPE with its internal subset.
_XML_PROLOG = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>",
    re.IGNORECASE | re.DOTALL,
)
_PROLOG_SCAN = 65536
_WS = re.compile(r"\s+")
_MAX_SPAN = 100
_MAX_ROWSPAN = 65534


def strip_xml_prolog(html: str) -> str:
    """Remove a leading XML declaration and DOCTYPE, with any internal DTD subset.

    An HTML5 parser ends a DOCTYPE at the first `>`, so an internal subset would otherwise
    spill into the body as text (`]>`); its entities are never expanded either way.
    """
    head = html[:_PROLOG_SCAN]
    match = _XML_PROLOG.match(head)
    if match is None:
        return html
    return html[match.end() :]


def _collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(slots=True)
class _Block:
    kind: str  # "p", "h", "li", "table", "pre"
    lines: list[str]


@dataclass(slots=True)
class _Renderer:
    blocks: list[_Block] = field(default_factory=list)
    # Inline text of the block being built; None marks a <br>.
    buf: list[str | None] = field(default_factory=list)
    list_prefix: bool = False

    def flush(self) -> None:
        if not self.buf:
            return
        parts: list[str] = []
        current: list[str] = []
        for piece in self.buf:
            if piece is None:
                parts.append(_collapse("".join(current)))
                current = []
            else:
                current.append(piece)
        parts.append(_collapse("".join(current)))
        self.buf = []
        lines = [p for p in parts if p]
        if not lines:
            return
        if self.list_prefix:
            lines[0] = "- " + lines[0]
            self.list_prefix = False
            self.blocks.append(_Block("li", lines))
        else:
            self.blocks.append(_Block("p", lines))

    def emit(self, block: _Block) -> None:
        self.flush()
        self.blocks.append(block)


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    if (attrs.get("role") or "").lower() == "navigation":
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _is_chrome_header(node: LexborNode) -> bool:
    """A <header> outside article/main/section is page chrome (logo, menus, search)."""
    parent = node.parent
    while parent is not None:
        if parent.tag in _SECTIONING:
            return False
        parent = parent.parent
    return True


_DIGITS = re.compile(r"\s*(\d+)")


def _span(attrs: dict[str, str | None], name: str, upper: int) -> int:
    raw = attrs.get(name)
    if not raw:
        return 1
    digits = _DIGITS.match(raw)
    if digits is None:
        return 1
    value = int(digits.group(1)[:6])
    if name == "rowspan" and value == 0:
        return upper  # rowspan="0" spans the rest of the table section
    return max(1, min(value, upper))


def inline_text(node: LexborNode) -> str:
    """All visible text under `node` on one line; block edges and <br> become spaces."""
    pieces: list[str] = []
    stack: list[LexborNode] = [node]
    while stack:
        current = stack.pop()
        tag = current.tag
        if tag == "-text":
            pieces.append(current.text_content or "")
            continue
        if tag is None or tag.startswith("-"):
            continue
        if current is not node and (tag in _DROP or _is_hidden(current)):
            continue
        if tag == "br" or tag in _BLOCKS or tag in _HEADINGS:
            pieces.append(" ")
        children = list(current.iter(include_text=True))
        stack.extend(reversed(children))
    return _collapse("".join(pieces))


def _own_rows(table: LexborNode) -> list[LexborNode]:
    rows: list[LexborNode] = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(row for row in child.iter() if row.tag == "tr")
    return rows


def _own_cells(row: LexborNode) -> list[LexborNode]:
    return [cell for cell in row.iter() if cell.tag in ("td", "th")]


def _is_layout_table(table: LexborNode) -> bool:
    """Tables used for page layout hold headings or other tables: render them as blocks."""
    if (table.attributes.get("role") or "").lower() in ("presentation", "none"):
        return True
    # css() also tests the table itself (a data table nested in a layout cell matches
    # "td table"), so only other nodes count.
    own = table.mem_id
    return any(match.mem_id != own for match in table.css(_LAYOUT_MARKERS))


def render_table(table: LexborNode) -> list[str]:
    """One pipe row per <tr>, spans padded with empty cells so columns stay aligned.

    A row made of one cell (a grouping row such as "Covered when criteria are met") is a
    single-cell row `| text |`.
    """
    rows = _own_rows(table)
    lines: list[str] = []
    # Columns still covered by a rowspan from an earlier row: column -> rows remaining.
    pending: dict[int, int] = {}
    for index, row in enumerate(rows):
        cells = _own_cells(row)
        if not cells:
            continue
        texts = [inline_text(cell) for cell in cells]
        if len(cells) == 1 and not pending:
            if texts[0]:
                lines.append(pipe_row(texts))
            continue
        out: list[str] = []
        placed: dict[int, int] = {}
        col = 0
        for cell, text in zip(cells, texts, strict=True):
            while col in pending:
                out.append("")
                col += 1
            attrs = cell.attributes
            colspan = _span(attrs, "colspan", _MAX_SPAN)
            rowspan = _span(attrs, "rowspan", min(_MAX_ROWSPAN, len(rows) - index))
            out.append(text)
            out.extend([""] * (colspan - 1))
            if rowspan > 1:
                for c in range(col, col + colspan):
                    placed[c] = rowspan - 1
            col += colspan
        # Columns at the end of the row still covered from above.
        while pending and col <= max(pending):
            out.append("")
            col += 1
        pending = {c: n - 1 for c, n in pending.items() if n > 1}
        pending.update(placed)
        if any(out):
            lines.append(pipe_row(out))
    return lines


def _render(body: LexborNode) -> list[_Block]:
    r = _Renderer()
    # Work stack: a node to enter, or ("exit", node) to close a block.
    stack: list[LexborNode | tuple[str, LexborNode]] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            r.flush()
            if item[1].tag == "li":
                r.list_prefix = False
            continue
        node = item
        tag = node.tag
        if tag == "-text":
            r.buf.append(node.text_content or "")
            continue
        if tag is None or tag.startswith("-") or tag in _DROP or _is_hidden(node):
            continue
        if tag == "br":
            r.buf.append(None)
            continue
        if tag in _HEADINGS:
            text = inline_text(node)
            if text:
                r.emit(_Block("h", ["#" * _HEADINGS[tag] + " " + text]))
            continue
        if tag == "header" and _is_chrome_header(node):
            # Keep the page title (a <h1> in the banner), drop logos, menus and search.
            for h1 in node.css("h1"):
                text = inline_text(h1)
                if text:
                    r.emit(_Block("h", ["# " + text]))
            continue
        if tag == "form" and node.css_first(_CONTENT_IN_FORM) is None:
            continue
        if tag == "pre":
            raw = node.text(deep=True).strip("\n")
            lines = [line.rstrip() for line in raw.split("\n")]
            if any(lines):
                r.emit(_Block("pre", lines))
            continue
        if tag == "table" and not _is_layout_table(node):
            caption = node.css_first("caption")
            if caption is not None and (caption_text := inline_text(caption)):
                r.emit(_Block("p", [caption_text]))
            rows = render_table(node)
            if rows:
                r.emit(_Block("table", rows))
            continue
        children = list(node.iter(include_text=True))
        if tag in _BLOCKS:
            r.flush()
            if tag == "li":
                r.list_prefix = True
            stack.append(("exit", node))
        stack.extend(reversed(children))
    r.flush()
    return r.blocks


def _join(blocks: list[_Block]) -> str:
    out: list[str] = []
    previous: _Block | None = None
    for block in blocks:
        if previous is not None:
            # Consecutive list items stay together, other blocks get a blank line between.
            out.append("\n" if block.kind == previous.kind == "li" else "\n\n")
        out.append("\n".join(block.lines))
        previous = block
    return "".join(out)


def render_html(html: str) -> str:
    """Render decoded HTML as text lines (see the module docstring for the conventions)."""
    tree = LexborHTMLParser(strip_xml_prolog(html))
    root = tree.body or tree.root
    blocks = _render(root) if root is not None else []
    if not any(b.kind == "h" and b.lines[0].startswith("# ") for b in blocks):
        title = tree.css_first("title")
        title_text = inline_text(title) if title is not None else ""
        if title_text:
            blocks.insert(0, _Block("h", ["# " + title_text]))
    return _join(blocks)


def read_html(data: bytes, media_type: str, limits: Limits) -> DocumentText:
    """Decode and render an HTML page.

    Raises DocumentError: `empty_file` (no bytes, or no visible text), `decode_error`,
    `binary_content`, `text_too_large`.
    """
    html = decode_html(data)
    text = render_html(html)
    if not text.strip():
        raise DocumentError(
            "empty_file",
            "The HTML page has no visible text (it may be filled in by JavaScript); save "
            "the page from a browser after it has loaded, or export the policy as PDF.",
        )
    check_text_size(len(text), limits, "HTML page")
    return DocumentText(text=text, media_type=media_type)
