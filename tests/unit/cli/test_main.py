"""`pytake` itself: `--version`, and a configured feature whose extra is missing in one line."""

import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pytake.cli.main import app, main
from pytake.cli.settings import load_settings
from pytake.core.extras import EXTRA_MODULES

pytestmark = pytest.mark.unit

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def test_version_prints_the_installed_distributions_version() -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output == f"pytake {version('pytake')}\n"


@pytest.fixture
def without_extras(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """As after `pip install pytake`: neither extra's modules are found; no settings set."""
    for extra in ("postgres", "celery"):
        monkeypatch.setitem(EXTRA_MODULES, extra, (f"pytake_absent_{extra}_module",))
    for name in ("PYTAKE_DATABASE_URL", "PYTAKE_REDIS_URL", "PYTAKE_EXECUTOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTAKE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    return monkeypatch


CELERY = "needs the celery extra: pip install 'pytake[celery]'"
POSTGRES = "needs the postgres extra: pip install 'pytake[postgres]'"


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (["worker"], {"PYTAKE_EXECUTOR": "celery"}, f"pytake worker {CELERY}"),
        (["serve"], {"PYTAKE_REDIS_URL": REDIS_URL}, f"PYTAKE_REDIS_URL {CELERY}"),
        (["demo"], {"PYTAKE_REDIS_URL": REDIS_URL}, f"PYTAKE_REDIS_URL {CELERY}"),
        (
            ["migrate"],
            {"PYTAKE_DATABASE_URL": POSTGRES_URL},
            f"PYTAKE_DATABASE_URL=postgresql+asyncpg://… {POSTGRES}",
        ),
        (
            ["apikey", "create", "--org", "X"],
            {"PYTAKE_DATABASE_URL": POSTGRES_URL},
            f"PYTAKE_DATABASE_URL=postgresql+asyncpg://… {POSTGRES}",
        ),
        (
            ["bench", "engine", "--database-url", POSTGRES_URL],
            {},
            f"--database-url postgresql+asyncpg://… {POSTGRES}",
        ),
        (
            ["bench", "engine", "--executor", "celery"],
            {},
            f"pytake bench engine --executor celery {CELERY}",
        ),
    ],
)
def test_a_feature_whose_extra_is_missing_stops_with_one_line_and_exit_2(
    without_extras: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env: dict[str, str],
    line: str,
) -> None:
    for name, value in env.items():
        without_extras.setenv(name, value)
    without_extras.setattr(sys, "argv", ["pytake", *args])

    with pytest.raises(SystemExit) as exited:
        main()

    assert exited.value.code == 2
    assert capsys.readouterr().err == f"Error: {line}\n"


def test_a_bad_api_host_is_one_line_naming_the_variable_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTAKE_WHATSAPP_API_HOSTS", "https://graph.facebook.com/v23.0")

    with pytest.raises(typer.Exit) as exited:
        load_settings()

    assert exited.value.exit_code == 2
    error = capsys.readouterr().err
    assert error.startswith("Error: bad setting: PYTAKE_WHATSAPP_API_HOSTS: must be origins")
    assert error.count("\n") == 1


def test_a_secret_key_that_is_not_a_fernet_key_is_one_line_naming_it_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYTAKE_SECRET_KEY", "hunter2-is-no-key")

    with pytest.raises(typer.Exit) as exited:
        load_settings()

    assert exited.value.exit_code == 2
    error = capsys.readouterr().err
    assert error.startswith(
        "Error: bad setting: PYTAKE_SECRET_KEY: entry 1 of 1 is not a Fernet key"
    )
    assert error.count("\n") == 1
    assert "hunter2" not in error
