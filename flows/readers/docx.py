"""Word (.docx) files to DocumentText: body paragraphs and tables in document order.

The zip container is checked for decompression bombs before anything is parsed. python-docx
opens the package; the body XML is then walked directly (faster than its object API, and it
sees content controls, tracked insertions and text boxes that `Document.paragraphs` misses).

XML safety: python-docx parses every part with its own lxml parser,
`etree.XMLParser(remove_blank_text=True, resolve_entities=False)` (docx/oxml/parser.py and
docx/opc/oxml.py, python-docx 1.2), and lxml's defaults keep `load_dtd=False`,
`no_network=True` and `huge_tree=False`: no external entity or DTD is fetched, no entity is
expanded, and libxml2's depth and text-size caps stay on. tests/readers/test_readers_docx.py
checks this with an XXE document.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from flows.model import DocumentError, DocumentText, Limits
from flows.readers.limits import check_text_size
from flows.readers.text import pipe_row

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_MAX_MEMBERS = 2000
# The compression-ratio check applies to members big enough to matter.
_RATIO_MIN_BYTES = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _TBL, _TR, _TC, _T = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}t"
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_VAL = f"{_W}val"
_TXBX = f"{_W}txbxContent"
# Run content rendered as characters.
_CHARS = {
    f"{_W}tab": "\t",
    f"{_W}ptab": "\t",
    f"{_W}br": "\n",
    f"{_W}cr": "\n",
    f"{_W}noBreakHyphen": "-",
}
# Subtrees whose text is not part of the visible paragraph: deleted or moved-away text,
# field instructions, the fallback copy of a drawing (it repeats mc:Choice), paragraph and
# run properties, and text boxes (rendered as their own blocks after the paragraph).
_SKIP = frozenset(
    {
        f"{_W}del",
        f"{_W}moveFrom",
        f"{_W}instrText",
        f"{_W}pPr",
        f"{_W}rPr",
        f"{_MC}Fallback",
        _TXBX,
    }
)
_HEADING_ID = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST_STYLE_ID = re.compile(r"^List(?:Paragraph|Bullet|Number)\d*$")


# --- container checks ---------------------------------------------------------------------


def _unreadable(detail: str) -> DocumentError:
    return DocumentError(
        "docx_unreadable",
        f"The Word file cannot be read ({detail}); open it in Word and save it again as "
        ".docx, or download it again.",
    )


def _bomb(detail: str) -> DocumentError:
    return DocumentError(
        "zip_bomb",
        f"The .docx archive looks like a decompression bomb ({detail}); it was not opened. "
        "If the document is genuine, re-save it in Word or raise the zip limits.",
    )


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse an archive before decompressing anything, from its central directory alone.

    Python's zipfile never inflates a member beyond its declared size (a lying size ends in
    a CRC error), so the declared sizes are a safe bound.
    """
    if data.startswith(_OLE_MAGIC):
        raise _unreadable(
            "it is a password-protected .docx or an old binary .doc; remove the password "
            "or convert it to .docx first"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable(f"not a valid zip archive: {exc}") from None
    if len(infos) > _MAX_MEMBERS:
        raise _bomb(f"{len(infos):,} members, the limit is {_MAX_MEMBERS:,}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise _bomb(f"{total:,} bytes uncompressed, the limit is {limits.max_unzipped_bytes:,}")
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Word only writes deflate; other codecs inflate without an output cap per read.
            raise _unreadable(f"member {info.filename!r} uses an unsupported compression")
        if info.file_size >= _RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_zip_ratio:
                raise _bomb(
                    f"member {info.filename!r} expands {ratio:,.0f} times, "
                    f"the limit is {limits.max_zip_ratio:g}"
                )


# --- styles -------------------------------------------------------------------------------


def _heading_level_of_name(style_id: str, name: str) -> int | None:
    for candidate in (style_id, name):
        match = _HEADING_ID.match(candidate)
        if match:
            return max(1, int(match.group(1)))
        if candidate.lower() == "title":
            return 1
    return None


# Per style id: (name, heading level, is a list style, basedOn style id).
_StyleInfo = tuple[str, int | None, bool, str | None]


class _Styles:
    """Heading level and list-ness per paragraph style id, following `basedOn` chains."""

    def __init__(self, styles_root: Any) -> None:
        self._info: dict[str, _StyleInfo] = {}
        if styles_root is None:
            return
        for style in styles_root.iterchildren(f"{_W}style"):
            if style.get(f"{_W}type") not in (None, "paragraph"):
                continue
            style_id = style.get(f"{_W}styleId") or ""
            name_el = style.find(f"{_W}name")
            name = (name_el.get(_VAL) if name_el is not None else None) or ""
            level = _heading_level_of_name(style_id, name)
            ppr = style.find(f"{_W}pPr")
            is_list = False
            if ppr is not None:
                outline = ppr.find(f"{_W}outlineLvl")
                if level is None and outline is not None:
                    level = _outline_level(outline)
                num = ppr.find(f"{_W}numPr")
                is_list = num is not None and _numbered(num)
            based = style.find(f"{_W}basedOn")
            parent = based.get(_VAL) if based is not None else None
            self._info[style_id] = (name, level, is_list, parent)

    def _chain(self, style_id: str) -> Iterator[tuple[str, _StyleInfo]]:
        seen: set[str] = set()
        current: str | None = style_id
        while current and current not in seen and len(seen) < 20:
            seen.add(current)
            info = self._info.get(current)
            if info is None:
                return
            yield current, info
            current = info[3]

    def heading_level(self, style_id: str) -> int | None:
        direct = _heading_level_of_name(style_id, "")
        if direct is not None:
            return direct
        for _, (_, level, _, _) in self._chain(style_id):
            if level is not None:
                return level
        return None

    def is_list(self, style_id: str) -> bool:
        if _LIST_STYLE_ID.match(style_id):
            return True
        return any(is_list for _, (_, _, is_list, _) in self._chain(style_id))


def _outline_level(element: Any) -> int | None:
    try:
        value = int(element.get(_VAL) or "9")
    except ValueError:
        return None
    return value + 1 if 0 <= value < 9 else None


def _numbered(num_pr: Any) -> bool:
    num_id = num_pr.find(f"{_W}numId")
    return num_id is None or (num_id.get(_VAL) or "0") != "0"


# --- body ---------------------------------------------------------------------------------


def _block_items(container: Any) -> Iterator[Any]:
    """w:p and w:tbl children in order, looking through content controls and custom XML."""
    stack = list(reversed(list(container.iterchildren())))
    while stack:
        child = stack.pop()
        tag = child.tag
        if tag in (_P, _TBL):
            yield child
        elif tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
            stack.extend(reversed(list(child.iterchildren())))


def _paragraph_text(paragraph: Any) -> tuple[str, list[Any]]:
    """Visible text of a w:p, and the text boxes anchored in it."""
    pieces: list[str] = []
    boxes: list[Any] = []
    stack = list(reversed(list(paragraph.iterchildren())))
    while stack:
        element = stack.pop()
        tag = element.tag
        if not isinstance(tag, str):  # comments, processing instructions, entity refs
            continue
        if tag == _T:
            # An unresolved entity reference is a child node: keep the text around it.
            if len(element):
                pieces.append("".join(element.itertext()))
            else:
                pieces.append(element.text or "")
            continue
        if tag in _CHARS:
            pieces.append(_CHARS[tag])
            continue
        if tag == _TXBX:
            boxes.append(element)
            continue
        if tag in _SKIP:
            continue
        stack.extend(reversed(list(element.iterchildren())))
    return "".join(pieces), boxes


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _cell_text(cell: Any) -> str:
    parts: list[str] = []
    for item in _block_items(cell):
        if item.tag == _P:
            text, boxes = _paragraph_text(item)
            parts.append(text)
            parts.extend(_cell_text(box) for box in boxes)
        else:
            for row in _rows(item):
                parts.extend(_cell_text(c) for c in _cells(row))
    return _collapse(" ".join(parts))


def _rows(table: Any) -> list[Any]:
    return [item for item in _children_through_wrappers(table) if item.tag == _TR]


def _cells(row: Any) -> list[Any]:
    return [item for item in _children_through_wrappers(row) if item.tag == _TC]


def _children_through_wrappers(element: Any) -> Iterator[Any]:
    stack = list(reversed(list(element.iterchildren())))
    while stack:
        child = stack.pop()
        if child.tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
            stack.extend(reversed(list(child.iterchildren())))
        else:
            yield child


def _int_prop(parent: Any, path: str, default: int) -> int:
    element = parent.find(path) if parent is not None else None
    if element is None:
        return default
    try:
        return max(0, min(int(element.get(_VAL) or default), 100))
    except ValueError:
        return default


def render_table(table: Any) -> list[str]:
    """One pipe row per w:tr; merged cells padded so columns stay aligned.

    A row made of one cell (horizontally merged across the table, or simply alone) is a
    single-cell row. A vertically merged continuation cell is an empty cell.
    """
    lines: list[str] = []
    for row in _rows(table):
        tr_pr = row.find(f"{_W}trPr")
        out: list[str] = [""] * _int_prop(tr_pr, f"{_W}gridBefore", 0)
        starts = 0
        for cell in _cells(row):
            tc_pr = cell.find(f"{_W}tcPr")
            span = max(1, _int_prop(tc_pr, f"{_W}gridSpan", 1))
            h_merge = tc_pr.find(f"{_W}hMerge") if tc_pr is not None else None
            if h_merge is not None and h_merge.get(_VAL) != "restart":
                out.append("")  # legacy horizontal merge: continuation of the cell before
                continue
            v_merge = tc_pr.find(f"{_W}vMerge") if tc_pr is not None else None
            continued = v_merge is not None and v_merge.get(_VAL) != "restart"
            out.append("" if continued else _cell_text(cell))
            out.extend([""] * (span - 1))
            starts += 1
        if starts == 1 and sum(1 for c in out if c) <= 1:
            text = next((c for c in out if c), "")
            if text:
                lines.append(pipe_row([text]))
        elif any(out):
            lines.append(pipe_row(out))
    return lines


def _paragraph_style(paragraph: Any) -> tuple[str, int | None, bool]:
    """(style id, direct outline level, has numbering) from w:pPr."""
    ppr = paragraph.find(f"{_W}pPr")
    if ppr is None:
        return "", None, False
    style = ppr.find(f"{_W}pStyle")
    style_id = (style.get(_VAL) if style is not None else None) or ""
    outline = ppr.find(f"{_W}outlineLvl")
    level = _outline_level(outline) if outline is not None else None
    num = ppr.find(f"{_W}numPr")
    return style_id, level, num is not None and _numbered(num)


def _render_body(body: Any, styles: _Styles) -> list[tuple[str, list[str]]]:
    """Blocks as (kind, lines), kind one of "p", "h", "li", "table"."""
    blocks: list[tuple[str, list[str]]] = []
    # A stack; text boxes found in a paragraph are pushed so they render right after it.
    work: list[Any] = list(reversed(list(_block_items(body))))
    while work:
        item = work.pop()
        if item.tag == _TBL:
            rows = render_table(item)
            if rows:
                blocks.append(("table", rows))
            continue
        raw, boxes = _paragraph_text(item)
        for box in reversed(boxes):
            work.extend(reversed(list(_block_items(box))))
        lines = [_collapse(line) for line in raw.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        style_id, direct_level, numbered = _paragraph_style(item)
        level = direct_level or styles.heading_level(style_id)
        if level is not None:
            blocks.append(("h", ["#" * min(level, 6) + " " + " ".join(lines)]))
        elif numbered or styles.is_list(style_id):
            lines[0] = "- " + lines[0]
            blocks.append(("li", lines))
        else:
            blocks.append(("p", lines))
    return blocks


def _join(blocks: list[tuple[str, list[str]]]) -> str:
    out: list[str] = []
    previous = ""
    for kind, lines in blocks:
        if out:
            out.append("\n" if kind == previous == "li" else "\n\n")
        out.append("\n".join(lines))
        previous = kind
    return "".join(out)


def read_docx(data: bytes, limits: Limits) -> DocumentText:
    """Render a .docx body: headings `#`, list items `- `, tables as pipe rows, in order.

    Raises DocumentError: `empty_file`, `zip_bomb`, `docx_unreadable`, `text_too_large`.
    """
    if not data:
        raise DocumentError("empty_file", "The Word file is empty (0 bytes); download it again.")
    check_zip(data, limits)
    # Imported here: python-docx pulls in lxml and its oxml registry, which only DOCX needs.
    import docx
    from docx.opc.exceptions import OpcError

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        styles = _Styles(document.styles.element)
        text = _join(_render_body(body, styles))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _unreadable(str(exc) or type(exc).__name__) from None
    except Exception as exc:  # lxml syntax errors and other malformed-part failures
        raise _unreadable(f"{type(exc).__name__}: {exc}") from exc
    if not text.strip():
        raise DocumentError(
            "empty_file",
            "The Word document has no text in its body; check that it is the right file.",
        )
    check_text_size(len(text), limits, "Word document")
    return DocumentText(text=text, media_type=MEDIA_TYPE)
