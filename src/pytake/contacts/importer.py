"""Reads contacts from a CSV file a chunk of rows at a time: valid rows and per-row errors.

Reading blocks (it is plain file I/O and parsing), so the service runs it in a thread; memory
stays flat whatever the file's size.
"""

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from pytake.contacts.limits import (
    MAX_ATTRIBUTES,
    MAX_NAME_LENGTH,
    check_attribute_key,
    check_attributes,
    normalize_tags,
)
from pytake.contacts.phones import normalize_phone

# Far more than a row within the limits takes, and what bounds the memory a record can take.
MAX_RECORD_CHARS = 64 * 1024
_DECODE_BLOCK = 1024 * 1024

_RESERVED_COLUMNS = ("name", "phone", "tags", "opted_out")
_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (encoding, header), so no row is taken."""


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
class CsvChunk:
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


class _RecordTooLongError(Exception):
    pass


class ContactsCsvReader:
    """The contacts of a binary CSV file, read from its current position a chunk at a time.

    The header row must name `name` and `phone` (any case); `tags` is split on `;`,
    `opted_out` takes true/false, 1/0 or yes/no, and every other named column becomes a string
    attribute (blank cells are left out). A row's number is the CSV line it starts on.

    Opening checks the whole file is UTF-8 and reads the header: CsvFormatError when the file
    is unusable. A record that cannot be parsed later on (a broken quote, one too long) is the
    last row error, as the rest of the file cannot be told apart into rows.
    """

    def __init__(self, file: IO[bytes]) -> None:
        start = file.tell()
        _check_utf8(file)
        file.seek(start)
        self._text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        self._lines = _RecordLines(self._text)
        self._reader = csv.reader(self._lines)
        self._next_line = 1
        self._finished = False
        header = self._next_record()
        self._columns = _read_header(None if header is None else header[1])

    def read_chunk(self, size: int) -> CsvChunk | None:
        """The next `size` records (fewer at the end), or None once the file is read."""
        if self._finished:
            return None
        chunk = CsvChunk()
        for _ in range(size):
            try:
                record = self._next_record()
            except CsvFormatError as exc:
                chunk.errors.append(RowError(self._next_line, f"{exc}; the rest was not read"))
                self._finished = True
                break
            if record is None:
                self._finished = True
                break
            line, values = record
            try:
                chunk.rows.append(_build_row(line, values, self._columns))
            except ValueError as exc:
                chunk.errors.append(RowError(line, str(exc)))
        return chunk

    def close(self) -> None:
        """Leaves the file open: it belongs to the caller."""
        self._text.detach()

    def _next_record(self) -> tuple[int, list[str]] | None:
        """The next non-blank record and the line it starts on (a quoted cell may span lines)."""
        while True:
            line = self._next_line
            self._lines.chars = 0
            try:
                values = next(self._reader, None)
            except _RecordTooLongError:
                raise CsvFormatError(
                    f"the record is longer than {MAX_RECORD_CHARS:,} characters"
                ) from None
            except csv.Error as exc:
                raise CsvFormatError(f"malformed CSV: {exc}") from None
            if values is None:
                return None
            self._next_line = self._reader.line_num + 1
            if any(value.strip() for value in values):
                return line, values


class _RecordLines:
    """The file's lines for csv.reader, refusing a record past MAX_RECORD_CHARS, which it
    would otherwise hold whole however long it is; `chars` is reset at each record."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self.chars = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._text.readline(MAX_RECORD_CHARS + 1 - self.chars)
        if not line:
            raise StopIteration
        self.chars += len(line)
        if self.chars > MAX_RECORD_CHARS:
            raise _RecordTooLongError
        return line


def _check_utf8(file: IO[bytes]) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while True:
        block = file.read(_DECODE_BLOCK)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                f"the file is not UTF-8 text (undecodable byte at offset {offset + exc.start}); "
                "export it as 'CSV UTF-8'"
            ) from None
        if not block:
            return
        offset += len(block)


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
