"""CSV parsing of contact uploads: header, rows, errors, tags, attributes and duplicates."""

import io

import pytest

from pytake.contacts.importer import (
    MAX_RECORD_CHARS,
    ContactRow,
    ContactsCsvReader,
    CsvFormatError,
    RowError,
    merge_duplicate_phones,
)


def read_all(data: bytes, chunk_size: int = 1000) -> tuple[list[ContactRow], list[RowError]]:
    reader = ContactsCsvReader(io.BytesIO(data))
    rows: list[ContactRow] = []
    errors: list[RowError] = []
    while (chunk := reader.read_chunk(chunk_size)) is not None:
        rows += chunk.rows
        errors += chunk.errors
    return rows, errors


def parse(text: str) -> tuple[list[ContactRow], list[RowError]]:
    return read_all(text.encode())


def test_row_with_normalized_phone_when_the_file_is_minimal() -> None:
    rows, errors = parse("name,phone\nAna,+55 11 99999-9999\n")
    assert rows == [ContactRow(row=2, name="Ana", phone="5511999999999")]
    assert errors == []


def test_header_is_read_when_the_file_starts_with_a_utf8_bom() -> None:
    rows, _ = parse("\ufeffname,phone\nAna,5511999999999\n")
    assert [row.name for row in rows] == ["Ana"]


def test_columns_are_found_when_the_header_has_other_case_and_spaces() -> None:
    rows, _ = parse(" Phone , NAME \n5511999999999,Ana\n")
    assert rows[0].name == "Ana"
    assert rows[0].phone == "5511999999999"


def test_crlf_line_endings_are_read_when_the_file_comes_from_excel() -> None:
    rows, errors = parse("name,phone\r\nAna,5511999999999\r\nBia,5511988887777\r\n")
    assert [row.row for row in rows] == [2, 3]
    assert errors == []


def test_format_error_when_the_phone_column_is_missing() -> None:
    with pytest.raises(CsvFormatError, match=r"name and phone \(missing: phone\)"):
        parse("name,mobile\nAna,5511999999999\n")


def test_format_error_when_the_file_is_empty() -> None:
    with pytest.raises(CsvFormatError, match="empty"):
        parse("")


def test_format_error_when_the_header_repeats_a_column() -> None:
    with pytest.raises(CsvFormatError, match="repeats the column 'city'"):
        parse("name,phone,city,City\n")


def test_format_error_when_the_file_is_not_utf8() -> None:
    with pytest.raises(CsvFormatError, match="not UTF-8"):
        read_all("name,phone\nJoão,5511999999999\n".encode("latin-1"))


def test_format_error_with_the_offset_when_only_the_end_of_a_large_file_is_not_utf8() -> None:
    good = b"name,phone\n" + b"Ana,5511999999999\n" * 100_000
    with pytest.raises(CsvFormatError, match=f"undecodable byte at offset {len(good) + 2}"):
        read_all(good + "Jo\u00e3o,5511999999999\n".encode("latin-1"))


def test_rows_come_a_chunk_at_a_time_with_the_file_read_from_its_position() -> None:
    data = b"ignored\nname,phone\n" + b"".join(b"C%d,55119%08d\n" % (i, i) for i in range(7))
    file = io.BytesIO(data)
    file.seek(len(b"ignored\n"))
    reader = ContactsCsvReader(file)
    chunks = []
    while (chunk := reader.read_chunk(3)) is not None:
        chunks.append([row.row for row in chunk.rows])
    assert chunks == [[2, 3, 4], [5, 6, 7], [8]]
    reader.close()
    assert not file.closed


