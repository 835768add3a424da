"""Request field types whose JSON Schema says exactly what their validation accepts."""

import re
import sys
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from pytake.core.api_fields import (
    JSON_INTEGER,
    NOT_BLANK_PATTERN,
    JsonTimestamp,
    Trimmed,
    not_null,
)

pytestmark = pytest.mark.unit


class Form(BaseModel):
    model_config = ConfigDict(json_schema_extra=not_null("name"))

    name: Annotated[str, StringConstraints(min_length=1, max_length=5), Trimmed()] | None = None
    note: str | None = None


def test_the_pattern_tells_blank_text_exactly_as_python_strips_it() -> None:
    every = [chr(code) for code in range(sys.maxunicode + 1)]
    blank = [char for char in every if re.search(NOT_BLANK_PATTERN, char) is None]
    assert blank == [char for char in every if char.isspace()]


@pytest.mark.parametrize(("sent", "kept"), [(" ab ", "ab"), ("abcd ", "abcd"), ("\u3000x", "x")])
def test_text_is_kept_trimmed_when_within_its_bounds_as_sent(sent: str, kept: str) -> None:
    assert Form(name=sent).name == kept


@pytest.mark.parametrize(
    ("sent", "kind"),
    [("", "string_too_short"), (" \x1c\t", "string_too_short"), (" abcd ", "string_too_long")],
)
def test_text_is_refused_when_blank_or_too_long_as_sent(sent: str, kind: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Form(name=sent)
    assert [error["type"] for error in raised.value.errors()] == [kind]


def test_the_schema_names_the_bounds_and_no_null_for_a_field_that_refuses_it() -> None:
    properties = Form.model_json_schema()["properties"]
    assert properties["name"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 5,
        "pattern": NOT_BLANK_PATTERN,
        "title": "Name",
    }
    assert {"type": "null"} in properties["note"]["anyOf"]


class Numbers(BaseModel):
    count: Annotated[int, Field(ge=1, le=9), JSON_INTEGER] = 1
    at: JsonTimestamp | None = None


@pytest.mark.parametrize("sent", [True, "5", "", 5.5])
def test_an_integer_is_refused_when_json_schema_would_not_call_it_one(sent: object) -> None:
    with pytest.raises(ValidationError):
        Numbers.model_validate({"count": sent})


def test_an_integer_keeps_its_bounds_in_the_schema_and_takes_a_whole_float() -> None:
    assert Numbers.model_validate({"count": 5.0}).count == 5
    schema = Numbers.model_json_schema()["properties"]["count"]
    assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 1, 9)


@pytest.mark.parametrize(
    "sent", [1_700_000_000, "1700000000", "2025-01-31", "2025-01-31 09:00:00Z", True]
)
def test_a_time_is_refused_when_it_is_not_an_rfc_3339_date_time(sent: object) -> None:
    with pytest.raises(ValidationError):
        Numbers.model_validate({"at": sent})


@pytest.mark.parametrize("sent", ["2025-01-31T09:00:00Z", "2025-01-31t09:00:00.5-03:00"])
def test_a_time_is_read_when_it_is_an_rfc_3339_date_time(sent: str) -> None:
    assert Numbers.model_validate({"at": sent}).at is not None
