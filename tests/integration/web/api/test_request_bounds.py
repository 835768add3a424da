"""Every number a client sends has bounds that fit its column, and one past them is a 422.

The fields are read from the app's OpenAPI document, so a new request field without bounds
fails here; each is then sent just past each bound, on SQLite and PostgreSQL.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

INT32_MAX = 2_147_483_647
HUGE = 100_000_000_000_000_000_000
# What Python's JSON parser reads as NaN or infinity, and no JSON answer can carry back.
NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e400")
VALID_BODIES: dict[str, dict[str, Any]] = {
    "WhatsAppNumberCreate": {
        "phone_number_id": "106540352242922",
        "display_phone_number": "15550783881",
        "access_token": "secret-token",
    },
    "WhatsAppNumberUpdate": {},
    "CampaignCreate": {
        "name": "Promo",
        "whatsapp_number_id": str(uuid.uuid4()),
        "template": {"name": "promo", "language": "pt_BR", "components": []},
        "contact_tags": ["vip"],
    },
    "CampaignUpdate": {},
}
# Fields bounded in the product today: the walk below must find at least these.
KNOWN = {
    ("body", "WhatsAppNumberCreate", "throughput_mps"),
    ("body", "WhatsAppNumberCreate", "messaging_limit_24h"),
    ("body", "WhatsAppNumberUpdate", "messaging_limit_24h"),
    ("body", "CampaignCreate", "retry_max_attempts"),
    ("body", "CampaignUpdate", "retry_max_delay"),
    ("query", "GET /api/v1/campaigns", "limit"),
    ("query", "GET /api/v1/contacts", "limit"),
}


@dataclass(frozen=True)
class NumberField:
    where: str  # "body" or "query"
    owner: str  # the body's schema name, or the route
    method: str
    path: str
    name: str
    minimum: int | None
    maximum: int | None


def _integer_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The integer (or number) branch of a property's schema, `T | None` included."""
    for branch in [schema, *schema.get("anyOf", [])]:
        if branch.get("type") in ("integer", "number"):
            return branch
    return None


def _bound(schema: dict[str, Any], key: str) -> int | None:
    """A bound as an int: the document may render `ge=1` as 1.0."""
    value = schema.get(key)
    return None if value is None else int(value)


def _fields(document: dict[str, Any]) -> list[NumberField]:
    components = document["components"]["schemas"]
    found: list[NumberField] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                number = _integer_schema(parameter["schema"])
                if number is not None:
                    found.append(
                        NumberField(
                            "query",
                            f"{method.upper()} {path}",
                            method.upper(),
                            path,
                            parameter["name"],
                            _bound(number, "minimum"),
                            _bound(number, "maximum"),
                        )
                    )
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            refs = [schema.get("$ref")] + [b.get("$ref") for b in schema.get("anyOf", [])]
            for ref in filter(None, refs):
                owner = ref.rsplit("/", 1)[1]
                for name, prop in components[owner].get("properties", {}).items():
                    number = _integer_schema(prop)
                    if number is not None:
                        found.append(
                            NumberField(
                                "body",
                                owner,
                                method.upper(),
                                path,
                                name,
                                _bound(number, "minimum"),
                                _bound(number, "maximum"),
                            )
                        )
    return found


@pytest.fixture
async def fields(api: httpx.AsyncClient) -> list[NumberField]:
    document = (await api.get("/openapi.json")).json()
    found = _fields(document)
    assert {(f.where, f.owner, f.name) for f in found} >= KNOWN
    return found


def _url(path: str) -> str:
    return path.format_map({name: uuid.uuid4() for name in _placeholders(path)})


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


async def _send(
    api: httpx.AsyncClient, auth: dict[str, str], field: NumberField, value: int
) -> httpx.Response:
    if field.where == "query":
        return await api.request(
            field.method, _url(field.path), params={field.name: value}, headers=auth
        )
    body = {**VALID_BODIES[field.owner], field.name: value}
    return await api.request(field.method, _url(field.path), json=body, headers=auth)


def _fits_a_32_bit_column(field: NumberField) -> bool:
    if field.minimum is None or field.maximum is None:
        return False
    return -INT32_MAX - 1 <= field.minimum <= field.maximum <= INT32_MAX


def _past_bounds(field: NumberField) -> list[int]:
    assert field.minimum is not None, field
    assert field.maximum is not None, field
    return [field.minimum - 1, field.maximum + 1, HUGE, -HUGE]


async def test_every_number_field_has_bounds_that_fit_a_32_bit_column(
    fields: list[NumberField],
) -> None:
    assert [f for f in fields if not _fits_a_32_bit_column(f)] == []
    assert {f.owner for f in fields if f.where == "body"} <= VALID_BODIES.keys()


async def test_422_naming_the_field_when_each_number_is_one_past_a_bound_or_huge(
    api: httpx.AsyncClient, auth: dict[str, str], fields: list[NumberField]
) -> None:
    answers: dict[tuple[str, str, int], tuple[int, list[Any]]] = {}
    for field in fields:
        for value in _past_bounds(field):
            response = await _send(api, auth, field, value)
            detail = response.json()["detail"] if response.status_code == 422 else []
            answers[(field.owner, field.name, value)] = (
                response.status_code,
                [error["loc"] for error in detail],
            )
    assert answers == {
        (field.owner, field.name, value): (422, [[field.where, field.name]])
        for field in fields
        for value in _past_bounds(field)
    }


async def test_422_naming_the_field_when_each_number_is_nan_or_infinity(
    api: httpx.AsyncClient, auth: dict[str, str], fields: list[NumberField]
) -> None:
    answers: dict[tuple[str, str, str], tuple[int, list[Any]]] = {}
    for field in fields:
        for text in NON_FINITE:
            if field.where == "query":
                response = await api.request(
                    field.method, _url(field.path), params={field.name: text}, headers=auth
                )
            else:
                body = json.dumps({**VALID_BODIES[field.owner], field.name: "N"})
                response = await api.request(
                    field.method,
                    _url(field.path),
                    content=body.replace('"N"', text),
                    headers={**auth, "content-type": "application/json"},
                )
            detail = response.json()["detail"] if response.status_code == 422 else []
            answers[(field.owner, field.name, text)] = (
                response.status_code,
                [error["loc"] for error in detail],
            )
    assert answers == {
        (field.owner, field.name, text): (422, [[field.where, field.name]])
        for field in fields
        for text in NON_FINITE
    }


# What JSON Schema's integer is not, though pydantic alone would read it as one.
NOT_INTEGERS: tuple[Any, ...] = (True, False, "5", "")


async def test_422_naming_the_field_when_a_body_number_is_a_boolean_or_a_string(
    api: httpx.AsyncClient, auth: dict[str, str], fields: list[NumberField]
) -> None:
    body_fields = [field for field in fields if field.where == "body"]
    answers: dict[tuple[str, str, Any], tuple[int, list[Any]]] = {}
    for field in body_fields:
        for value in NOT_INTEGERS:
            body = {**VALID_BODIES[field.owner], field.name: value}
            response = await api.request(field.method, _url(field.path), json=body, headers=auth)
            detail = response.json()["detail"] if response.status_code == 422 else []
            answers[(field.owner, field.name, value)] = (
                response.status_code,
                [error["loc"] for error in detail],
            )
    assert answers == {
        (field.owner, field.name, value): (422, [["body", field.name]])
        for field in body_fields
        for value in NOT_INTEGERS
    }
