"""`GET /health`: whether the database (and Redis, when configured) answer."""

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from pytake.bootstrap import Runtime
from pytake.web.deps import RuntimeDep

router = APIRouter(tags=["operations"])

# A health probe must answer even when a service hangs instead of refusing.
CHECK_TIMEOUT_SECONDS = 3.0


class Services(BaseModel):
    database: str = Field(description="`ok`, or `error: <kind>`")
    redis: str = Field(description="`ok`, `disabled` (no PYTAKE_REDIS_URL), or `error: <kind>`")
    executor: Literal["inprocess", "celery"]


class HealthReport(BaseModel):
    status: Literal["healthy", "unhealthy"]
    services: Services


@router.get(
    "/health",
    responses={
        200: {"model": HealthReport, "description": "Every service answers"},
        503: {"model": HealthReport, "description": "A service does not answer"},
    },
)
async def health(runtime: RuntimeDep) -> JSONResponse:
    services = {
        "database": await _check_database(runtime),
        "redis": await _check_redis(runtime),
        "executor": runtime.settings.executor,
    }
    healthy = services["database"] == "ok" and services["redis"] in ("ok", "disabled")
    body = {"status": "healthy" if healthy else "unhealthy", "services": services}
    return JSONResponse(body, status_code=200 if healthy else 503)


async def _check_database(runtime: Runtime) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), runtime.db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is unusable
        return f"error: {type(exc).__name__}"
    return "ok"


async def _check_redis(runtime: Runtime) -> str:
    if runtime.redis is None:
        return "disabled"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await runtime.redis.ping()
    except Exception as exc:  # any client error means Redis is unusable
        return f"error: {type(exc).__name__}"
    return "ok"
