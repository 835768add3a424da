"""Which fault, if any, a send meets: by rule first, then by the configured probabilities."""

import random
from dataclasses import dataclass

from pytake.whatsapp.simulator.config import SimulatorConfig
from pytake.whatsapp.simulator.rules import FaultCode, RuleBook

TRANSIENT_FAULTS: tuple[FaultCode, ...] = (131000, 2, 133004, "garbage")
PERMANENT_CODE = 131026
THROTTLE_CODE = 130429
HALTING_CODE = 190


@dataclass(frozen=True, slots=True)
class FaultRates:
    """The probability of each fault class, from a config."""

    transient: float = 0.0
    timeout: float = 0.0
    permanent: float = 0.0
    throttle: float = 0.0
    halting: float = 0.0

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> "FaultRates":
        return cls(
            transient=config.transient_rate,
            timeout=config.timeout_rate,
            permanent=config.permanent_rate,
            throttle=config.throttle_rate,
            halting=config.halting_rate,
        )

    @property
    def is_active(self) -> bool:
        return any((self.transient, self.timeout, self.permanent, self.throttle, self.halting))


def choose_fault(rng: random.Random, rates: FaultRates) -> FaultCode | None:
    """Draw once against the stacked rates; when they add up past 1, later classes get less."""
    draw = rng.random()
    threshold = rates.transient
    if draw < threshold:
        return rng.choice(TRANSIENT_FAULTS)
    threshold += rates.timeout
    if draw < threshold:
        return "timeout"
    for rate, code in (
        (rates.permanent, PERMANENT_CODE),
        (rates.throttle, THROTTLE_CODE),
        (rates.halting, HALTING_CODE),
    ):
        threshold += rate
        if draw < threshold:
            return code
    return None


def decide_fault(
    wa_id: str, *, rules: RuleBook, rng: random.Random, rates: FaultRates
) -> FaultCode | None:
    """The fault for one send to `wa_id`; a matching rule wins over chance."""
    ruled = rules.take(wa_id)
    if ruled is not None:
        return ruled
    if not rates.is_active:
        return None
    return choose_fault(rng, rates)
