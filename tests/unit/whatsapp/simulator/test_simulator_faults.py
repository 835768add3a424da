"""Deciding which fault a send meets, by rule and by chance."""

import random

import pytest

from pytake.whatsapp.simulator.faults import (
    TRANSIENT_FAULTS,
    FaultRates,
    choose_fault,
    decide_fault,
)
from pytake.whatsapp.simulator.rules import FaultRule, RuleBook


def test_no_fault_when_every_rate_is_zero() -> None:
    rng = random.Random(1)
    assert all(choose_fault(rng, FaultRates()) is None for _ in range(1000))


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        (FaultRates(timeout=1.0), "timeout"),
        (FaultRates(permanent=1.0), 131026),
        (FaultRates(throttle=1.0), 130429),
        (FaultRates(halting=1.0), 190),
    ],
)
def test_fault_is_that_class_when_its_rate_is_one(rates: FaultRates, expected: object) -> None:
    assert choose_fault(random.Random(3), rates) == expected


def test_transient_fault_is_one_of_the_retryable_kinds_when_transient_rate_is_one() -> None:
    rng = random.Random(5)
    seen = {choose_fault(rng, FaultRates(transient=1.0)) for _ in range(200)}
    assert seen == set(TRANSIENT_FAULTS)


def test_fault_share_follows_the_rate_when_rate_is_partial() -> None:
    rng = random.Random(7)
    faults = [choose_fault(rng, FaultRates(permanent=0.25)) for _ in range(10_000)]
    assert 0.22 < faults.count(131026) / len(faults) < 0.28


def test_faults_repeat_exactly_when_the_seed_is_the_same() -> None:
    rates = FaultRates(transient=0.2, timeout=0.1, permanent=0.1)

    def draw(seed: int) -> list[object]:
        rng = random.Random(seed)
        return [choose_fault(rng, rates) for _ in range(500)]

    assert draw(42) == draw(42)
    assert draw(42) != draw(43)


def test_rule_wins_over_chance_when_recipient_has_a_rule() -> None:
    rules = RuleBook([FaultRule("5511999990001", 131000, 1)])
    rates = FaultRates(permanent=1.0)
    fault = decide_fault("5511999990001", rules=rules, rng=random.Random(1), rates=rates)
    assert fault == 131000


def test_chance_applies_when_the_rule_is_used_up() -> None:
    rules = RuleBook([FaultRule("5511999990001", 131000, 1)])
    rng, rates = random.Random(1), FaultRates(permanent=1.0)
    decide_fault("5511999990001", rules=rules, rng=rng, rates=rates)
    assert decide_fault("5511999990001", rules=rules, rng=rng, rates=rates) == 131026
