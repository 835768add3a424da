"""Field types of request bodies whose JSON Schema says exactly what their validation accepts.

A client (or a fuzzer) reads `/openapi.json` to know which requests are valid: a bound checked
on the trimmed text, a null the validator refuses, or `true` read as the integer 1 would make
the schema promise more, or less, than the server keeps.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# What `str.strip()` takes away, spelled out: regex engines disagree on `\s` (Python's counts
# the separators \x1c-\x1f, ECMAScript's does not), so the schema names the characters.
NOT_BLANK_PATTERN = (
    r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


def _trimmed(text: str) -> str:
    trimmed = text.strip()
    if not trimmed:
        raise PydanticCustomError(
            "string_too_short", "String should have at least 1 character", {"min_length": 1}
        )
    return trimmed


@dataclass(frozen=True, slots=True)
class Trimmed:
    """After a text's bounds are checked as sent: kept trimmed, refused when only white space.

    `Annotated[str, StringConstraints(min_length=1, max_length=N), Trimmed()]`: a bound checked
    after trimming could not be said in a JSON Schema; "not only white space" can (a character
    outside NOT_BLANK_PATTERN's class).
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_trimmed, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = NOT_BLANK_PATTERN
        return json_schema


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# After an int's bounds, `Annotated[int, Field(ge=1), JSON_INTEGER]`: an integer as JSON Schema
# has it, where pydantic alone reads true as 1 and "5" as 5. (Put before the bounds, it would
# hide them from the schema.)
JSON_INTEGER = BeforeValidator(_json_integer)


_RFC_3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _json_timestamp(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC_3339.fullmatch(value)):
        return value
    raise PydanticCustomError(
        "datetime_type", "Input should be an RFC 3339 date-time, as 2025-01-31T09:00:00Z"
    )


# A date-time as JSON Schema has it (RFC 3339): pydantic alone reads 1700000000, and the
# string "1700000000", as a time.
JsonTimestamp = Annotated[AwareDatetime, BeforeValidator(_json_timestamp)]


def not_null(*names: str) -> Callable[[dict[str, Any]], None]:
    """A model's `json_schema_extra` for a partial update whose `names` may be left out but
    not sent as null (pydantic types them `X | None`, None meaning "left out")."""

    def without_null(schema: dict[str, Any]) -> None:
        for name in names:
            field = schema["properties"][name]
            choices = [choice for choice in field.pop("anyOf", []) if choice != {"type": "null"}]
            if len(choices) == 1:
                field.update(choices[0])
            elif choices:
                field["anyOf"] = choices
            field.pop("default", None)

    return without_null
