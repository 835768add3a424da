"""The OpenAPI UI at `/docs`, from files installed with the package: nothing from a CDN.

Swagger UI's script and stylesheet come from the `fastapi-offline` distribution; the page
starts it with a static script of ours, so the page runs under the dashboard's policy,
which allows scripts and styles from this server only (no inline script, no other origin).
FastAPI's own `get_swagger_ui_html` always writes an inline script, so it is not used.
"""

from html import escape
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from pytake.web.dashboard.rendering import SECURITY_HEADERS

DOCS_URL = "/docs"
SWAGGER_UI_URL = "/docs/swagger-ui"
INIT_URL = "/docs/static"
_STATIC_DIR = Path(__file__).parent / "static"
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="stylesheet" href="{root}{swagger}/swagger-ui.css">
<link rel="icon" href="{root}/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{root}{openapi}"></div>
<script src="{root}{swagger}/swagger-ui-bundle.js"></script>
<script src="{root}{init}/swagger-init.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Serves `/docs` (create the app with `docs_url=None` and `redoc_url=None`)."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(
        SWAGGER_UI_URL,
        StaticFiles(packages=[("fastapi_offline", "static")]),
        name="swagger-ui",
    )
    app.mount(INIT_URL, StaticFiles(directory=_STATIC_DIR), name="api-docs")

    @app.get(DOCS_URL, include_in_schema=False)
    async def api_docs(request: Request) -> HTMLResponse:
        page = _PAGE.format(
            title=escape(app.title),
            root=escape(request.scope.get("root_path", "")),
            swagger=SWAGGER_UI_URL,
            init=INIT_URL,
            openapi=openapi_url,
        )
        return HTMLResponse(page, headers=SECURITY_HEADERS)
