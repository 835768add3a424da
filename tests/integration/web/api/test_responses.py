"""`/openapi.json` names every status a route can answer besides its success, with its body."""

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

WRITES = {"post", "patch", "delete"}


async def operations(api: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    paths = (await api.get("/openapi.json")).json()["paths"]
    return [(method, path, op) for path, ops in paths.items() for method, op in ops.items()]


async def test_every_api_route_documents_the_refusals_of_its_kind(api: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, operation in await operations(api):
        if not path.startswith("/api/v1/"):
            continue
        expected = {"401", "429"}
        if method in WRITES:
            expected.add("403")
        if "{" in path:
            expected |= {"404", "422"}
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        missing = expected - set(operation["responses"])
        assert not missing, f"{method.upper()} {path} documents no {sorted(missing)}"
        checked += 1
    assert checked == 29


async def test_a_refusal_documents_its_detail_and_the_headers_it_sets(
    api: httpx.AsyncClient,
) -> None:
    document = (await api.get("/openapi.json")).json()
    responses = document["paths"]["/api/v1/campaigns/{campaign_id}/start"]["post"]["responses"]
    schema = responses["409"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorMessage"}
    assert document["components"]["schemas"]["ErrorMessage"]["required"] == ["detail"]
    assert set(responses["401"]["headers"]) == {"WWW-Authenticate"}
    assert set(responses["429"]["headers"]) == {"Retry-After"}


async def test_answers_that_are_not_json_document_their_content_type(
    api: httpx.AsyncClient,
) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    messages = paths["/api/v1/campaigns/{campaign_id}/messages"]["get"]["responses"]["200"]
    assert set(messages["content"]) == {"application/json", "text/csv"}
    assert set(paths["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    verification = paths["/webhooks/meta"]["get"]["responses"]
    assert {status: set(verification[status]["content"]) for status in ("200", "403")} == {
        "200": {"text/plain"},
        "403": {"text/plain"},
    }
    assert set(paths["/health"]["get"]["responses"]) == {"200", "503"}
    assert {"400", "401", "413", "503"} <= set(paths["/webhooks/meta"]["post"]["responses"])
