"""Renders expected failures in one place: `{"detail": ...}` with the error's HTTP status."""

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PytakeError, _render)
    app.add_exception_handler(RequestValidationError, _render_invalid_request)
