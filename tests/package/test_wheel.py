"""The wheel as a user gets it: `pip install pytake`, no extras, in a fresh virtualenv.

`make test` runs these first. The rest of the suite runs on an editable install with the dev
extra, which cannot notice a module that only an extra (or the dev tools) brings.
"""

import os
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pytake.cli.processes import free_port
from support import REPO_ROOT, skip_or_fail
from support.processes import wait_http

pytestmark = pytest.mark.package

CONSTRAINTS = REPO_ROOT / "constraints.txt"
INDEX_URL = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")
EXTRA_MODULES = ("asyncpg", "celery", "kombu", "redis")
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Variables that would point the fresh install at the project's own virtualenv.
LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")


@dataclass(frozen=True)
class Installed:
    """The wheel installed in a virtualenv outside the checkout, and a directory to run in."""

    venv: Path
    workdir: Path
    home: Path

    def env(self, **settings: str) -> dict[str, str]:
        """Only PATH (the new virtualenv first), HOME and the given PYTAKE_ settings."""
        project_bin = Path(sys.prefix, "bin").resolve()
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
        path = [str(self.venv / "bin")] + [p for p in path if Path(p).resolve() != project_bin]
        sqlite = f"sqlite+aiosqlite:///{self.workdir / 'p.db'}"
        return {
            "PATH": os.pathsep.join(path),
            "HOME": str(self.home),
            "PYTAKE_DATABASE_URL": sqlite,
            **settings,
        }

    def command(self, *args: str) -> list[str]:
        return [str(self.venv / "bin" / "pytake"), *args]

    def pytake(self, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env(**settings),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(
        command, env=_pip_env(), capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _pip_env() -> dict[str, str]:
    """This process's environment (pip's own settings included) without the project's venv."""
    return {k: v for k, v in os.environ.items() if k not in LEAKY and not k.startswith("PYTAKE_")}


def _require_index() -> None:
    try:
        httpx.head(INDEX_URL, timeout=10, follow_redirects=True).raise_for_status()
    except httpx.HTTPError as exc:
        skip_or_fail(f"the package index {INDEX_URL} is not reachable ({exc})")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Builds the wheel once, installs it without extras, with the tested versions."""
    _require_index()
    root = tmp_path_factory.mktemp("wheel")
    dist, venv, workdir, home = (root / name for name in ("dist", "venv", "work", "home"))
    workdir.mkdir()
    home.mkdir()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--build-constraint", str(CONSTRAINTS), "--wheel-dir", str(dist), str(REPO_ROOT)],
        "building the wheel",
    )  # fmt: skip
    (wheel,) = dist.glob("pytake-*.whl")
    _run([sys.executable, "-m", "venv", str(venv)], "creating the virtualenv")
    # --no-compile: the first command writes the bytecode it needs instead of pip all of it.
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
         "--constraint", str(CONSTRAINTS), str(wheel)],
        "installing the wheel",
    )  # fmt: skip
    return Installed(venv, workdir, home)


def _version_in_pyproject() -> str:
    version: str = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


def test_the_virtualenv_has_none_of_the_extras_packages(installed: Installed) -> None:
    probe = "import importlib.util as u, sys; print(*[m for m in sys.argv[1:] if u.find_spec(m)])"
    result = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe, *EXTRA_MODULES, "httpx"],
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["httpx"]


def test_help_lists_every_command(installed: Installed) -> None:
    result = installed.pytake("--help")
    assert result.returncode == 0, result.stderr
    for command in ("serve", "worker", "migrate", "apikey", "simulator", "demo", "bench"):
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["demo", "--help"],
        ["bench", "--help"],
        ["bench", "engine", "--help"],
        ["bench", "webhooks", "--help"],
        ["worker", "--help"],
    ],
)
def test_command_help_works_without_extras(installed: Installed, command: list[str]) -> None:
    result = installed.pytake(*command)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: pytake {' '.join(command[:-1])} [OPTIONS]")


def test_version_prints_the_installed_version(installed: Installed) -> None:
    result = installed.pytake("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"pytake {_version_in_pyproject()}\n"


def test_migrate_then_apikey_create_work_on_sqlite(installed: Installed) -> None:
    migrated = installed.pytake("migrate")
    assert (migrated.returncode, migrated.stdout.strip()) == (0, "database is up to date")
    created = installed.pytake("apikey", "create", "--org", "X")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().splitlines()[-1].startswith("ptk_")


def test_serve_answers_health_and_the_dashboard_then_stops_on_sigterm(
    installed: Installed,
) -> None:
    port = free_port()
    log = installed.workdir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            installed.command("serve", "--port", str(port)),
            env=installed.env(),
            cwd=installed.workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/health")
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            sign_in = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=5)
            stylesheet = httpx.get(f"http://127.0.0.1:{port}/static/app.css", timeout=5)
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
    assert health.status_code == 200
    assert health.json()["services"]["database"] == "ok"
    # Templates and static files are package data: the wheel must carry them.
    assert sign_in.status_code == 200
    assert "<form" in sign_in.text
    assert stylesheet.status_code == 200
    # uvicorn finishes its shutdown, then re-raises the signal it caught.
    assert code in (0, -signal.SIGTERM)
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize(
    ("command", "settings", "message"),
    [
        (
            ["worker"],
            {"PYTAKE_EXECUTOR": "celery", "PYTAKE_DATABASE_URL": POSTGRES_URL},
            "Error: pytake worker needs the celery extra: pip install 'pytake[celery]'",
        ),
        (
            ["serve", "--port", "1"],
            {"PYTAKE_REDIS_URL": REDIS_URL},
            "Error: PYTAKE_REDIS_URL needs the celery extra: pip install 'pytake[celery]'",
        ),
        (
            ["migrate"],
            {"PYTAKE_DATABASE_URL": POSTGRES_URL},
            "Error: PYTAKE_DATABASE_URL=postgresql+asyncpg://… needs the postgres extra: "
            "pip install 'pytake[postgres]'",
        ),
        (
            ["bench", "engine", "--database-url", POSTGRES_URL],
            {},
            "Error: --database-url postgresql+asyncpg://… needs the postgres extra: "
            "pip install 'pytake[postgres]'",
        ),
        (
            ["bench", "engine", "--executor", "celery"],
            {},
            "Error: pytake bench engine --executor celery needs the celery extra: "
            "pip install 'pytake[celery]'",
        ),
    ],
)
def test_a_feature_of_a_missing_extra_is_one_line_naming_it_and_exit_2(
    installed: Installed, command: list[str], settings: dict[str, str], message: str
) -> None:
    result = installed.pytake(*command, **settings)
    assert result.returncode == 2
    assert result.stderr == f"{message}\n"
