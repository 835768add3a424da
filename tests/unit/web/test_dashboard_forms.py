"""Dashboard forms: typed values into API payloads, and errors onto the fields that caused them."""

import pytest
from pydantic import BaseModel, ValidationError

from pytake.campaigns.schemas import CampaignCreate
from pytake.core.errors import InvalidInputError
from pytake.numbers.schemas import WhatsAppNumberCreate
from pytake.web.dashboard.forms import (
    CAMPAIGN_FIELDS,
    campaign_errors,
    campaign_payload,
    number_errors,
    number_payload,
)

pytestmark = pytest.mark.unit

NUMBER_ID = "6f1c3e0a-3f59-4a0e-9a53-0c2c1a1f9b10"


def _campaign(**typed: str) -> dict[str, str]:
    values = dict.fromkeys(CAMPAIGN_FIELDS, "")
    values.update(
        name="Spring",
        whatsapp_number_id=NUMBER_ID,
        template_name="spring_sale",
        template_language="pt_BR",
        tags="vip",
    )
    values.update(typed)
    return values


def _campaign_errors(**typed: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        CampaignCreate.model_validate(campaign_payload(_campaign(**typed)))
    return campaign_errors(caught.value)


def test_payload_holds_one_body_parameter_per_line_when_lines_are_typed() -> None:
    payload = campaign_payload(
        _campaign(
            body_parameters="{{contact.name}}\n\n  {{contact.attributes.city}} ", tags="vip, new ,"
        )
    )
    assert payload["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "{{contact.name}}"},
                {"type": "text", "text": "{{contact.attributes.city}}"},
            ],
        }
    ]
    assert payload["contact_tags"] == ["vip", "new"]
    assert "retry_max_attempts" not in payload


def test_errors_land_on_their_fields_when_several_values_are_bad() -> None:
    errors = _campaign_errors(name="", template_name="Spring Sale!", retry_max_attempts="eleven")
    assert errors == {
        "name": "Required.",
        "template_name": "Use lowercase letters, digits and underscores, as in WhatsApp Manager.",
        "retry_max_attempts": "Enter a whole number.",
    }


def test_rule_across_fields_lands_on_the_longest_wait_when_it_is_shorter_than_the_first() -> None:
    errors = _campaign_errors(retry_base_delay="600", retry_max_delay="300")
    assert errors == {"retry_max_delay": "Must be at least the first wait."}


def test_bounds_are_named_when_a_number_is_out_of_range() -> None:
    assert _campaign_errors(retry_max_delay="30") == {"retry_max_delay": "Must be at least 60."}


def test_empty_audience_lands_on_tags_when_no_tag_is_typed() -> None:
    assert _campaign_errors(tags=" , ") == {"tags": "Enter at least one tag."}


def test_unknown_placeholder_lands_on_body_parameters_when_typed() -> None:
    assert list(_campaign_errors(body_parameters="{{contact.email}}")) == ["body_parameters"]


def test_service_error_lands_on_its_field_when_it_names_one() -> None:
    error = InvalidInputError("the audience matches no contacts", field="contact_ids")
    assert campaign_errors(error) == {"tags": "The audience matches no contacts."}


def test_blank_daily_limit_means_none_when_adding_a_number() -> None:
    values = {
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "123",
        "throughput_mps": "",
        "messaging_limit_24h": "",
        "api_base_url": "",
    }
    data = WhatsAppNumberCreate.model_validate(number_payload(values, "token"))
    assert (data.messaging_limit_24h, data.throughput_mps, data.api_base_url) == (None, 80, None)


def test_token_error_names_the_field_without_echoing_it_when_missing() -> None:
    values = {
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "123",
        "throughput_mps": "80",
        "messaging_limit_24h": "1000",
        "api_base_url": "",
    }
    with pytest.raises(ValidationError) as caught:
        WhatsAppNumberCreate.model_validate(number_payload(values, ""))
    assert number_errors(caught.value) == {"access_token": "Required."}


def _number(**typed: str) -> dict[str, str]:
    values = {
        "display_phone_number": "+1 555 0100",
        "phone_number_id": "123",
        "throughput_mps": "80",
        "messaging_limit_24h": "1000",
        "api_base_url": "",
    }
    values.update(typed)
    return values


def _maximum(model: type[BaseModel], field: str) -> int:
    schema = model.model_json_schema()["properties"][field]
    [bounded] = [branch for branch in [schema, *schema.get("anyOf", [])] if "maximum" in branch]
    return int(bounded["maximum"])


@pytest.mark.parametrize("field", ["retry_max_attempts", "retry_base_delay", "retry_max_delay"])
@pytest.mark.parametrize("past", ["bound", "huge"])
def test_campaign_number_field_names_its_maximum_when_typed_past_it(field: str, past: str) -> None:
    maximum = _maximum(CampaignCreate, field)
    typed = str(maximum + 1) if past == "bound" else "1" + "0" * 20
    assert _campaign_errors(**{field: typed}) == {field: f"Must be at most {maximum}."}


@pytest.mark.parametrize("field", ["throughput_mps", "messaging_limit_24h"])
@pytest.mark.parametrize("past", ["bound", "huge"])
def test_number_form_field_names_its_maximum_when_typed_past_it(field: str, past: str) -> None:
    maximum = _maximum(WhatsAppNumberCreate, field)
    typed = str(maximum + 1) if past == "bound" else "1" + "0" * 20
    with pytest.raises(ValidationError) as caught:
        WhatsAppNumberCreate.model_validate(number_payload(_number(**{field: typed}), "token"))
    assert number_errors(caught.value) == {field: f"Must be at most {maximum}."}
