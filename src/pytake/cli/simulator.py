"""`pytake simulator`: run the local WhatsApp Cloud API stand-in from the command line."""

from typing import Annotated, Any

import typer

from pytake.core.logging import configure_logging
from pytake.whatsapp.simulator import (
    ConfigError,
    FaultRule,
    RunningSimulator,
    SimulatorConfig,
    parse_rule,
    run_simulator,
    validate_config,
)

_DEFAULTS = SimulatorConfig()


def _rate(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise typer.BadParameter(f"must be between 0 and 1, got {value}")
    return value


def _rules(values: list[str] | None) -> list[FaultRule]:
    try:
        return [parse_rule(value) for value in values or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rule") from None


def _announce(simulator: RunningSimulator) -> None:
    typer.echo(f"WhatsApp Cloud API simulator on {simulator.url} (API base {simulator.base_url})")


def _rate_option(help_text: str) -> Any:
    return typer.Option(callback=_rate, help=f"{help_text} (0..1).")


def simulator(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = _DEFAULTS.host,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = _DEFAULTS.port,
    access_token: Annotated[
        str, typer.Option(help="Bearer token to require.")
    ] = _DEFAULTS.access_token,
    throughput: Annotated[
        int | None, typer.Option(min=0, help="Messages per second per phone number (0: unlimited).")
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="Where to POST status webhooks.")] = None,
    app_secret: Annotated[
        str | None, typer.Option(help="App secret that signs the webhooks.")
    ] = None,
    webhook_delay: Annotated[
        float, typer.Option(min=0.0, help="Seconds between accept, sent, delivered and read.")
    ] = _DEFAULTS.webhook_delay_seconds,
    read_rate: Annotated[
        float, _rate_option("Chance a delivered message is also read")
    ] = _DEFAULTS.read_rate,
    failed_status_rate: Annotated[
        float, _rate_option("Chance of a failed status (131026/131049) instead of delivered")
    ] = 0.0,
    duplicate_rate: Annotated[
        float, _rate_option("Chance each status webhook is sent twice")
    ] = 0.0,
    reorder_rate: Annotated[float, _rate_option("Chance read arrives before delivered")] = 0.0,
    transient_rate: Annotated[
        float, _rate_option("Chance of 131000/2/133004 or a non-JSON 502")
    ] = 0.0,
    timeout_rate: Annotated[float, _rate_option("Chance a send hangs for --timeout-seconds")] = 0.0,
    timeout_seconds: Annotated[
        float, typer.Option(min=0.0, help="How long a simulated timeout hangs.")
    ] = _DEFAULTS.timeout_seconds,
    timeout_accepts: Annotated[
        bool, typer.Option(help="A timed-out send is still accepted (its reply is lost).")
    ] = False,
    permanent_rate: Annotated[float, _rate_option("Chance of 131026 Message undeliverable")] = 0.0,
    throttle_rate: Annotated[float, _rate_option("Chance of 130429 Rate limit hit")] = 0.0,
    halting_rate: Annotated[float, _rate_option("Chance of 190 expired token")] = 0.0,
    rule: Annotated[
        list[str] | None,
        typer.Option(help="recipient:code[:times], e.g. 5511999990001:131000:2 (repeatable)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for reproducible faults.")] = None,
) -> None:
    """Run the local WhatsApp Cloud API simulator."""
    try:
        config = validate_config(
            SimulatorConfig(
                host=host,
                port=port,
                access_token=access_token,
                throughput=throughput,
                webhook_url=webhook_url,
                app_secret=app_secret,
                webhook_delay_seconds=webhook_delay,
                read_rate=read_rate,
                failed_status_rate=failed_status_rate,
                duplicate_rate=duplicate_rate,
                reorder_rate=reorder_rate,
                transient_rate=transient_rate,
                timeout_rate=timeout_rate,
                timeout_seconds=timeout_seconds,
                timeout_accepts=timeout_accepts,
                permanent_rate=permanent_rate,
                throttle_rate=throttle_rate,
                halting_rate=halting_rate,
                rules=tuple(_rules(rule)),
                seed=seed,
            )
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    configure_logging()
    run_simulator(config, on_ready=_announce)
