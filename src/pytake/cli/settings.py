"""Loads settings for a command, turning a bad value into one clear line and exit code 2."""

import typer
from pydantic import ValidationError

from pytake.core.settings import Settings


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            # A rule across settings (no `loc`) names its variables itself.
            (f"PYTAKE_{'_'.join(str(p) for p in error['loc']).upper()}: " if error["loc"] else "")
            + error["msg"].removeprefix("Value error, ")
            for error in exc.errors()
        )
        typer.echo(f"Error: bad setting: {problems}", err=True)
        raise typer.Exit(2) from None
    except UnicodeDecodeError as exc:  # environment variables are text already: it is .env
        typer.echo(f"Error: bad setting: .env is not UTF-8 text ({exc.reason})", err=True)
        raise typer.Exit(2) from None
