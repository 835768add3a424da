"""Settings read from the environment: the forms accepted, and bad values (a database or Redis
URL that could never be used, a proxy that is not an address) refused naming the problem."""

import pytest
from pydantic import ValidationError

from pytake.core.settings import MIB, Settings

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


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "postgresql+asyncpg://u@db:port/x", "cannot be read as a database URL"),
        ("database_url", "postgresql+asyncpg://u@[::1/x", "cannot be read as a database URL"),
        ("database_url", "sqlite+aiosqlite://", "must name a SQLite file"),
        ("database_url", "sqlite+aiosqlite:///:memory:", "must name a SQLite file"),
        ("database_url", "postgresql://db/x", "must start with sqlite+aiosqlite://"),
        ("redis_url", "redis://cache:port/0", "cannot be read as a Redis URL"),
        ("redis_url", "redis://cache:70000/0", "cannot be read as a Redis URL"),
        ("redis_url", "http://cache/0", "must start with redis://"),
    ],
)
def test_an_unusable_url_is_refused_naming_why(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(**{field: value})  # type: ignore[arg-type]

    (error,) = raised.value.errors()
    assert error["loc"] == (field,)
    assert message in error["msg"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("database_url", "postgresql+asyncpg://pytake:secret@db.internal:5432/pytake"),
        ("database_url", "sqlite+aiosqlite:///./pytake.db"),
        ("redis_url", "redis://redis.internal:6379/0"),
        ("redis_url", "unix:///run/redis.sock"),
    ],
)
def test_a_usable_url_is_kept_as_given(field: str, value: str) -> None:
    assert getattr(Settings(**{field: value}), field) == value  # type: ignore[arg-type]


def test_webhook_retention_is_30_days_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTAKE_WEBHOOK_RETENTION_DAYS", raising=False)
    assert Settings(_env_file=None).webhook_retention_days == 30
    monkeypatch.setenv("PYTAKE_WEBHOOK_RETENTION_DAYS", "3650")
    assert Settings(_env_file=None).webhook_retention_days == 3650


@pytest.mark.parametrize("days", ["0", "3651", "1e9"])
def test_webhook_retention_is_refused_naming_it_when_out_of_bounds(
    monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.setenv("PYTAKE_WEBHOOK_RETENTION_DAYS", days)
    with pytest.raises(ValidationError, match="webhook_retention_days"):
        Settings(_env_file=None)


def test_body_limits_are_1_mb_and_50_mb_when_not_set() -> None:
    settings = Settings(_env_file=None)
    assert (settings.max_body_bytes, settings.max_import_bytes) == (1_048_576, 50 * MIB)


@pytest.mark.parametrize(
    "values",
    [{"max_body_bytes": 1000}, {"max_body_bytes": 65 * MIB}, {"max_import_bytes": 5000 * MIB}],
)
def test_refused_when_a_body_limit_is_out_of_bounds(values: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_refused_when_the_import_limit_is_below_the_body_limit() -> None:
    with pytest.raises(ValidationError, match="PYTAKE_MAX_IMPORT_BYTES must be at least"):
        Settings(_env_file=None, max_body_bytes=2 * MIB, max_import_bytes=MIB)


def test_the_api_hosts_are_the_base_urls_origin_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTAKE_WHATSAPP_API_HOSTS", raising=False)
    monkeypatch.delenv("PYTAKE_WHATSAPP_API_BASE_URL", raising=False)
    assert str(Settings(_env_file=None).whatsapp_api_origins) == "https://graph.facebook.com"
    monkeypatch.setenv("PYTAKE_WHATSAPP_API_BASE_URL", "http://127.0.0.1:9000/v23.0")
    assert str(Settings(_env_file=None).whatsapp_api_origins) == "http://127.0.0.1:9000"


def test_the_api_hosts_are_normalised_and_keep_the_base_urls_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYTAKE_WHATSAPP_API_BASE_URL", raising=False)
    monkeypatch.setenv("PYTAKE_WHATSAPP_API_HOSTS", " HTTP://Proxy.Internal:80/ ,http://[::1]:9000")
    settings = Settings(_env_file=None)
    assert settings.whatsapp_api_hosts == "http://proxy.internal,http://[::1]:9000"
    assert str(settings.whatsapp_api_origins) == (
        "http://[::1]:9000,http://proxy.internal,https://graph.facebook.com"
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("graph.facebook.com", "must start with http:// or https://"),
        ("https://graph.facebook.com/v23.0", "without a path"),
        ("https://ok.example,https://user@x.example", "'https://user@x.example' must not carry"),
    ],
)
def test_bad_api_hosts_are_refused_naming_the_entry(
    monkeypatch: pytest.MonkeyPatch, value: str, why: str
) -> None:
    monkeypatch.setenv("PYTAKE_WHATSAPP_API_HOSTS", value)
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)
    (error,) = raised.value.errors()
    assert error["loc"] == ("whatsapp_api_hosts",)
    assert why in error["msg"]


def test_a_base_url_without_a_usable_origin_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, whatsapp_api_base_url="graph.facebook.com/v23.0")
    (error,) = raised.value.errors()
    assert error["loc"] == ("whatsapp_api_base_url",)
    assert "must start with http:// or https://" in error["msg"]
