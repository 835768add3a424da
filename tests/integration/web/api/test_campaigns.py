"""The campaigns API: validation bounds, lifecycle moves, tenant isolation (both databases)."""

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator
from support.scenario import Scenario, accepted_log

pytestmark = pytest.mark.integration

NUMBER = {
    "phone_number_id": "106540352242922",
    "display_phone_number": "15550783881",
    "access_token": "secret-token",
}
TEMPLATE = {"name": "promo", "language": "pt_BR", "components": []}


@pytest.fixture
async def draft(api: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, Any]:
    number = (await api.post("/api/v1/whatsapp-numbers", json=NUMBER, headers=auth)).json()
    contact = {"name": "Ana", "phone": "+55 11 99999-0001", "tags": ["vip"]}
    assert (await api.post("/api/v1/contacts", json=contact, headers=auth)).status_code == 201
    body = {
        "name": "Promo",
        "whatsapp_number_id": number["id"],
        "template": TEMPLATE,
        "contact_tags": ["vip"],
    }
    answer = await api.post("/api/v1/campaigns", json=body, headers=auth)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_new_campaign_is_draft_with_its_audience_counted_when_created(
    draft: dict[str, Any],
) -> None:
    assert draft["status"] == "draft"
    assert draft["total_contacts"] == 1
    assert (draft["retry_max_attempts"], draft["retry_base_delay"], draft["retry_max_delay"]) == (
        3,
        60,
        3600,
    )
    assert draft["progress"] == 0


async def _create(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], **fields: Any
) -> httpx.Response:
    """Creates a campaign like `draft`, with `fields` changed."""
    body = {
        "name": "x",
        "whatsapp_number_id": draft["whatsapp_number_id"],
        "template": TEMPLATE,
        "contact_tags": ["vip"],
        **fields,
    }
    return await api.post("/api/v1/campaigns", json=body, headers=auth)


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("retry_max_attempts", 0, 422),
        ("retry_max_attempts", 1, 201),
        ("retry_max_attempts", 10, 201),
        ("retry_max_attempts", 11, 422),
        ("retry_base_delay", 9, 422),
        ("retry_base_delay", 10, 201),
        ("retry_base_delay", 600, 201),
        ("retry_base_delay", 601, 422),
        ("retry_max_delay", 59, 422),
        ("retry_max_delay", 600, 201),
        ("retry_max_delay", 7200, 201),
        ("retry_max_delay", 7201, 422),
    ],
)
async def test_retry_field_is_accepted_only_within_its_inclusive_bounds_when_creating(
    api: httpx.AsyncClient,
    auth: dict[str, str],
    draft: dict[str, Any],
    field: str,
    value: int,
    status: int,
) -> None:
    answer = await _create(api, auth, draft, **{field: value})
    assert answer.status_code == status, answer.text
    if status == 422:
        assert field in str(answer.json()["detail"][0]["loc"])


async def test_max_delay_below_base_delay_is_refused_when_creating(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    answer = await _create(api, auth, draft, retry_base_delay=600, retry_max_delay=300)
    assert answer.status_code == 422
    assert "retry_max_delay must be >= retry_base_delay" in answer.text


@pytest.mark.parametrize(
    "audience",
    [
        {},
        {"contact_tags": ["nobody-has-this"]},
        {"contact_ids": ["00000000-0000-0000-0000-000000000001"]},
    ],
)
async def test_empty_audience_is_refused_when_creating(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], audience: dict[str, Any]
) -> None:
    answer = await _create(api, auth, draft, **{"contact_tags": [], **audience})
    assert answer.status_code == 422
    assert "audience" in answer.text


def uuids(count: int) -> list[str]:
    return [str(uuid.UUID(int=index + 1)) for index in range(count)]


async def test_contact_ids_are_refused_past_10000_when_creating_or_changing(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    message = "at most 10,000 contact_ids (got 10,001): use contact_tags for larger audiences"
    answer = await _create(api, auth, draft, contact_ids=uuids(10_001))
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert (error["loc"], error["msg"]) == (["body", "contact_ids"], message)
    path = f"/api/v1/campaigns/{draft['id']}"
    changed = await api.patch(path, json={"contact_ids": uuids(10_001)}, headers=auth)
    assert changed.status_code == 422
    assert changed.json()["detail"][0]["msg"] == message
    at_limit = await _create(api, auth, draft, contact_ids=uuids(10_000))
    assert at_limit.status_code == 201, at_limit.text
    assert at_limit.json()["total_contacts"] == 1


async def test_unknown_placeholder_is_refused_when_creating(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    template = {
        "name": "promo",
        "language": "pt_BR",
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "{{contact.email}}"}]}
        ],
    }
    answer = await _create(api, auth, draft, template=template)
    assert answer.status_code == 422
    assert "{{contact.email}}" in answer.text


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_422_naming_the_components_when_a_template_number_is_not_finite(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], number: str
) -> None:
    template = {**TEMPLATE, "components": [{"type": "body", "x": ["NUMBER"]}]}
    body = {
        "name": "x",
        "whatsapp_number_id": draft["whatsapp_number_id"],
        "template": template,
        "contact_tags": ["vip"],
    }
    headers = {**auth, "content-type": "application/json"}
    created = await api.post(
        "/api/v1/campaigns", content=json.dumps(body).replace('"NUMBER"', number), headers=headers
    )
    patched = await api.patch(
        f"/api/v1/campaigns/{draft['id']}",
        content=json.dumps({"template": template}).replace('"NUMBER"', number),
        headers=headers,
    )
    for answer in (created, patched):
        assert answer.status_code == 422
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", "template", "components"]
        assert "[0].x[0]" in error["msg"]
    listed = (await api.get("/api/v1/campaigns", headers=auth)).json()["items"]
    assert [(c["id"], c["template"]) for c in listed] == [(draft["id"], TEMPLATE)]


