"""Operations endpoints: health and the OpenAPI documentation."""

import httpx
import pytest

from pytake.bootstrap import Runtime, migrate
from pytake.cli.processes import free_port
from pytake.core.settings import Settings
from pytake.web.app import create_app

pytestmark = pytest.mark.integration


async def test_health_reports_each_service_when_the_database_answers(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "healthy",
        "services": {"database": "ok", "redis": "disabled", "executor": "inprocess"},
    }


async def test_docs_describe_every_public_route_when_opened(api: httpx.AsyncClient) -> None:
    assert (await api.get("/docs")).status_code == 200
    paths = set((await api.get("/openapi.json")).json()["paths"])
    assert {
        "/api/v1/whatsapp-numbers",
        "/api/v1/contacts/import",
        "/api/v1/campaigns/{campaign_id}/retry-stats",
        "/api/v1/campaigns/{campaign_id}/messages/{contact_id}",
        "/api/v1/campaigns/{campaign_id}/retry-failed",
        "/health",
    } <= paths


async def test_health_is_503_naming_the_database_when_it_does_not_answer() -> None:
    runtime = Runtime(Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:9/absent"))
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://pytake.test") as client:
            answer = await client.get("/health")
    finally:
        await runtime.stop()
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unhealthy"
    assert body["services"]["database"].startswith("error")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_health_is_503_naming_redis_when_it_does_not_answer(database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    runtime = Runtime(settings)
    await migrate(runtime.db)
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://pytake.test") as client:
            answer = await client.get("/health")
    finally:
        await runtime.stop()
    assert answer.status_code == 503
    services = answer.json()["services"]
    assert services["database"] == "ok"
    assert services["redis"].startswith("error: ")
