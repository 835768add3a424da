"""`/api/v1/whatsapp-numbers`: the organization's business numbers (tokens go in, never out)."""

import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from pytake.numbers import service
from pytake.numbers.schemas import (
    WhatsAppNumberCreate,
    WhatsAppNumberList,
    WhatsAppNumberRead,
    WhatsAppNumberUpdate,
    check_api_base_url,
)
from pytake.web.api.responses import BODY, CSRF, NOT_FOUND, conflict
from pytake.web.deps import OrgIdDep, RuntimeDep, SessionDep


class _UnechoedInputRoute(APIRoute):
    """Leaves `input` out of validation errors: it can be the whole body, token included."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_without_echo(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as exc:
                errors = [
                    {key: value for key, value in error.items() if key != "input"}
                    for error in exc.errors()
                ]
                raise RequestValidationError(errors) from None

        return handle_without_echo


ALREADY_REGISTERED = conflict("The organization already has a number with this phone_number_id")

router = APIRouter(
    prefix="/whatsapp-numbers", tags=["whatsapp numbers"], route_class=_UnechoedInputRoute
)


@router.post("", status_code=201, responses=BODY | CSRF | ALREADY_REGISTERED)
async def create_number(
    body: WhatsAppNumberCreate, org_id: OrgIdDep, session: SessionDep, runtime: RuntimeDep
) -> WhatsAppNumberRead:
    check_api_base_url(body.api_base_url, runtime.settings.whatsapp_api_origins)
    number = await service.create_number(session, org_id, body, secrets=runtime.secrets)
    return WhatsAppNumberRead.model_validate(number)


@router.get("")
async def list_numbers(org_id: OrgIdDep, session: SessionDep) -> WhatsAppNumberList:
    numbers = await service.list_numbers(session, org_id)
    return WhatsAppNumberList(items=[WhatsAppNumberRead.model_validate(n) for n in numbers])


@router.get("/{number_id}", responses=NOT_FOUND)
async def get_number(
    number_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep
) -> WhatsAppNumberRead:
    return WhatsAppNumberRead.model_validate(await service.get_number(session, org_id, number_id))


@router.patch("/{number_id}", responses=NOT_FOUND | BODY | CSRF | ALREADY_REGISTERED)
async def update_number(
    number_id: uuid.UUID,
    body: WhatsAppNumberUpdate,
    org_id: OrgIdDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> WhatsAppNumberRead:
    check_api_base_url(body.api_base_url, runtime.settings.whatsapp_api_origins)
    number = await service.update_number(session, org_id, number_id, body, secrets=runtime.secrets)
    return WhatsAppNumberRead.model_validate(number)


@router.delete("/{number_id}", status_code=204, responses=NOT_FOUND | CSRF)
async def delete_number(number_id: uuid.UUID, org_id: OrgIdDep, session: SessionDep) -> None:
    await service.delete_number(session, org_id, number_id)
