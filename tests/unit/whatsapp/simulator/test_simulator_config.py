"""Checking and changing the simulator's config."""

import pytest

from pytake.whatsapp.simulator.config import (
    ConfigError,
    SimulatorConfig,
    describe_config,
    update_config,
    validate_config,
)


def test_update_changes_only_named_keys_when_values_are_valid() -> None:
    config = update_config(SimulatorConfig(), {"transient_rate": 0.5, "throughput": 80})
    assert (config.transient_rate, config.throughput, config.read_rate) == (0.5, 80, 0.7)


def test_throughput_zero_means_unlimited_when_validated() -> None:
    assert validate_config(SimulatorConfig(throughput=0)).throughput is None


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"colour": "red"}, "colour"),
        ({"port": 1}, "port"),
        ({"read_rate": 1.5}, "read_rate"),
        ({"read_rate": True}, "read_rate"),
        ({"throughput": -1}, "throughput"),
        ({"throughput": 2.5}, "throughput"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
        ({"timeout_seconds": -1}, "timeout_seconds"),
        ({"timeout_accepts": "yes"}, "timeout_accepts"),
    ],
)
def test_update_names_the_key_when_key_or_value_is_bad(
    changes: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        update_config(SimulatorConfig(), changes)


def test_validation_refuses_the_config_when_a_rate_is_out_of_range() -> None:
    with pytest.raises(ConfigError, match="halting_rate"):
        validate_config(SimulatorConfig(halting_rate=-0.1))


def test_description_hides_secrets_when_config_has_them() -> None:
    described = describe_config(SimulatorConfig(access_token="t0k", app_secret="s3cret"))
    assert "t0k" not in str(described)
    assert "s3cret" not in str(described)
    assert described["app_secret_set"] is True
