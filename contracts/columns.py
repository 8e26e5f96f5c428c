"""Column types of the data-sharing agreement and their one description, `ColumnSpec`.

A dataset model annotates each field with one of the types below (`PersonKey`, `Identifier`,
`Date`, ...). Each type carries a `Spec` marker; `ColumnSpec.from_field` turns a pydantic field
into the description every derived artefact (Arrow schema, SQL checks, GX suite, dbt sources,
partner document) is built from.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from dataclasses import dataclass
from typing import Annotated

import pyarrow as pa
from pydantic import BeforeValidator, StringConstraints
from pydantic.fields import FieldInfo

from contracts.enums import Sector


class Kind(enum.StrEnum):
    KEY = "key"  # 64 lower-case hex person_key
    ID = "id"  # 1-40 characters [A-Za-z0-9_.:-]
    DATE = "date"
    TS = "ts"  # naive Danish wall-clock timestamp
    BOOL = "bool"
    INT = "int"
    ENUM = "enum"  # one of a closed set of lower-case words
    TEXT = "text"
    SECTORS = "sectors"  # '|'-separated subset of the Sector enumeration


# The person_key's shape, its one definition (core.identifiers holds the CPR number's; the
# contracts import nothing of sammen, so this one lives here).
PERSON_KEY_LENGTH = 64
PERSON_KEY_DIGITS = "0-9a-f"  # lower-case hex
PERSON_KEY_PATTERN = f"^[{PERSON_KEY_DIGITS}]{{{PERSON_KEY_LENGTH}}}$"
# the shape inside any text, to be compiled with re.IGNORECASE (a copy may have been upper-cased):
# what the scrubbing of check results blanks and the publishing guard refuses
PERSON_KEY_IN_TEXT = f"[{PERSON_KEY_DIGITS}]{{{PERSON_KEY_LENGTH}}}"
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,40}$"


@dataclass(frozen=True)
class Spec:
    """Marker inside `Annotated[...]`: the column's kind, pattern and reference list."""

    kind: Kind
    pattern: str | None = None
    reference: str | None = None  # "municipalities" | "regions" | "programmes"


DATE_FORMAT = r"^\d{4}-\d{2}-\d{2}$"
TS_FORMAT = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"
INT_FORMAT = r"^[+-]?\d+$"


def _written_as(pattern: str, what: str) -> BeforeValidator:
    """Text must be written as the agreement says before pydantic's lenient parsing sees it."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and not compiled.match(value):
            raise ValueError(f"not written as {what}")
        return value

    return BeforeValidator(check)


PersonKey = Annotated[str, Spec(Kind.KEY, PERSON_KEY_PATTERN), StringConstraints(pattern=PERSON_KEY_PATTERN)]
Identifier = Annotated[str, Spec(Kind.ID, ID_PATTERN), StringConstraints(pattern=ID_PATTERN)]
Date = Annotated[dt.date, Spec(Kind.DATE), _written_as(DATE_FORMAT, "a date YYYY-MM-DD")]
Timestamp = Annotated[
    dt.datetime, Spec(Kind.TS), _written_as(TS_FORMAT, "a timestamp YYYY-MM-DD HH:MM[:SS]")
]
Bool = Annotated[bool, Spec(Kind.BOOL)]
Int = Annotated[int, Spec(Kind.INT), _written_as(INT_FORMAT, "a whole number")]
Text = Annotated[str, Spec(Kind.TEXT), StringConstraints(min_length=1)]
MunicipalityCode = Annotated[
    int, Spec(Kind.INT, reference="municipalities"), _written_as(INT_FORMAT, "a whole number")
]
RegionCode = Annotated[int, Spec(Kind.INT, reference="regions"), _written_as(INT_FORMAT, "a whole number")]
ProgrammeCode = Annotated[str, Spec(Kind.TEXT, reference="programmes"), StringConstraints(min_length=1)]
Sectors = Annotated[str, Spec(Kind.SECTORS), StringConstraints(min_length=1)]

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.KEY: pa.string(),
    Kind.ID: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.TS: pa.timestamp("us"),
    Kind.BOOL: pa.bool_(),
    Kind.INT: pa.int64(),
    Kind.ENUM: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.SECTORS: pa.string(),
}

_SQL_TYPES: dict[Kind, str] = {
    Kind.KEY: "VARCHAR",
    Kind.ID: "VARCHAR",
    Kind.DATE: "DATE",
    Kind.TS: "TIMESTAMP",
    Kind.BOOL: "BOOLEAN",
    Kind.INT: "BIGINT",
    Kind.ENUM: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.SECTORS: "VARCHAR",
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: Kind
    nullable: bool
    description: str
    enum_values: tuple[str, ...] | None = None  # ENUM columns, and the tokens of SECTORS columns
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    reference: str | None = None
    description_da: str = ""  # for the Danish partner document: `Field(json_schema_extra={"da": ...})`

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.kind]

    @property
    def duckdb_type(self) -> str:
        return _SQL_TYPES[self.kind]

    @property
    def arrow_field(self) -> pa.Field:
        return pa.field(self.name, self.arrow_type, nullable=self.nullable)

    @classmethod
    def from_field(cls, name: str, field: FieldInfo) -> ColumnSpec:
        inner, nullable = _unwrap_optional(field.annotation)
        metadata = list(field.metadata)
        if typing.get_origin(inner) is Annotated:  # `Type | None`: the markers stay inside
            inner, *extra = typing.get_args(inner)
            metadata += extra
        spec = next((m for m in metadata if isinstance(m, Spec)), None)
        enum_values = None
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            kind, enum_values = Kind.ENUM, tuple(member.value for member in inner)
        elif spec is not None:
            kind = spec.kind
        else:
            raise TypeError(f"column {name!r}: annotate it with one of the contracts.columns types")
        if kind is Kind.SECTORS:
            enum_values = tuple(member.value for member in _sector_enum())
        minimum = next((m.ge for m in metadata if hasattr(m, "ge")), None)
        maximum = next((m.le for m in metadata if hasattr(m, "le")), None)
        if not field.description:
            raise TypeError(f"column {name!r} needs a description")
        return cls(
            name=name,
            kind=kind,
            nullable=nullable,
            description=field.description,
            enum_values=enum_values,
            pattern=spec.pattern if spec else None,
            minimum=minimum,
            maximum=maximum,
            reference=spec.reference if spec else None,
            description_da=str((field.json_schema_extra or {}).get("da", "")) if isinstance(field.json_schema_extra, dict) else "",
        )


def _unwrap_optional(annotation: object) -> tuple[object, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _sector_enum() -> type[enum.Enum]:
    return Sector
