"""A local stand-in for the WhatsApp Cloud API: sends, limits, faults and signed status webhooks."""

from pytake.whatsapp.simulator.app import create_app
from pytake.whatsapp.simulator.config import (
    API_VERSION,
    ConfigError,
    SimulatorConfig,
    update_config,
    validate_config,
)
from pytake.whatsapp.simulator.rules import FaultCode, FaultRule, parse_rule, rule_from_mapping
from pytake.whatsapp.simulator.server import RunningSimulator, run_simulator, running_simulator
from pytake.whatsapp.simulator.statuses import sign_body

__all__ = [
    "API_VERSION",
    "ConfigError",
    "FaultCode",
    "FaultRule",
    "RunningSimulator",
    "SimulatorConfig",
    "create_app",
    "parse_rule",
    "rule_from_mapping",
    "run_simulator",
    "running_simulator",
    "sign_body",
    "update_config",
    "validate_config",
]
