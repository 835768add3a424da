"""Every knob of the product in one place, read from `PYTAKE_*` variables and `.env`."""

import ipaddress
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from pytake.core.origins import OriginAllowlist, OriginError, origin_of, parse_origins
from pytake.core.secrets import parse_secret_keys

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./pytake.db"
MIB = 1024 * 1024


class Settings(BaseSettings):
    """Process-wide configuration; see API.md for the public variables."""

    # Errors never repeat a value: some are keys, and database URLs can carry passwords.
    model_config = SettingsConfigDict(
        env_prefix="PYTAKE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    executor: Literal["inprocess", "celery"] = "inprocess"
    whatsapp_api_base_url: str = "https://graph.facebook.com/v23.0"
    # Origins a number's `api_base_url` may name (the base URL's own is always one of them).
    whatsapp_api_hosts: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    # Fernet keys, comma-separated: the first encrypts stored access tokens, all decrypt.
    # Unset on SQLite: a key file beside the database (see pytake.core.secrets).
    secret_key: SecretStr | None = None

    http_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    http_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    send_concurrency: int = Field(default=128, ge=1, le=2048)
    dispatch_batch_size: int = Field(default=500, ge=1, le=10_000)
    dispatch_interval_seconds: float = Field(default=0.25, gt=0, le=60)
    lease_seconds: int = Field(default=15, ge=2, le=3600)
    lease_renew_seconds: float = Field(default=5.0, gt=0, le=1800)
    reconcile_grace_seconds: int = Field(default=60, ge=1, le=86_400)
    breaker_window: int = Field(default=200, ge=10, le=100_000)
    breaker_threshold: float = Field(default=0.5, gt=0, le=1)
    breaker_min_attempts: int = Field(default=50, ge=1, le=100_000)
    schedule_late_after_seconds: int = Field(default=3600, ge=60, le=7 * 86_400)
    webhook_retention_days: int = Field(default=30, ge=1, le=3650)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # None: Secure cookies and HSTS unless served over plain HTTP on a loopback address.
    cookie_secure: bool | None = None
    # Addresses or networks (comma-separated) of proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; unset, those headers are ignored.
    trusted_proxies: str | None = None
    # JSON and form bodies are parsed in memory, so their cap stays small; CSV imports stream.
    max_body_bytes: int = Field(default=MIB, ge=16 * 1024, le=64 * MIB)
    max_import_bytes: int = Field(default=50 * MIB, ge=16 * 1024, le=4096 * MIB)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        try:
            url = make_url(value)
        except ValueError as exc:  # a port that is not a number, a broken IPv6 address
            raise ValueError(f"cannot be read as a database URL ({exc})") from None
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError("must name a SQLite file, as in sqlite+aiosqlite:///./pytake.db")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"must start with redis://, rediss:// or unix:// (got {value.split(':', 1)[0]!r})"
            )
        try:
            _ = urlsplit(value).port  # reading the port checks it
        except ValueError as exc:
            raise ValueError(f"cannot be read as a Redis URL ({exc})") from None
        return value

    @field_validator("whatsapp_api_base_url")
    @classmethod
    def _api_base_url(cls, value: str) -> str:
        try:
            origin_of(value)
        except OriginError as exc:
            raise ValueError(f"cannot be used as the Cloud API URL: it {exc}") from None
        return value

    @field_validator("whatsapp_api_hosts")
    @classmethod
    def _api_hosts(cls, value: str | None) -> str | None:
        try:
            origins = parse_origins(value or "")
        except OriginError as exc:
            raise ValueError(
                "must be origins (scheme://host[:port], as in https://graph.facebook.com) "
                f"separated by commas: {exc}"
            ) from None
        return ",".join(str(origin) for origin in origins) or None

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("secret_key", mode="before")
    @classmethod
    def _no_key_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_secret_keys(value.get_secret_value())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str | None) -> str | None:
        entries = [entry.strip() for entry in (value or "").split(",") if entry.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"must be IP addresses or networks separated by commas (got {entry!r})"
                ) from None
        return ",".join(entries) or None

    @model_validator(mode="after")
    def _renewed_before_expiry(self) -> "Settings":
        if self.lease_renew_seconds > self.lease_seconds / 2:
            raise ValueError(
                "PYTAKE_LEASE_RENEW_SECONDS must be at most half of PYTAKE_LEASE_SECONDS "
                f"({self.lease_renew_seconds:g} > {self.lease_seconds}/2)"
            )
        return self

    @model_validator(mode="after")
    def _imports_take_more(self) -> "Settings":
        if self.max_import_bytes < self.max_body_bytes:
            raise ValueError(
                "PYTAKE_MAX_IMPORT_BYTES must be at least PYTAKE_MAX_BODY_BYTES "
                f"({self.max_import_bytes} < {self.max_body_bytes})"
            )
        return self

    @property
    def whatsapp_api_origins(self) -> OriginAllowlist:
        """Where access tokens may be sent: the listed origins and the base URL's."""
        listed = parse_origins(self.whatsapp_api_hosts or "")
        return OriginAllowlist.of([*listed, origin_of(self.whatsapp_api_base_url)])

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
