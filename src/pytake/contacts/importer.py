"""Reads contacts from CSV bytes into valid rows and per-row errors, without any I/O."""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pytake.contacts.limits import (
    MAX_ATTRIBUTES,
    MAX_NAME_LENGTH,
    check_attribute_key,
    check_attributes,
    normalize_tags,
)
from pytake.contacts.phones import normalize_phone

MAX_CSV_BYTES = 20 * 1024 * 1024

_RESERVED_COLUMNS = ("name", "phone", "tags", "opted_out")
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (encoding, size, header), so no row is taken."""


@dataclass(frozen=True)
class ContactRow:
    """One contact to create or update; `opted_out=None` leaves an existing contact's as is.

    `row` is where the contact came from: its CSV line number (the header is line 1), or its
    1-based position in a JSON list.
    """

    row: int
    name: str
    phone: str
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    opted_out: bool | None = None


@dataclass(frozen=True)
class RowError:
    """Why a row was not saved; `field` is the contact's field at fault, when it is known."""

    row: int
    error: str
    field: str | None = None


@dataclass
class ParsedCsv:
    rows: list[ContactRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Columns:
    width: int
    name: int
    phone: int
    tags: int | None
    opted_out: int | None
    attributes: list[tuple[int, str]]


def parse_contacts_csv(data: bytes) -> ParsedCsv:
    """Valid rows and the errors of the others; CsvFormatError when the file is unusable.

    The header row must name `name` and `phone` (any case); `tags` is split on `;`,
    `opted_out` takes true/false, 1/0 or yes/no, and every other named column becomes a string
    attribute (blank cells are left out). A row's number is the CSV line it starts on.
    """
    if len(data) > MAX_CSV_BYTES:
        raise CsvFormatError(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")
    records = _numbered_records(_decode(data))
    header = next(records, None)
    columns = _read_header(None if header is None else header[1])
    parsed = ParsedCsv()
    for line, values in records:
        try:
            parsed.rows.append(_build_row(line, values, columns))
        except ValueError as exc:
            parsed.errors.append(RowError(line, str(exc)))
    return parsed


def merge_duplicate_phones(rows: Iterable[ContactRow]) -> list[ContactRow]:
    """One row per phone, in first-seen order: later values win, attributes and tags add up."""
    merged: dict[str, ContactRow] = {}
    for row in rows:
        earlier = merged.get(row.phone)
        merged[row.phone] = row if earlier is None else _merge(earlier, row)
    return list(merged.values())


def _merge(earlier: ContactRow, later: ContactRow) -> ContactRow:
    return ContactRow(
        row=later.row,
        name=later.name,
        phone=later.phone,
        attributes={**earlier.attributes, **later.attributes},
        tags=sorted({*earlier.tags, *later.tags}),
        opted_out=earlier.opted_out if later.opted_out is None else later.opted_out,
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            f"the file is not UTF-8 text (undecodable byte at offset {exc.start}); "
            "export it as 'CSV UTF-8'"
        ) from None


def _read_header(header: list[str] | None) -> _Columns:
    if header is None:
        raise CsvFormatError("the file is empty: expected a header row with name and phone")
    keys = [cell.strip() for cell in header]
    lowered = [key.lower() for key in keys]
    missing = [column for column in ("name", "phone") if column not in lowered]
    if missing:
        raise CsvFormatError(
            "the header row must contain the columns name and phone "
            f"(missing: {', '.join(missing)})"
        )
    repeated = sorted({key for key in lowered if key and lowered.count(key) > 1})
    if repeated:
        raise CsvFormatError(f"the header row repeats the column {repeated[0]!r}")
    attributes = [
        (index, key)
        for index, key in enumerate(keys)
        if key and lowered[index] not in _RESERVED_COLUMNS
    ]
    _check_attribute_columns([key for _, key in attributes])
    return _Columns(
        width=len(keys),
        name=lowered.index("name"),
        phone=lowered.index("phone"),
        tags=lowered.index("tags") if "tags" in lowered else None,
        opted_out=lowered.index("opted_out") if "opted_out" in lowered else None,
        attributes=attributes,
    )


def _check_attribute_columns(keys: list[str]) -> None:
    """Attribute columns every row would break the bounds with refuse the whole file."""
    if len(keys) > MAX_ATTRIBUTES:
        raise CsvFormatError(
            f"the header has {len(keys)} attribute columns, but a contact has at most "
            f"{MAX_ATTRIBUTES} attributes"
        )
    for key in keys:
        try:
            check_attribute_key(key)
        except ValueError as exc:
            raise CsvFormatError(f"the header has an {exc}") from None


def _numbered_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                yield line, values
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFormatError(f"malformed CSV at line {reader.line_num}: {exc}") from None


def _build_row(line: int, values: list[str], columns: _Columns) -> ContactRow:
    if len(values) > columns.width:
        raise ValueError(f"{len(values)} fields, but the header has {columns.width}")
    cells = [value.strip() for value in values] + [""] * (columns.width - len(values))
    name = cells[columns.name]
    if not name:
        raise ValueError("missing name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name longer than {MAX_NAME_LENGTH} characters")
    attributes = {key: cells[index] for index, key in columns.attributes if cells[index]}
    check_attributes(attributes)
    return ContactRow(
        row=line,
        name=name,
        phone=normalize_phone(cells[columns.phone]),
        attributes=attributes,
        tags=[] if columns.tags is None else normalize_tags(cells[columns.tags].split(";")),
        opted_out=None if columns.opted_out is None else _parse_flag(cells[columns.opted_out]),
    )


def _parse_flag(text: str) -> bool | None:
    if not text:
        return None
    try:
        return _FLAGS[text.lower()]
    except KeyError:
        raise ValueError(
            f"invalid opted_out value: {text!r} (use true/false, 1/0 or yes/no)"
        ) from None
