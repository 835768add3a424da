"""Renders expected failures in one place: `{"detail": ...}` with the error's HTTP status."""

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from pytake.core.errors import InvalidInputError, PytakeError, TooManyAttemptsError


async def _render(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PytakeError)
    if isinstance(exc, InvalidInputError):
        location = [exc.location, exc.field] if exc.field else [exc.location]
        detail = [{"loc": location, "msg": str(exc), "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, TooManyAttemptsError):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)


async def _render_invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, without the echoed `input` when it holds NaN or Infinity.

    Python's JSON parser reads those from a body, but a JSON answer cannot carry them back.
    """
    assert isinstance(exc, RequestValidationError)
    try:
        return await request_validation_exception_handler(request, exc)
    except ValueError:
        errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def _render_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's answer, with a 405's `Allow` naming every method of the path.

    Starlette answers 405 from the first route whose path matches, so a path served by
    several routes (GET and POST on one collection) would name only that route's methods.
    """
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return await http_exception_handler(request, exc)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route would take the request's path with, as the router matches."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PytakeError, _render)
    app.add_exception_handler(RequestValidationError, _render_invalid_request)
    app.add_exception_handler(HTTPException, _render_http_error)
