"""Request field types whose JSON Schema says exactly what their validation accepts."""

import re
import sys
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from pytake.core.api_fields import NOT_BLANK_PATTERN, Trimmed, not_null

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