def test_the_last_row_error_says_the_rest_was_not_read_when_a_record_is_too_long() -> None:
    cell = "x" * (MAX_RECORD_CHARS // 2)
    text = (
        "name,phone,note\nAna,5511999999999,ok\n"
        f'Bia,5511988887777,"{cell}\n{cell}"\nCaio,5511977776666,\n'
    )
    rows, errors = parse(text)
    assert [row.name for row in rows] == ["Ana"]
    assert errors == [
        RowError(3, "the record is longer than 65,536 characters; the rest was not read")
    ]


def test_a_record_at_the_length_limit_is_read() -> None:
    prefix = "Ana,5511999999999,"
    text = "name,phone,note\n" + prefix + "x" * (MAX_RECORD_CHARS - len(prefix) - 1) + "\n"
    _, errors = parse(text)
    assert errors == [RowError(2, "attribute 'note' is longer than 1024 characters")]


def test_row_errors_by_line_number_when_some_rows_are_bad() -> None:
    rows, errors = parse(
        "name,phone\nAna,5511999999999\nBia,12\n,5511988887777\nCaio,5511977776666\n"
    )
    assert [row.row for row in rows] == [2, 5]
    assert errors == [
        RowError(3, "invalid phone number: '12'"),
        RowError(4, "missing name"),
    ]


def test_row_error_when_a_row_has_more_fields_than_the_header() -> None:
    _, errors = parse("name,phone\nAna,5511999999999,extra\n")
    assert errors == [RowError(2, "3 fields, but the header has 2")]


def test_missing_trailing_cells_are_blank_when_a_row_is_short() -> None:
    rows, errors = parse("name,phone,city\nAna,5511999999999\n")
    assert errors == []
    assert rows[0].attributes == {}


def test_row_error_when_the_name_is_too_long() -> None:
    _, errors = parse(f"name,phone\n{'a' * 201},5511999999999\n")
    assert errors == [RowError(2, "name longer than 200 characters")]


def test_line_numbers_count_blank_lines_when_the_file_has_them() -> None:
    rows, errors = parse("name,phone\n\nAna,5511999999999\n,,\nBia,12\n")
    assert [row.row for row in rows] == [3]
    assert errors == [RowError(5, "invalid phone number: '12'")]


def test_row_number_is_the_first_line_when_a_quoted_cell_spans_lines() -> None:
    rows, errors = parse('name,phone,note\nAna,5511999999999,"two\nlines"\nBia,12,x\n')
    assert rows[0].attributes == {"note": "two\nlines"}
    assert errors == [RowError(4, "invalid phone number: '12'")]


def test_other_columns_become_string_attributes_when_present() -> None:
    rows, _ = parse("name,phone,City,plan,\nAna,5511999999999, São Paulo ,,ignored\n")
    assert rows[0].attributes == {"City": "São Paulo"}


def test_tags_are_split_trimmed_and_unique_when_separated_by_semicolons() -> None:
    rows, _ = parse("name,phone,tags\nAna,5511999999999, vip ; new;;vip\n")
    assert rows[0].tags == ["new", "vip"]
    assert rows[0].attributes == {}


def test_row_error_when_a_tag_is_too_long() -> None:
    _, errors = parse(f"name,phone,tags\nAna,5511999999999,{'t' * 65}\n")
    assert errors[0].row == 2
    assert errors[0].error.startswith("tag longer than 64 characters")


def test_row_error_when_a_row_has_more_than_50_tags() -> None:
    tags = ";".join(f"t{index}" for index in range(51))
    rows, errors = parse(f"name,phone,tags\nAna,5511999999999,{tags}\nBia,5511988887777,x\n")
    assert errors == [RowError(2, "at most 50 tags (got 51)")]
    assert [row.name for row in rows] == ["Bia"]


def test_row_error_when_an_attribute_value_is_over_1024_characters() -> None:
    rows, errors = parse(
        f"name,phone,note\nAna,5511999999999,{'x' * 1025}\nBia,5511988887777,{'x' * 1024}\n"
    )
    assert errors == [RowError(2, "attribute 'note' is longer than 1024 characters")]
    assert [row.name for row in rows] == ["Bia"]


def test_row_error_when_a_rows_attributes_are_over_16_kb_as_json() -> None:
    header = ",".join(f"c{index}" for index in range(17))
    cells = ",".join("x" * 1000 for _ in range(17))
    _, errors = parse(f"name,phone,{header}\nAna,5511999999999,{cells}\n")
    assert [error.row for error in errors] == [2]
    assert "as JSON, at most 16384" in errors[0].error


def test_format_error_when_the_header_has_more_than_64_attribute_columns() -> None:
    header = ",".join(f"c{index}" for index in range(65))
    with pytest.raises(CsvFormatError, match="65 attribute columns, but a contact has at most 64"):
        parse(f"name,phone,tags,{header}\n")


def test_format_error_when_an_attribute_column_name_is_over_64_characters() -> None:
    with pytest.raises(CsvFormatError, match="attribute name longer than 64 characters"):
        parse(f"name,phone,{'k' * 65}\n")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("YES", True), ("1", True), ("false", False), ("no", False), ("0", False)],
)
def test_opted_out_is_read_when_the_column_holds_a_flag(cell: str, expected: bool) -> None:
    rows, _ = parse(f"name,phone,opted_out\nAna,5511999999999,{cell}\n")
    assert rows[0].opted_out is expected


def test_opted_out_is_unknown_when_the_cell_is_blank() -> None:
    rows, _ = parse("name,phone,opted_out\nAna,5511999999999,\n")
    assert rows[0].opted_out is None


def test_row_error_when_opted_out_is_not_a_flag() -> None:
    _, errors = parse("name,phone,opted_out\nAna,5511999999999,maybe\n")
    assert errors == [
        RowError(2, "invalid opted_out value: 'maybe' (use true/false, 1/0 or yes/no)")
    ]


def test_both_rows_are_kept_when_a_phone_repeats_in_the_file() -> None:
    rows, errors = parse("name,phone\nAna,5511999999999\nAna B,+55 11 99999-9999\n")
    assert errors == []
    assert len(rows) == 2


def test_last_values_win_and_sets_add_up_when_duplicates_are_merged() -> None:
    first = ContactRow(1, "Ana", "5511999999999", {"a": "1", "b": "1"}, ["x"], True)
    other = ContactRow(2, "Bia", "5511988887777")
    last = ContactRow(3, "Ana B", "5511999999999", {"b": "2"}, ["y"], None)
    assert merge_duplicate_phones([first, other, last]) == [
        ContactRow(3, "Ana B", "5511999999999", {"a": "1", "b": "2"}, ["x", "y"], True),
        other,
    ]
