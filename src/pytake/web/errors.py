"""Renders expected failures in one place: `{"detail": ...}` with the error's HTTP status."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PytakeError, _render)
