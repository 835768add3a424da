"""The send-body checks, against Meta's own request examples and broken variants."""

import json
from pathlib import Path
from typing import Any

import pytest

from pytake.whatsapp.simulator.validation import Problem, SendInput, validate_send


def _template_request(fixtures_dir: Path, to: str = "+16505551234") -> dict[str, Any]:
    body: dict[str, Any] = json.loads((fixtures_dir / "send_template_request.json").read_bytes())
    body["to"] = to
    return body


def test_template_request_is_valid_when_it_is_the_spec_example(fixtures_dir: Path) -> None:
    result = validate_send(_template_request(fixtures_dir))
    assert result == SendInput("+16505551234", "16505551234", "template", "template-name", None)


@pytest.mark.parametrize(
    ("path", "value", "code", "field"),
    [
        (("messaging_product",), "sms", 100, "messaging_product"),
        (("to",), None, 100, "to"),
        (("to",), "+1 650 55", 131009, "to"),
        (("to",), "+1650555123412345", 131009, "to"),
        (("to",), "phone-number", 131009, "to"),
        (("type",), None, 100, "type"),
        (("type",), "sticker", 100, "type"),
        (("template", "name"), None, 100, "template.name"),
        (("template", "language"), {}, 100, "template.language.code"),
        (("template", "components"), "header", 100, "template.components"),
        (("biz_opaque_callback_data",), "x" * 513, 100, "biz_opaque_callback_data"),
    ],
)
def test_problem_names_the_field_when_a_field_is_wrong(
    fixtures_dir: Path, path: tuple[str, ...], value: object, code: int, field: str
) -> None:
    body = _template_request(fixtures_dir)
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    result = validate_send(body)
    assert isinstance(result, Problem)
    assert result.code == code
    assert field in result.details


def test_text_request_is_valid_when_it_is_the_spec_example(fixtures_dir: Path) -> None:
    body = json.loads((fixtures_dir / "send_text_request.json").read_bytes())
    body["to"] = "16505551234"
    result = validate_send(body)
    assert isinstance(result, SendInput)
    assert result.template_name is None


def test_problem_is_code_100_when_body_is_not_an_object() -> None:
    assert validate_send([1, 2]) == Problem(100, "The request body must be a JSON object.")
