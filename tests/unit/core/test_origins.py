"""Origins read strictly and compared normalised: what PYTAKE_WHATSAPP_API_HOSTS may list."""

import re

import pytest

from pytake.core.origins import (
    Origin,
    OriginAllowlist,
    OriginError,
    origin_of,
    parse_origin,
    parse_origins,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("https://graph.facebook.com", "https://graph.facebook.com"),
        ("HTTPS://Graph.Facebook.COM:443/", "https://graph.facebook.com"),
        ("http://graph.example:80", "http://graph.example"),
        ("http://graph.example:443", "http://graph.example:443"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://[0:0::1]:8080", "http://[::1]:8080"),
        ("http://localhost.:8080", "http://localhost:8080"),
        ("http://my_sim:9000", "http://my_sim:9000"),
    ],
)
def test_an_origin_is_normalised_when_read(text: str, written: str) -> None:
    assert str(parse_origin(text)) == written


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("graph.facebook.com", "must start with http:// or https://"),
        ("ftp://graph.example", "must start with http:// or https://"),
        ("https://graph.example/v23.0", "without a path"),
        ("https://graph.example?x=1", "without a path, query"),
        ("https://graph.example#top", "fragment"),
        ("https://user@graph.example", "user name"),
        ("https://user:pw@graph.example", "user name"),
        ("https://", "names no host"),
        ("https://graph.example:0", "empty or zero port"),
        ("https://graph.example:", "empty or zero port"),
        ("https://graph.example:99999", "cannot be read as a URL"),
        ("https://graph.example:x", "cannot be read as a URL"),
        ("https://[::1", "cannot be read as a URL"),
        ("https://graph example", "spaces"),
        ("https://graph.example\\@evil.example", "backslashes"),
        ("https://gräph.example", "ASCII host name"),
        ("https://fe80::1%25eth0", "cannot be read as a URL"),
        ("http://127.1", "not a canonical IP address"),
        ("http://2130706433", "not a canonical IP address"),
        ("http://0x7f.0.0.1", "not a canonical IP address"),
    ],
)
def test_an_entry_that_is_not_an_origin_is_refused_naming_why(text: str, why: str) -> None:
    with pytest.raises(OriginError, match=re.escape(why)):
        parse_origin(text)


def test_the_origin_of_a_url_ignores_its_path_and_query() -> None:
    origin = origin_of("https://Graph.Facebook.com:443/v23.0/106540352242922/messages?x=1")
    assert origin == Origin("https", "graph.facebook.com", 443)


def test_a_list_skips_blanks_and_repeats_and_names_a_bad_entry() -> None:
    listed = parse_origins(" https://a.example , ,HTTPS://A.example:443,http://b.example:8080")
    assert [str(origin) for origin in listed] == ["https://a.example", "http://b.example:8080"]
    with pytest.raises(OriginError, match=re.escape("'https://b.example/v1' must be")):
        parse_origins("https://a.example,https://b.example/v1")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://graph.facebook.com/v23.0", True),
        ("https://GRAPH.facebook.com:443/v23.0", True),
        ("http://graph.facebook.com/v23.0", False),
        ("https://graph.facebook.com:8443/v23.0", False),
        ("https://graph.facebook.com.evil.example/v23.0", False),
        ("https://evil.example/graph.facebook.com", False),
        ("https://graph.facebook.com@evil.example/v23.0", False),
        ("http://127.0.0.1:9000/v23.0", True),
        ("http://localhost:9000/v23.0", False),
        ("not a url", False),
    ],
)
def test_a_url_is_allowed_only_under_a_listed_origin(url: str, allowed: bool) -> None:
    allowlist = OriginAllowlist.of(
        parse_origins("https://graph.facebook.com,http://127.0.0.1:9000")
    )
    assert allowlist.allows(url) is allowed