async def test_other_organizations_number_is_refused_when_creating(
    api: httpx.AsyncClient, other_auth: dict[str, str], draft: dict[str, Any]
) -> None:
    answer = await _create(api, other_auth, draft)
    assert answer.status_code == 422
    assert "whatsapp_number_id" in str(answer.json()["detail"][0]["loc"])


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/start"),
        ("POST", "/pause"),
        ("POST", "/cancel"),
        ("GET", "/retry-stats"),
        ("GET", "/messages"),
        ("GET", "/errors"),
    ],
)
async def test_campaign_is_not_found_when_another_organization_asks(
    api: httpx.AsyncClient,
    other_auth: dict[str, str],
    draft: dict[str, Any],
    method: str,
    suffix: str,
) -> None:
    kwargs: dict[str, Any] = {"json": {"name": "stolen"}} if method == "PATCH" else {}
    answer = await api.request(
        method, f"/api/v1/campaigns/{draft['id']}{suffix}", headers=other_auth, **kwargs
    )
    assert answer.status_code == 404


async def test_campaign_list_holds_only_own_campaigns_when_two_organizations_exist(
    api: httpx.AsyncClient, auth: dict[str, str], other_auth: dict[str, str], draft: dict[str, Any]
) -> None:
    mine = (await api.get("/api/v1/campaigns", headers=auth)).json()["items"]
    theirs = (await api.get("/api/v1/campaigns", headers=other_auth)).json()["items"]
    assert [c["id"] for c in mine] == [draft["id"]]
    assert theirs == []


async def test_requests_are_refused_when_key_is_missing_or_wrong(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/campaigns")).status_code == 401
    wrong = {"Authorization": "Bearer ptk_not-a-key"}
    assert (await api.get("/api/v1/campaigns", headers=wrong)).status_code == 401


@pytest.mark.parametrize("move", ["pause", "resume", "retry-failed"])
async def test_move_is_a_conflict_when_campaign_is_draft(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], move: str
) -> None:
    answer = await api.post(f"/api/v1/campaigns/{draft['id']}/{move}", headers=auth)
    assert answer.status_code == 409
    assert answer.json()["detail"] == f"cannot {move} a campaign in status draft"


