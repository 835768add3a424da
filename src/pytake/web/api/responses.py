"""The refusals routes document beside their success, so `/openapi.json` names every status a
route can answer and the body it carries.

Refusals carry `{"detail": "..."}`; validation errors (422) carry FastAPI's list, which FastAPI
documents by itself on every route that takes input.
"""

from typing import Any

from pydantic import BaseModel

Responses = dict[int | str, dict[str, Any]]


class ErrorMessage(BaseModel):
    """Every refusal but a validation error: what went wrong, in words."""

    detail: str


def refusal(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One documented refusal with `{"detail": ...}`; `headers` names those it sets."""
    answer: dict[str, Any] = {"model": ErrorMessage, "description": description}
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


# Every /api/v1 route checks the caller first: a Bearer key, or the dashboard's cookie.
API_KEY: Responses = {
    401: refusal(
        "No API key, a key that is not valid or revoked, or a dashboard session that ended",
        {"WWW-Authenticate": "`Bearer`"},
    ),
    429: refusal(
        "Too many failed keys or sign-ins from this address lately",
        {"Retry-After": "Seconds until this address may try a key again"},
    ),
}

# A state-changing /api/v1 route called with the dashboard's cookie must prove it came from
# the dashboard's own pages.
CSRF: Responses = {
    403: refusal("Signed in by the dashboard's cookie, without its X-CSRF-Token header"),
}

# A route that reads a body: one it cannot parse, or one over its size limit.
BODY: Responses = {
    400: refusal("The body cannot be parsed (not JSON, not UTF-8, a broken multipart form)"),
    413: refusal(
        "The body is over its limit: PYTAKE_MAX_BODY_BYTES, "
        "or PYTAKE_MAX_IMPORT_BYTES for a CSV upload"
    ),
}

NOT_FOUND: Responses = {
    404: refusal("Not found in the caller's organization (another one's is 404 too)"),
}


def conflict(description: str) -> Responses:
    return {409: refusal(description)}


# A campaign's lifecycle: the move is not allowed from the campaign's status.
LIFECYCLE_CONFLICT = conflict("Not allowed in the campaign's current status")
