"""Body-size limits through the app: 413 before anything is stored, on SQLite and PostgreSQL."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from pytake.core.settings import MIB

pytestmark = pytest.mark.integration

TOO_BIG = "request body is larger than 1048576 bytes (PYTAKE_MAX_BODY_BYTES)"
IMPORT_LIMIT = 2 * MIB
IMPORT_TOO_BIG = f"request body is larger than {IMPORT_LIMIT} bytes (PYTAKE_MAX_IMPORT_BYTES)"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_import_bytes": IMPORT_LIMIT}


def two_megabytes_of_contact() -> bytes:
    return json.dumps({"name": "Ana", "phone": "5511999999999", "note": "x" * 2 * MIB}).encode()


async def in_chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """The body sent without a Content-Length (chunked), as a streaming client does."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def csv_of(size: int) -> bytes:
    """A valid contacts CSV of about `size` bytes."""
    rows = [b"name,phone,note\n"]
    for index in range(size // 1000 + 1):
        rows.append(b"C%d,55119%08d,%s\n" % (index, index, b"x" * 970))
    return b"".join(rows)


async def contacts(api: httpx.AsyncClient, auth: dict[str, str]) -> list[object]:
    answer = await api.get("/api/v1/contacts", headers=auth)
    return list(answer.json()["items"])


async def test_413_and_nothing_created_when_a_contact_body_is_over_1_mb(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    answer = await api.post("/api/v1/contacts", content=two_megabytes_of_contact(), headers=headers)
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_BIG}
    assert await contacts(api, auth) == []


async def test_413_and_nothing_created_when_a_chunked_contact_body_passes_1_mb(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    body = in_chunks(two_megabytes_of_contact())
    answer = await api.post("/api/v1/contacts", content=body, headers=headers)
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_BIG}
    assert await contacts(api, auth) == []


async def test_413_and_nothing_created_when_a_campaign_body_is_over_1_mb(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = {
        "name": "x" * 2 * MIB,
        "whatsapp_number_id": "00000000-0000-0000-0000-000000000001",
        "template": {"name": "promo", "language": "pt_BR"},
        "contact_tags": ["vip"],
    }
    answer = await api.post("/api/v1/campaigns", json=body, headers=auth)
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_BIG}
    listed = await api.get("/api/v1/campaigns", headers=auth)
    assert listed.json()["items"] == []


async def test_413_and_no_session_when_the_sign_in_form_is_over_1_mb(
    browser: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    key = auth["Authorization"].removeprefix("Bearer ")
    answer = await browser.post("/sign-in", data={"api_key": key, "padding": "x" * 2 * MIB})
    assert answer.status_code == 413
    assert answer.json() == {"detail": TOO_BIG}
    assert not browser.cookies


async def test_the_import_takes_more_than_1_mb_when_under_its_own_limit(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    content = csv_of(3 * MIB // 2)
    files = {"file": ("contacts.csv", content, "text/csv")}
    answer = await api.post("/api/v1/contacts/import", files=files, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == content.count(b"\n") - 1


async def test_413_and_nothing_created_when_an_import_is_over_its_limit(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    files = {"file": ("contacts.csv", csv_of(IMPORT_LIMIT + MIB // 2), "text/csv")}
    answer = await api.post("/api/v1/contacts/import", files=files, headers=auth)
    assert answer.status_code == 413
    assert answer.json() == {"detail": IMPORT_TOO_BIG}
    assert await contacts(api, auth) == []


async def test_413_and_nothing_created_when_a_chunked_import_passes_its_limit(
    api: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    boundary = "pytake-boundary"
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_of(IMPORT_LIMIT + MIB // 2)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    answer = await api.post(
        "/api/v1/contacts/import", content=in_chunks(multipart), headers=headers
    )
    assert answer.status_code == 413
    assert answer.json() == {"detail": IMPORT_TOO_BIG}
    assert await contacts(api, auth) == []


async def test_413_when_a_dashboard_upload_is_over_the_import_limit(
    browser: httpx.AsyncClient, csrf_token: str
) -> None:
    answer = await browser.post(
        "/contacts/import",
        data={"csrf_token": csrf_token},
        files={"file": ("people.csv", csv_of(IMPORT_LIMIT + MIB // 2), "text/csv")},
    )
    assert answer.status_code == 413
    assert answer.json() == {"detail": IMPORT_TOO_BIG}
