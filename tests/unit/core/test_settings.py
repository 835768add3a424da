"""Reading the security settings from the environment: the forms accepted."""

import pytest

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
