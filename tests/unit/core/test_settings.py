"""Reading the security settings from the environment: forms accepted, bad values named."""

import pytest
from pydantic import ValidationError

from pytake.core.settings import Settings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "parsed"), [("", None), ("true", True), ("1", True), ("false", False), ("0", False)]
)
def test_cookie_secure_is_unset_or_forced_when_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, parsed: bool | None
) -> None:
    monkeypatch.setenv("PYTAKE_COOKIE_SECURE", value)
    assert Settings().cookie_secure is parsed


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("", None),
        ("10.0.0.1", "10.0.0.1"),
        (" 10.0.0.1 , 172.16.0.0/12,::1 ", "10.0.0.1,172.16.0.0/12,::1"),
    ],
)
def test_trusted_proxies_are_addresses_or_networks_when_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, parsed: str | None
) -> None:
    monkeypatch.setenv("PYTAKE_TRUSTED_PROXIES", value)
    assert Settings().trusted_proxies == parsed


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.1,*", "10.0.0.300"])
def test_trusted_proxies_are_refused_naming_the_entry_when_one_is_not_an_address(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PYTAKE_TRUSTED_PROXIES", value)
    with pytest.raises(ValidationError, match="IP addresses or networks"):
        Settings()
