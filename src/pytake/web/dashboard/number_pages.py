"""WhatsApp numbers: the list, and a form to add one (its access token is never shown again)."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pytake.core.errors import ConflictError, InvalidInputError
from pytake.numbers.schemas import WhatsAppNumberCreate, check_api_base_url
from pytake.numbers.service import create_number, list_numbers
from pytake.web.dashboard.forms import (
    NUMBER_DEFAULTS,
    NUMBER_FIELDS,
    FieldErrors,
    number_errors,
    number_payload,
    typed_values,
)
from pytake.web.dashboard.rendering import Viewer, ViewerDep, render
from pytake.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)


@router.get("/numbers")
async def number_list(request: Request, viewer: ViewerDep, runtime: RuntimeDep) -> Response:
    values = {name: NUMBER_DEFAULTS.get(name, "") for name in NUMBER_FIELDS}
    return await _page(request, viewer, runtime, values, {})


@router.post("/numbers")
async def add_number(request: Request, viewer: ViewerDep, runtime: RuntimeDep) -> Response:
    form = await request.form()
    values = typed_values(form, NUMBER_FIELDS)
    access_token = str(form.get("access_token", ""))
    try:
        data = WhatsAppNumberCreate.model_validate(number_payload(values, access_token))
        check_api_base_url(data.api_base_url, runtime.settings.whatsapp_api_origins)
        async with runtime.db.transaction() as session:
            await create_number(session, viewer.organization_id, data, secrets=runtime.secrets)
    except (ValidationError, InvalidInputError) as exc:
        return await _page(request, viewer, runtime, values, number_errors(exc), status_code=422)
    except ConflictError as exc:
        errors = {"phone_number_id": f"{str(exc).capitalize()}."}
        return await _page(request, viewer, runtime, values, errors, status_code=409)
    return RedirectResponse("/numbers?added=1", status_code=303)


async def _page(
    request: Request,
    viewer: Viewer,
    runtime: RuntimeDep,
    values: dict[str, str],
    errors: FieldErrors,
    *,
    status_code: int = 200,
) -> Response:
    async with runtime.db.session() as session:
        numbers = await list_numbers(session, viewer.organization_id)
    return render(
        request,
        "numbers.html",
        viewer=viewer,
        numbers=numbers,
        values=values,
        errors=errors,
        added=request.query_params.get("added") == "1",
        status_code=status_code,
    )
