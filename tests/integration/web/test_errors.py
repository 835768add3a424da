"""How the app renders refusals it does not raise itself: a 405 names every method of its path."""

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/v1/contacts", "GET, POST"),
        ("PUT", "/api/v1/campaigns/00000000-0000-0000-0000-000000000001", "GET, PATCH, DELETE"),
        ("DELETE", "/webhooks/meta", "GET, POST"),
        ("POST", "/health", "GET"),
    ],
)
async def test_405_names_every_method_of_the_path_when_one_is_missing(
    api: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    answer = await api.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allowed
    assert answer.json() == {"detail": "Method Not Allowed"}
