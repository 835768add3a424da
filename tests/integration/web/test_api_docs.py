"""`/docs` over HTTP: everything it loads comes from this server, under a 'self'-only policy."""

import re

import httpx
import pytest

pytestmark = pytest.mark.integration

_REFERENCES = re.compile(r'(?:src|href|data-openapi-url)="([^"]*)"')


async def test_docs_reference_no_other_origin_and_run_no_inline_script(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/docs")
    assert answer.status_code == 200
    assert re.findall(r"https?://", answer.text) == []
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", answer.text) == []
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "unsafe" not in policy


async def test_every_file_the_docs_reference_is_served_by_the_app(api: httpx.AsyncClient) -> None:
    page = (await api.get("/docs")).text
    references = _REFERENCES.findall(page)
    assert len(references) == 5
    kinds = {}
    for url in references:
        assert url.startswith("/"), url
        answer = await api.get(url)
        assert answer.status_code == 200, url
        kinds[url.rsplit(".", 1)[-1]] = answer.headers["content-type"].split(";")[0]
    assert kinds == {
        "css": "text/css",
        "js": "text/javascript",
        "svg": "image/svg+xml",
        "json": "application/json",
    }


async def test_redoc_is_not_served_when_it_would_load_a_cdn(api: httpx.AsyncClient) -> None:
    assert (await api.get("/redoc")).status_code == 404