async def test_cancelled_campaign_refuses_every_move_but_delete_when_cancelled(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    path = f"/api/v1/campaigns/{draft['id']}"
    assert (await api.post(f"{path}/cancel", headers=auth)).json()["status"] == "cancelled"
    for move in ("start", "pause", "resume", "cancel"):
        assert (await api.post(f"{path}/{move}", headers=auth)).status_code == 409
    assert (await api.patch(path, json={"name": "y"}, headers=auth)).status_code == 409
    assert (await api.delete(path, headers=auth)).status_code == 204
    assert (await api.get(path, headers=auth)).status_code == 404


async def test_patch_changes_a_draft_and_is_refused_once_started(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    path = f"/api/v1/campaigns/{draft['id']}"
    changed = await api.patch(path, json={"name": "Renamed", "retry_base_delay": 30}, headers=auth)
    assert (changed.json()["name"], changed.json()["retry_base_delay"]) == ("Renamed", 30)
    started = await api.post(f"{path}/start", headers=auth)
    assert started.json()["status"] == "running"
    refused = await api.patch(path, json={"name": "Again"}, headers=auth)
    assert refused.status_code == 409
    assert (await api.delete(path, headers=auth)).status_code == 409


async def test_opted_out_contact_is_skipped_when_campaign_starts(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    contact = {"name": "Bia", "phone": "+55 11 99999-0002", "tags": ["vip"]}
    created = (await api.post("/api/v1/contacts", json=contact, headers=auth)).json()
    await api.patch(f"/api/v1/contacts/{created['id']}", json={"opted_out": True}, headers=auth)
    await api.post(f"/api/v1/campaigns/{draft['id']}/start", headers=auth)
    stats = (await api.get(f"/api/v1/campaigns/{draft['id']}/retry-stats", headers=auth)).json()
    assert stats["total_contacts"] == 2
    assert (stats["statuses"]["skipped"], stats["statuses"]["pending"]) == (1, 1)
    record = (
        await api.get(f"/api/v1/campaigns/{draft['id']}/messages/{created['id']}", headers=auth)
    ).json()
    assert record["status"] == "skipped"


async def test_resumed_campaign_waits_for_its_time_when_paused_before_its_scheduled_start(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> None:
    start_at = clock.now() + timedelta(hours=1)
    campaign = await scenario.started(3, scheduled_at=start_at.isoformat())
    path = f"/campaigns/{campaign['id']}"
    assert campaign["status"] == "scheduled"
    assert (await scenario.call("POST", f"{path}/pause"))["status"] == "paused"

    resumed = await scenario.call("POST", f"{path}/resume")
    assert (resumed["status"], resumed["pause_reason"]) == ("scheduled", None)
    await asyncio.sleep(20 * engine.settings.dispatch_interval_seconds)
    assert await accepted_log(simulator) == []
    assert {r["status"] for r in await scenario.records(campaign["id"])} == {"pending"}
    assert (await scenario.get(campaign["id"]))["status"] == "scheduled"

    clock.advance(3600 + 1)
    await scenario.wait_status(campaign["id"], "completed")
    assert len(await accepted_log(simulator)) == 3


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "whatsapp_number_id",
        "template",
        "contact_ids",
        "contact_tags",
        "retry_max_attempts",
        "retry_base_delay",
        "retry_max_delay",
        "retry_jitter",
    ],
)
async def test_422_naming_the_field_and_the_draft_kept_when_patched_to_null(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], field: str
) -> None:
    path = f"/api/v1/campaigns/{draft['id']}"
    answer = await api.patch(path, json={field: None}, headers=auth)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", field]
    assert "may be left out, but not null" in error["msg"]
    assert (await api.get(path, headers=auth)).json()[field] == draft[field]


async def test_schedule_is_cleared_when_patched_to_null(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    path = f"/api/v1/campaigns/{draft['id']}"
    later = {"scheduled_at": "2099-01-01T00:00:00Z"}
    assert (await api.patch(path, json=later, headers=auth)).json()["scheduled_at"] is not None
    cleared = await api.patch(path, json={"scheduled_at": None}, headers=auth)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["scheduled_at"] is None


async def test_422_naming_contact_tags_when_more_than_100_are_patched(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    tags = ["vip", *(f"tag{n}" for n in range(100))]
    answer = await api.patch(
        f"/api/v1/campaigns/{draft['id']}", json={"contact_tags": tags}, headers=auth
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "contact_tags"]


@pytest.mark.parametrize("kind", [["body"], {"body": 1}, 5, None])
async def test_422_naming_the_components_when_a_component_type_is_not_a_name(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], kind: Any
) -> None:
    template = {**TEMPLATE, "components": [{"type": kind}]}
    answer = await _create(api, auth, draft, template=template)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "template", "components"]
    assert "components[0].type must be one of" in error["msg"]


@pytest.mark.parametrize("suffix", ["", "/{id}/messages", "/{id}/errors"])
async def test_first_page_when_the_cursor_is_blank(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], suffix: str
) -> None:
    path = "/api/v1/campaigns" + suffix.format(id=draft["id"])
    answer = await api.get(path, params={"cursor": ""}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json() == (await api.get(path, headers=auth)).json()


@pytest.mark.parametrize("value", [0, 1, "true", "false"])
async def test_422_naming_include_permanent_when_it_is_not_a_boolean(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], value: Any
) -> None:
    answer = await api.post(
        f"/api/v1/campaigns/{draft['id']}/retry-failed",
        json={"include_permanent": value},
        headers=auth,
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "include_permanent"]


async def test_422_naming_status_when_the_filter_names_an_unknown_status(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any]
) -> None:
    path = f"/api/v1/campaigns/{draft['id']}/messages"
    assert (await api.get(path, params={"status": " failed , retrying,"}, headers=auth)).is_success
    answer = await api.get(path, params={"status": "failed,paused"}, headers=auth)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert (error["loc"], error["msg"][:24]) == (["query", "status"], "unknown status 'paused';")


@pytest.mark.parametrize("value", [1_700_000_000, "1700000000", True])
async def test_422_naming_scheduled_at_when_it_is_not_a_date_time_string(
    api: httpx.AsyncClient, auth: dict[str, str], draft: dict[str, Any], value: Any
) -> None:
    created = await _create(api, auth, draft, scheduled_at=value)
    patched = await api.patch(
        f"/api/v1/campaigns/{draft['id']}", json={"scheduled_at": value}, headers=auth
    )
    for answer in (created, patched):
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == ["body", "scheduled_at"]
