"""API shapes of contacts: what a client sends and what it gets back."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pytake.contacts.limits import MAX_NAME_LENGTH, check_attributes, normalize_tags
from pytake.contacts.phones import normalize_phone
from pytake.core.json_values import finite_json

MAX_BULK_CONTACTS = 10_000
Value = TypeVar("Value")
Checked = TypeVar("Checked")


def _plain_errors(kind: str, check: Callable[[Value], Checked]) -> Callable[[Value], Checked]:
    """`check` with its ValueError's message kept as is, without pydantic's "Value error, "."""

    def checked(value: Value) -> Checked:
        try:
            return check(value)
        except ValueError as exc:
            raise PydanticCustomError(kind, "{error}", {"error": str(exc)}) from None

    return checked


def _attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    check_attributes(attributes)
    return attributes


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH)
]
RawPhone = Annotated[str, StringConstraints(max_length=64)]
Phone = Annotated[RawPhone, AfterValidator(_plain_errors("phone_number", normalize_phone))]
Tags = Annotated[list[str], AfterValidator(_plain_errors("contact_tags", normalize_tags))]
Attributes = Annotated[
    dict[str, Any],
    AfterValidator(finite_json),
    AfterValidator(_plain_errors("contact_attributes", _attributes)),
]


class ContactIn(BaseModel):
    """One contact of a bulk upload: its phone is checked per row, so one bad phone fails
    only its own row."""

    name: Name
    phone: RawPhone
    attributes: Attributes = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)
    opted_out: bool | None = None


class ContactCreate(ContactIn):
    phone: Phone


class ContactUpdate(BaseModel):
    """A partial update: only the fields sent change; `attributes` and `tags` are replaced."""

    name: Name | None = None
    phone: Phone | None = None
    attributes: Attributes | None = None
    tags: Tags | None = None
    opted_out: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    phone: str
    attributes: dict[str, Any]
    tags: list[str]
    opted_out: bool
    created_at: datetime
    updated_at: datetime


class ContactList(BaseModel):
    items: list[ContactRead]
    next_cursor: str | None


class RowErrorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row: int
    error: str


class ImportResult(BaseModel):
    """Outcome of an upload: rows sent = created + updated + duplicates + errors_total.

    `duplicates` counts rows merged into an earlier row of the same phone (a large CSV's rows
    are merged a chunk at a time, so a phone repeated far apart counts as updated instead);
    `errors` lists the first 1,000 rejected rows, `errors_total` counts them all.
    """

    model_config = ConfigDict(from_attributes=True)

    created: int
    updated: int
    duplicates: int
    errors: list[RowErrorRead]
    errors_total: int


BulkContacts = Annotated[list[ContactIn], Field(max_length=MAX_BULK_CONTACTS)]
