"""Builds the FastAPI application around a runtime."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pytake import __version__
from pytake.bootstrap import Runtime
from pytake.core.settings import get_settings
from pytake.web import metrics, webhooks
from pytake.web.api import api_keys, campaigns, contacts, health, numbers
from pytake.web.api.responses import API_KEY
from pytake.web.api_docs import install_api_docs
from pytake.web.body_limit import BodyLimit, BodyLimitMiddleware
from pytake.web.dashboard import install_dashboard
from pytake.web.errors import install_error_handlers
from pytake.web.live import install_live_progress
from pytake.web.throttling import LocalFailureStore, RedisFailureStore, Throttle
from pytake.web.transport_security import StrictTransportSecurity

# The CSV uploads, which stream to disk and are read a chunk at a time.
IMPORT_PATHS = ("/api/v1/contacts/import", "/contacts/import")
# Meta's webhook refuses bodies over its own limit (and counts them in its metrics).
WEBHOOK_PATH = "/webhooks/meta"


def create_app(runtime: Runtime, *, manage_runtime: bool = True) -> FastAPI:
    """The app; with `manage_runtime` it starts and stops the runtime with the server."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
        try:
            yield
        finally:
            await _app.state.progress_hub.close()
            await _app.state.credential_watch.close()
            if manage_runtime:
                await runtime.stop()

    app = FastAPI(
        title="PyTake",
        version=__version__,
        summary="WhatsApp campaign execution engine",
        lifespan=lifespan,
        # FastAPI's pages load their scripts from a CDN; install_api_docs serves ours.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    store = RedisFailureStore(runtime.redis) if runtime.redis is not None else LocalFailureStore()
    app.state.throttle = Throttle(store, runtime.clock)
    app.add_middleware(StrictTransportSecurity, cookie_secure=runtime.settings.cookie_secure)
    install_error_handlers(app)
    settings = runtime.settings
    imports = BodyLimit(settings.max_import_bytes, "PYTAKE_MAX_IMPORT_BYTES")
    app.add_middleware(
        BodyLimitMiddleware,
        default=BodyLimit(settings.max_body_bytes, "PYTAKE_MAX_BODY_BYTES"),
        by_path={WEBHOOK_PATH: None, **dict.fromkeys(IMPORT_PATHS, imports)},
    )
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(webhooks.router)
    for module in (numbers, contacts, campaigns, api_keys):
        app.include_router(module.router, prefix="/api/v1", responses=API_KEY)
    install_live_progress(app, runtime)
    install_dashboard(app)
    install_api_docs(app)
    return app


def app_from_environment() -> FastAPI:
    """The app for the settings of this process's environment (uvicorn's factory)."""
    return create_app(Runtime(get_settings()))
