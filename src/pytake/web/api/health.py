"""`GET /health`: whether the database (and Redis, when configured) answer."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from pytake.web.deps import RuntimeDep

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health(runtime: RuntimeDep) -> JSONResponse:
    services = {"database": "ok", "redis": "disabled", "executor": runtime.settings.executor}
    try:
        async with runtime.db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is unusable
        services["database"] = f"error: {type(exc).__name__}"
    healthy = services["database"] == "ok"
    body = {"status": "healthy" if healthy else "unhealthy", "services": services}
    return JSONResponse(body, status_code=200 if healthy else 503)
