"""Split a document's text into sections at its headings, keeping character offsets and pages.

Both extractors (code reports and payer policies) and the `document_sections` dataset use
this one splitter, so every extracted field can name the section it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.model import DocumentText
from flows.textkit.headings import heading_key, heading_text
from flows.textkit.lines import Line, iter_lines


@dataclass(slots=True)
class Section:
    """A heading and the lines under it up to the next heading.

    `ordinal` 0 is the preamble before the first heading (heading None). `char_start` is
    the heading line's offset, `char_end` the end of the last line of the section.
    """

    ordinal: int
    heading: str | None
    level: int
    lines: list[Line]
    char_start: int
    char_end: int
    page: int | None
    #: The document's text: `lines` are consecutive lines of it.
    source: str = field(repr=False, compare=False)
    key: str = ""  # the heading normalised by heading_key, computed once

    def __post_init__(self) -> None:
        self.key = heading_key(self.heading or "")

    @property
    def body(self) -> str:
        """The section's lines as one text, stripped: the span of the document they cover
        (a slice, not a join of every line)."""
        if not self.lines:
            return ""
        return self.source[self.lines[0].start : self.lines[-1].end].strip()

    def row(self) -> dict[str, object]:
        """The `document_sections` record of this section."""
        return {
            "ordinal": self.ordinal,
            "heading": self.heading,
            "level": self.level,
            "text": self.body,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "page": self.page,
        }


def split_sections(doc: DocumentText, lines: list[Line] | None = None) -> list[Section]:
    """Sections of `doc` in order; the preamble is kept only when it has text.

    `lines` are the lines of `doc.text` (`iter_lines`) when the caller has them already
    (saves a pass).
    """
    sections: list[Section] = []
    text = doc.text
    current = Section(0, None, 0, [], 0, 0, doc.page_at(0), text)
    for line in lines if lines is not None else iter_lines(text):
        found = heading_text(line.text)
        if found is not None:
            if current.heading is not None or current.body:
                current.char_end = current.lines[-1].end if current.lines else current.char_start
                sections.append(current)
            level, heading = found
            current = Section(
                len(sections),
                heading,
                level,
                [],
                line.start,
                line.end,
                doc.page_at(line.start),
                text,
            )
        else:
            current.lines.append(line)
    if current.heading is not None or current.body:
        current.char_end = current.lines[-1].end if current.lines else current.char_end
        sections.append(current)
    for ordinal, section in enumerate(sections):
        section.ordinal = ordinal
    return sections
