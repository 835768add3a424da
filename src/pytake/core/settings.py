"""Every knob of the product in one place, read from `PYTAKE_*` variables and `.env`."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./pytake.db"
MIB = 1024 * 1024


class Settings(BaseSettings):
    """Process-wide configuration; see API.md for the public variables."""

    model_config = SettingsConfigDict(
        env_prefix="PYTAKE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    executor: Literal["inprocess", "celery"] = "inprocess"
    whatsapp_api_base_url: str = "https://graph.facebook.com/v23.0"
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None

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
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
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
        return value

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
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
