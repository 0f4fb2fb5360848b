"""`document_sections`: one row per section of a document."""

import pandera.pandas as pa

from schemas.base import Int, Str, doc_id_field


class DocumentSection(pa.DataFrameModel):
    doc_id: Str = doc_id_field()
    ordinal: Int = pa.Field(ge=0, description="position of the section in the document")
    heading: Str = pa.Field(nullable=True, description="heading as written; null for the preamble")
    level: Int = pa.Field(ge=0, le=6, description="markdown heading level, 0 when unmarked")
    text: Str = pa.Field(description="the section's text below its heading")
    char_start: Int = pa.Field(ge=0, description="offset of the heading in the document text")
    char_end: Int = pa.Field(ge=0, description="offset after the section's last character")
    page: Int = pa.Field(nullable=True, ge=1, description="PDF page the section starts on")

    class Config:
        strict = True
        coerce = True
        unique = ["doc_id", "ordinal"]
