"""Everything one running simulator remembers: config, log, counters, windows, rules, webhooks."""

import asyncio
import random
from collections import Counter

from pytake.whatsapp.simulator.config import SimulatorConfig
from pytake.whatsapp.simulator.faults import FaultRates
from pytake.whatsapp.simulator.limits import PairRateWindow, ThroughputWindow
from pytake.whatsapp.simulator.rules import RuleBook
from pytake.whatsapp.simulator.store import MessageLog
from pytake.whatsapp.simulator.webhooks import WebhookDispatcher


class SimulatorState:
    """The mutable side of the simulator, shared by the send and admin handlers."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.expected_authorization = f"Bearer {config.access_token}"
        self.fault_rates = FaultRates.from_config(config)
        # Separate generators, so webhook timing cannot shift which sends fail.
        self.fault_rng = random.Random(config.seed)
        webhook_seed = None if config.seed is None else f"{config.seed}:webhooks"
        self.webhooks = WebhookDispatcher(lambda: self.config, random.Random(webhook_seed))
        self.rules = RuleBook(config.rules)
        self.log = MessageLog()
        self.rejected: Counter[str] = Counter()
        self.throughput = ThroughputWindow()
        self.pairs = PairRateWindow()
        self.closing = asyncio.Event()

    def apply_config(self, config: SimulatorConfig) -> None:
        self.config = config
        self.expected_authorization = f"Bearer {config.access_token}"
        self.fault_rates = FaultRates.from_config(config)

    def reset(self) -> None:
        """Forget accepted messages, counters, windows and pending webhooks; keep rules."""
        self.log.clear()
        self.rejected.clear()
        self.throughput.clear()
        self.pairs.clear()
        self.webhooks.clear()

    def stats(self) -> dict[str, object]:
        return {
            "accepted": len(self.log),
            "rejected": dict(self.rejected),
            "max_per_second": dict(self.throughput.max_per_second),
        }
