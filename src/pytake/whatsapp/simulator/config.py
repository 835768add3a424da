"""Every knob of the simulator in one dataclass, and the checks for changing them."""

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytake.whatsapp.simulator.rules import FaultRule

API_VERSION = "v23.0"


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How the simulator listens, limits, fails and reports (defaults: a well-behaved API)."""

    host: str = "127.0.0.1"
    port: int = 9000
    access_token: str = field(default="sim-token", repr=False)
    throughput: int | None = None
    webhook_url: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    webhook_delay_seconds: float = 0.2
    read_rate: float = 0.7
    failed_status_rate: float = 0.0
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    transient_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    timeout_accepts: bool = False
    permanent_rate: float = 0.0
    throttle_rate: float = 0.0
    halting_rate: float = 0.0
    rules: tuple[FaultRule, ...] = ()
    seed: int | None = None
    waba_id: str = "102290129340398"
    display_phone_number: str = "15550783881"


class ConfigError(ValueError):
    """A config key or value the simulator cannot take; the message names it."""


_STARTUP_ONLY = frozenset({"host", "port", "seed", "rules"})


def _rate(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _throughput(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name} must be a whole number of messages per second >= 0 or null")
    return value or None


def _url(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL or null, got {value!r}")
    return value


def _optional_text(name: str, value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{name} must be a non-empty string or null")
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name} must be a non-empty string")
    return value


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


_CHECKS: dict[str, Callable[[str, object], object]] = {
    "access_token": _text,
    "throughput": _throughput,
    "webhook_url": _url,
    "app_secret": _optional_text,
    "webhook_delay_seconds": _seconds,
    "timeout_seconds": _seconds,
    "timeout_accepts": _flag,
    "waba_id": _text,
    "display_phone_number": _text,
    **{
        name: _rate
        for name in (
            "read_rate",
            "failed_status_rate",
            "duplicate_rate",
            "reorder_rate",
            "transient_rate",
            "timeout_rate",
            "permanent_rate",
            "throttle_rate",
            "halting_rate",
        )
    },
}

RUNTIME_KEYS = frozenset(_CHECKS)


def validate_config(config: SimulatorConfig) -> SimulatorConfig:
    """The same config with values normalised (throughput 0 means none); ConfigError if bad."""
    if isinstance(config.port, bool) or not 0 <= config.port <= 65535:
        raise ConfigError(f"port must be between 0 and 65535, got {config.port!r}")
    changes: dict[str, Any] = {
        name: check(name, getattr(config, name)) for name, check in _CHECKS.items()
    }
    return dataclasses.replace(config, **changes)


def update_config(config: SimulatorConfig, changes: Mapping[str, object]) -> SimulatorConfig:
    """Apply a partial update received at runtime; ConfigError names the first bad key."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name in _STARTUP_ONLY:
            raise ConfigError(f"{name} cannot be changed at runtime")
        check = _CHECKS.get(name)
        if check is None:
            raise ConfigError(f"unknown config key {name!r}")
        checked[name] = check(name, value)
    return dataclasses.replace(config, **checked)


def describe_config(config: SimulatorConfig) -> dict[str, object]:
    """The config as JSON, without secrets; the live rules are served by /_sim/rules."""
    hidden = {"access_token", "app_secret", "rules"}
    described: dict[str, object] = {
        item.name: getattr(config, item.name)
        for item in dataclasses.fields(config)
        if item.name not in hidden
    }
    described["app_secret_set"] = config.app_secret is not None
    return described
