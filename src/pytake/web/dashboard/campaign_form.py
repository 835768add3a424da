"""The new-campaign form: errors next to their fields, what was typed kept."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pytake.campaigns import service
from pytake.campaigns.schemas import CampaignCreate
from pytake.core.errors import InvalidInputError
from pytake.numbers.models import WhatsAppNumber
from pytake.numbers.service import list_numbers
from pytake.web.dashboard.forms import (
    CAMPAIGN_DEFAULTS,
    CAMPAIGN_FIELDS,
    FieldErrors,
    campaign_errors,
    campaign_payload,
    typed_values,
)
from pytake.web.dashboard.rendering import Viewer, ViewerDep, render
from pytake.web.deps import RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)


@router.get("/campaigns/new")
async def new_campaign_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    numbers = await list_numbers(session, viewer.organization_id)
    values = {name: CAMPAIGN_DEFAULTS.get(name, "") for name in CAMPAIGN_FIELDS}
    if len(numbers) == 1:
        values["whatsapp_number_id"] = str(numbers[0].id)
    return _form(request, viewer, numbers, values, {})


@router.post("/campaigns/new")
async def create_campaign(request: Request, viewer: ViewerDep, runtime: RuntimeDep) -> Response:
    values = typed_values(await request.form(), CAMPAIGN_FIELDS)
    try:
        data = CampaignCreate.model_validate(campaign_payload(values))
        async with runtime.db.transaction() as session:
            campaign = await service.create_campaign(session, viewer.organization_id, data)
    except (ValidationError, InvalidInputError) as exc:
        async with runtime.db.session() as session:
            numbers = await list_numbers(session, viewer.organization_id)
        return _form(request, viewer, numbers, values, campaign_errors(exc), status_code=422)
    return RedirectResponse(f"/campaigns/{campaign.id}?created=1", status_code=303)


def _form(
    request: Request,
    viewer: Viewer,
    numbers: list[WhatsAppNumber],
    values: dict[str, str],
    errors: FieldErrors,
    *,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "campaign_new.html",
        viewer=viewer,
        numbers=numbers,
        values=values,
        errors=errors,
        status_code=status_code,
    )
