"""Contacts: a page of them at a time, and a CSV upload that reports its rejected rows."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from pytake.contacts import service
from pytake.core.errors import InvalidInputError
from pytake.web.dashboard.rendering import PageNotFoundError, Viewer, ViewerDep, render
from pytake.web.deps import RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SHOWN_ROW_ERRORS = 500
_NO_FILE = "Choose a CSV file to upload."


@router.get("/contacts")
async def contact_list(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    tag: str = "",
    cursor: str | None = None,
) -> Response:
    try:
        page = await service.list_contacts(
            session, viewer.organization_id, tag=tag.strip(), limit=PAGE_SIZE, cursor=cursor
        )
    except InvalidInputError:
        raise PageNotFoundError from None
    return _page(request, viewer, tag=tag, page=page, is_first_page=not cursor)


@router.post("/contacts/import")
async def import_contacts(request: Request, viewer: ViewerDep, runtime: RuntimeDep) -> Response:
    # Closing the form deletes the upload's temporary file.
    async with request.form() as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page(request, viewer, status_code=422, file_error=_NO_FILE)
        try:
            report = await service.import_contacts_csv(
                runtime.db, viewer.organization_id, upload.file
            )
        except InvalidInputError as exc:
            return _page(request, viewer, status_code=422, file_error=str(exc))
        filename = upload.filename
    async with runtime.db.session() as session:
        page = await service.list_contacts(session, viewer.organization_id, limit=PAGE_SIZE)
    shown = report.errors[:SHOWN_ROW_ERRORS]
    return _page(request, viewer, page=page, report=report, filename=filename, shown_errors=shown)


def _page(request: Request, viewer: Viewer, *, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        "contacts.html",
        viewer=viewer,
        status_code=status_code,
        **{
            "tag": "",
            "page": None,
            "is_first_page": True,
            "report": None,
            "file_error": None,
            **context,
        },
    )
