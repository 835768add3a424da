"""Per-contact personalisation of template components."""

import pytest

from pytake.campaigns.template import (
    MissingVariableError,
    TemplateContact,
    find_invalid_placeholders,
    render_components,
)

ANA = TemplateContact("Ana", "5511999990001", {"city": "Recife", "points": 120})
COMPONENTS = [
    {
        "type": "body",
        "parameters": [
            {"type": "text", "text": "{{contact.name}}"},
            {
                "type": "text",
                "text": "{{ contact.attributes.city }} / {{contact.attributes.points}}",
            },
        ],
    },
    {
        "type": "button",
        "sub_type": "url",
        "index": "0",
        "parameters": [{"type": "text", "text": "{{contact.phone}}"}],
    },
]


def test_placeholders_are_filled_from_the_contact_when_rendered() -> None:
    rendered = render_components(COMPONENTS, ANA)
    assert rendered[0]["parameters"][0]["text"] == "Ana"
    assert rendered[0]["parameters"][1]["text"] == "Recife / 120"
    assert rendered[1]["parameters"][0]["text"] == "5511999990001"
    assert rendered[1]["index"] == "0"


def test_template_is_left_untouched_when_rendered_for_a_contact() -> None:
    render_components(COMPONENTS, ANA)
    assert COMPONENTS[0]["parameters"][0]["text"] == "{{contact.name}}"


def test_rendering_refuses_when_contact_lacks_an_attribute() -> None:
    components = [
        {"type": "body", "parameters": [{"type": "text", "text": "{{contact.attributes.plan}}"}]}
    ]
    with pytest.raises(MissingVariableError, match="'plan'"):
        render_components(components, ANA)


def test_unknown_placeholders_are_found_when_template_is_checked() -> None:
    components = [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "{{contact.email}} {{contact.name}} {{1}}"}],
        }
    ]
    assert find_invalid_placeholders(components) == ["{{contact.email}}", "{{1}}"]
