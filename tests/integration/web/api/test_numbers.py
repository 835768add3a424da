"""`/api/v1/whatsapp-numbers` through the app, on SQLite and PostgreSQL."""

from typing import Any

import httpx
import pytest

TOKEN = "EAAG-very-secret-token-42"
URL = "/api/v1/whatsapp-numbers"
ALLOWED = "http://127.0.0.1:9000"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"whatsapp_api_hosts": f"{ALLOWED},https://waba-proxy.example.com"}


def number_body(**overrides: Any) -> dict[str, Any]:
    return {
        "phone_number_id": "106540352242922",
        "display_phone_number": "+55 11 4000-0000",
        "access_token": TOKEN,
        **overrides,
    }


async def create_number(api: httpx.AsyncClient, auth: dict[str, str], **overrides: Any) -> Any:
    response = await api.post(URL, json=number_body(**overrides), headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_created_with_defaults_when_only_required_fields_are_sent(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    number = await create_number(api, auth)
    assert number["phone_number_id"] == "106540352242922"
    assert number["display_phone_number"] == "+55 11 4000-0000"
    assert number["throughput_mps"] == 80
    assert number["messaging_limit_24h"] == 1000
    assert number["api_base_url"] is None
    assert number["waba_id"] is None
    assert {"id", "created_at", "updated_at"} <= number.keys()


async def test_token_is_in_no_response_when_the_number_is_created_read_listed_and_patched(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await api.post(URL, json=number_body(), headers=auth)
    number_url = f"{URL}/{created.json()['id']}"
    responses = [
        created,
        await api.get(number_url, headers=auth),
        await api.get(URL, headers=auth),
        await api.patch(number_url, json={"throughput_mps": 10}, headers=auth),
        await api.patch(number_url, json={"access_token": TOKEN + "-rotated"}, headers=auth),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert TOKEN not in response.text
        assert "access_token" not in response.text


async def test_token_is_not_echoed_when_the_body_is_invalid(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = number_body()
    del body["phone_number_id"]
    response = await api.post(URL, json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "phone_number_id"]
    assert TOKEN not in response.text


async def test_all_fields_are_stored_when_given(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    number = await create_number(
        api,
        auth,
        throughput_mps=1000,
        messaging_limit_24h=None,
        api_base_url="http://127.0.0.1:9000/v23.0/",
    )
    fetched = (await api.get(f"{URL}/{number['id']}", headers=auth)).json()
    assert fetched["throughput_mps"] == 1000
    assert fetched["messaging_limit_24h"] is None
    assert fetched["api_base_url"] == "http://127.0.0.1:9000/v23.0"


async def test_listed_in_creation_order_when_there_are_several(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    first = await create_number(api, auth, phone_number_id="1")
    second = await create_number(api, auth, phone_number_id="2")
    listed = (await api.get(URL, headers=auth)).json()["items"]
    assert [number["id"] for number in listed] == [first["id"], second["id"]]


async def test_only_sent_fields_change_when_patched(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    number = await create_number(api, auth)
    response = await api.patch(
        f"{URL}/{number['id']}",
        json={"throughput_mps": 250, "messaging_limit_24h": None},
        headers=auth,
    )
    assert response.status_code == 200
    patched = response.json()
    assert (patched["throughput_mps"], patched["messaging_limit_24h"]) == (250, None)
    assert patched["display_phone_number"] == number["display_phone_number"]


async def test_422_when_a_required_field_is_patched_to_null(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    number = await create_number(api, auth)
    response = await api.patch(f"{URL}/{number['id']}", json={"throughput_mps": None}, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "throughput_mps"]


async def test_gone_when_deleted(api: httpx.AsyncClient, auth: dict[str, str]) -> None:
    number = await create_number(api, auth)
    assert (await api.delete(f"{URL}/{number['id']}", headers=auth)).status_code == 204
    assert (await api.get(f"{URL}/{number['id']}", headers=auth)).status_code == 404
    assert (await api.get(URL, headers=auth)).json()["items"] == []


async def test_409_when_the_phone_number_id_is_registered_twice(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_number(api, auth)
    response = await api.post(URL, json=number_body(), headers=auth)
    assert response.status_code == 409
    assert "already registered" in response.json()["detail"]


async def test_409_when_patched_to_another_numbers_phone_number_id(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_number(api, auth, phone_number_id="1")
    second = await create_number(api, auth, phone_number_id="2")
    response = await api.patch(f"{URL}/{second['id']}", json={"phone_number_id": "1"}, headers=auth)
    assert response.status_code == 409


async def test_created_when_another_organization_has_the_same_phone_number_id(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    await create_number(api, auth)
    await create_number(api, other_auth)


async def test_404_when_the_number_belongs_to_another_organization(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str]
) -> None:
    number_url = f"{URL}/{(await create_number(api, auth))['id']}"
    assert (await api.get(number_url, headers=other_auth)).status_code == 404
    patched = await api.patch(number_url, json={"throughput_mps": 1}, headers=other_auth)
    assert patched.status_code == 404
    assert (await api.delete(number_url, headers=other_auth)).status_code == 404
    assert (await api.get(URL, headers=other_auth)).json()["items"] == []
    assert (await api.get(number_url, headers=auth)).json()["throughput_mps"] == 80


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_401_when_no_api_key_is_sent(api: httpx.AsyncClient, method: str) -> None:
    response = await api.request(method, URL, json=number_body())
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("throughput_mps", 0),
        ("throughput_mps", 1001),
        ("messaging_limit_24h", -1),
        ("messaging_limit_24h", 0),
        ("api_base_url", "ftp://example.com"),
        ("api_base_url", "not a url"),
        ("access_token", ""),
        ("phone_number_id", ""),
        ("phone_number_id", "1/../../x"),
        ("phone_number_id", "10654035224292a"),
        ("phone_number_id", "1" * 33),
        ("phone_number_id", "١٢٣"),
        ("waba_id", "abc"),
        ("waba_id", "102290129340398/"),
        ("waba_id", ""),
        ("api_base_url", "http://127.1:9000/v23.0"),
    ],
)
async def test_422_naming_the_field_when_a_value_is_out_of_bounds(
    api: httpx.AsyncClient, auth: dict[str, str], field: str, value: object
) -> None:
    response = await api.post(URL, json=number_body(**{field: value}), headers=auth)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]


@pytest.mark.parametrize(("field", "value"), [("throughput_mps", 1), ("throughput_mps", 1000)])
async def test_created_when_a_value_is_on_the_bound(
    api: httpx.AsyncClient, auth: dict[str, str], field: str, value: object
) -> None:
    assert (await create_number(api, auth, **{field: value}))[field] == value


@pytest.mark.parametrize(
    ("field", "value"), [("messaging_limit_24h", 10_000_000), ("messaging_limit_24h", 1)]
)
async def test_created_when_the_daily_limit_is_on_the_bound(
    api: httpx.AsyncClient, auth: dict[str, str], field: str, value: object
) -> None:
    assert (await create_number(api, auth, **{field: value}))[field] == value


HUGE = 100_000_000_000_000_000_000


@pytest.mark.parametrize("field", ["messaging_limit_24h", "throughput_mps"])
async def test_422_naming_the_field_and_nothing_stored_when_a_huge_number_is_posted(
    api: httpx.AsyncClient, auth: dict[str, str], field: str
) -> None:
    response = await api.post(URL, json=number_body(**{field: HUGE}), headers=auth)
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", field], "less_than_equal")
    ]
    assert (await api.get(URL, headers=auth)).json()["items"] == []


@pytest.mark.parametrize("field", ["messaging_limit_24h", "throughput_mps"])
async def test_422_naming_the_field_and_nothing_changed_when_a_huge_number_is_patched(
    api: httpx.AsyncClient, auth: dict[str, str], field: str
) -> None:
    number = await create_number(api, auth)
    response = await api.patch(f"{URL}/{number['id']}", json={field: HUGE}, headers=auth)
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", field], "less_than_equal")
    ]
    fetched = (await api.get(f"{URL}/{number['id']}", headers=auth)).json()
    assert fetched == number


NOT_ALLOWED = "https://attacker.example/v23.0"


def assert_refused_for_the_origin(response: httpx.Response) -> None:
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "api_base_url"]
    assert "PYTAKE_WHATSAPP_API_HOSTS" in error["msg"]
    assert "https://attacker.example is not one" in error["msg"]
    assert "type" in error
    assert TOKEN not in response.text


async def test_422_naming_the_setting_when_a_number_is_created_for_another_origin(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await api.post(URL, json=number_body(api_base_url=NOT_ALLOWED), headers=auth)

    assert_refused_for_the_origin(response)
    assert (await api.get(URL, headers=auth)).json()["items"] == []


async def test_422_naming_the_setting_and_nothing_changed_when_patched_to_another_origin(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    number = await create_number(api, auth, api_base_url=f"{ALLOWED}/v23.0")

    response = await api.patch(
        f"{URL}/{number['id']}", json={"api_base_url": NOT_ALLOWED}, headers=auth
    )

    assert_refused_for_the_origin(response)
    fetched = (await api.get(f"{URL}/{number['id']}", headers=auth)).json()
    assert fetched["api_base_url"] == f"{ALLOWED}/v23.0"


@pytest.mark.parametrize(
    "api_base_url",
    [
        "https://waba-proxy.example.com/v23.0",
        "HTTPS://WABA-PROXY.example.com:443/v23.0",
        "https://graph.facebook.com/v22.0",
    ],
)
async def test_created_and_patched_when_the_origin_is_allowlisted(
    api: httpx.AsyncClient, auth: dict[str, str], api_base_url: str
) -> None:
    number = await create_number(api, auth, api_base_url=api_base_url)
    assert number["api_base_url"] == api_base_url

    response = await api.patch(
        f"{URL}/{number['id']}", json={"api_base_url": f"{ALLOWED}/v23.0"}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["api_base_url"] == f"{ALLOWED}/v23.0"


@pytest.mark.parametrize(
    "api_base_url", ["http://127.0.0.1:9001/v23.0", "http://localhost:9000/v23.0"]
)
async def test_422_when_only_the_port_or_the_host_spelling_differs(
    api: httpx.AsyncClient, auth: dict[str, str], api_base_url: str
) -> None:
    response = await api.post(URL, json=number_body(api_base_url=api_base_url), headers=auth)

    assert response.status_code == 422
    assert "PYTAKE_WHATSAPP_API_HOSTS" in response.json()["detail"][0]["msg"]


async def test_waba_id_is_kept_changed_and_cleared_when_given(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    number = await create_number(api, auth, waba_id="102290129340398")
    assert number["waba_id"] == "102290129340398"
    number_url = f"{URL}/{number['id']}"
    assert (await api.get(number_url, headers=auth)).json()["waba_id"] == "102290129340398"

    changed = await api.patch(number_url, json={"waba_id": "987654321"}, headers=auth)
    assert changed.json()["waba_id"] == "987654321"
    untouched = await api.patch(number_url, json={"throughput_mps": 5}, headers=auth)
    assert untouched.json()["waba_id"] == "987654321"
    cleared = await api.patch(number_url, json={"waba_id": None}, headers=auth)
    assert cleared.json()["waba_id"] is None


@pytest.mark.parametrize(("field", "value"), [("waba_id", "abc"), ("phone_number_id", "1/../x")])
async def test_422_naming_the_field_when_an_id_that_is_not_digits_is_patched(
    api: httpx.AsyncClient, auth: dict[str, str], field: str, value: str
) -> None:
    number = await create_number(api, auth)

    response = await api.patch(f"{URL}/{number['id']}", json={field: value}, headers=auth)

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"], error["msg"]) == (
        ["body", field],
        "Value error, must be 1 to 32 digits, as WhatsApp Manager shows it",
    )
