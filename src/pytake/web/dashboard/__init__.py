"""The dashboard at `/`: server-rendered pages over the same services as the JSON API."""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from pytake.web.dashboard import (
    auth_pages,
    campaign_form,
    campaign_pages,
    contact_pages,
    number_pages,
)
from pytake.web.dashboard.rendering import (
    STATIC_DIR,
    FormExpiredError,
    PageNotFoundError,
    SignInRequiredError,
    render,
)


async def _to_sign_in(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/sign-in", status_code=303)


async def _form_expired(request: Request, _exc: Exception) -> Response:
    return render(request, "problem.html", status_code=403, problem="expired")


async def _not_found(request: Request, _exc: Exception) -> Response:
    return render(request, "problem.html", status_code=404, problem="not_found")


def install_dashboard(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The form's fixed path comes before the campaign page's, which would take "new" for an id.
    for module in (auth_pages, campaign_form, campaign_pages, contact_pages, number_pages):
        app.include_router(module.router)
    app.add_exception_handler(SignInRequiredError, _to_sign_in)
    app.add_exception_handler(FormExpiredError, _form_expired)
    app.add_exception_handler(PageNotFoundError, _not_found)
