"""Column types and shared fields for the pandera models; the Arrow schema of every table is
derived from its model here, so the model is the one source of truth for names and types."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

# Warehouse-friendly Arrow types (see DESIGN.md section 3): UTC microsecond timestamps,
# date32 dates, decimal128 money. Frames are validated with these pyarrow-backed dtypes.
Str = Series[Annotated[pd.ArrowDtype, pyarrow.string()]]
Int = Series[Annotated[pd.ArrowDtype, pyarrow.int64()]]
Bool = Series[Annotated[pd.ArrowDtype, pyarrow.bool_()]]
Date = Series[Annotated[pd.ArrowDtype, pyarrow.date32()]]
Money = Series[Annotated[pd.ArrowDtype, pyarrow.decimal128(18, 2)]]
Timestamp = Series[Annotated[pd.ArrowDtype, pyarrow.timestamp("us", tz="UTC")]]

PROCEDURE_CODE = r"^(?:\d{5}|\d{4}[FT]|[A-Z]\d{4})$"
ICD10CM_CODE = r"^[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?$"
SHA256_HEX = r"^[0-9a-f]{64}$"


def doc_id_field(**kwargs: Any) -> Any:
    return pa.Field(str_matches=SHA256_HEX, description="sha256 of the file's raw bytes", **kwargs)


def provenance_fields() -> dict[str, Any]:
    """Fields every extracted record carries: where in the document it was found."""
    return {
        "section_ordinal": pa.Field(
            nullable=True, ge=0, description="ordinal of the document_sections row"
        ),
        "char_start": pa.Field(ge=0, description="offset of the first character in the text"),
        "char_end": pa.Field(ge=0, description="offset after the last character in the text"),
    }


def arrow_schema(model: type[pa.DataFrameModel]) -> pyarrow.Schema:
    """The Arrow schema a dataset is written with, derived from its pandera model."""
    fields = []
    for name, column in model.to_schema().columns.items():
        dtype = column.dtype.type
        if not isinstance(dtype, pd.ArrowDtype):  # pragma: no cover - guarded by a test
            raise TypeError(f"{model.__name__}.{name} must use a pyarrow-backed dtype")
        fields.append(pyarrow.field(name, dtype.pyarrow_dtype, nullable=column.nullable))
    return pyarrow.schema(fields)


class DocumentRecord(pa.DataFrameModel):
    """Fields every extracted record carries: its document and where in it it was found."""

    doc_id: Str = doc_id_field()
    section_ordinal: Int = pa.Field(
        nullable=True, ge=0, description="ordinal of the document_sections row it came from"
    )
    char_start: Int = pa.Field(ge=0, description="offset of its first character in the text")
    char_end: Int = pa.Field(ge=0, description="offset after its last character in the text")
