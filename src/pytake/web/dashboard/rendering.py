"""Templates, the signed-in viewer, and page responses with the dashboard's security headers."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from pytake import __version__
from pytake.campaigns.queries import without_trace_id
from pytake.campaigns.states import TRANSITIONS, can_transition
from pytake.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    csrf_token_for,
    is_valid_csrf,
    session_of_cookie,
)
from pytake.web.dashboard.charts import share
from pytake.web.deps import RuntimeDep

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

# Everything is served by us: no inline script, no third-party origin, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SignInRequiredError(Exception):
    """The page needs a signed-in viewer; answered with a redirect to the sign-in page."""


class FormExpiredError(Exception):
    """A dashboard form came without this session's CSRF token."""


class PageNotFoundError(Exception):
    """A dashboard page for something this organization does not have."""


@dataclass(frozen=True, slots=True)
class Viewer:
    organization_id: uuid.UUID
    organization_name: str
    csrf_token: str


async def get_viewer(request: Request, runtime: RuntimeDep) -> Viewer:
    """The signed-in organization; a form it posts must carry the session's CSRF token."""
    signed_in = await session_of_cookie(runtime, request)
    if signed_in is None:
        raise SignInRequiredError
    token = request.cookies[SESSION_COOKIE]
    if request.method not in SAFE_METHODS:
        form = await request.form()
        presented = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if not is_valid_csrf(token, presented if isinstance(presented, str) else None):
            await form.close()
            raise FormExpiredError
    organization = signed_in.organization
    return Viewer(organization.id, organization.name, csrf_token_for(token))


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    response = templates.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "version": __version__, "csrf_field": CSRF_FIELD, **context},
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _grouped(value: int | float) -> str:
    return f"{value:,}"


def _moment(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value is not None else "—"


def _percent(value: float) -> str:
    """57.25 → "57.3", 100.0 → "100", as the page's script shows them."""
    return f"{round(value, 1):g}"


def _time_left(seconds: float | None) -> str:
    """A rough "time left" for the ETA; the same wording as campaign.js's `timeLeft`."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min left"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"about {hours} h {minutes} min left"


templates.env.filters["grouped"] = _grouped
templates.env.filters["time_left"] = _time_left
templates.env.filters["moment"] = _moment
templates.env.filters["pct"] = _percent
templates.env.filters["brief"] = without_trace_id
templates.env.globals["can"] = can_transition
# The campaign page's script enables its buttons from the same state table as the API.
templates.env.globals["transitions"] = {
    action: sorted(statuses) for action, statuses in TRANSITIONS.items()
}
templates.env.globals["share"] = share
