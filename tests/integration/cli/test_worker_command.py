"""`pytake worker` and `pytake serve` refuse, in one line, a deployment that cannot work."""

from pathlib import Path

import pytest

from pytake.cli.processes import free_port
from support.processes import pytake

pytestmark = pytest.mark.integration
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _absent_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.parametrize("command", [["worker"], ["serve", "--port", "1"]])
def test_command_exits_2_naming_postgresql_when_celery_is_asked_to_share_sqlite(
    tmp_path: Path, command: list[str]
) -> None:
    env = {
        "PYTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'one.db'}",
        "PYTAKE_EXECUTOR": "celery",
        "PYTAKE_REDIS_URL": _absent_redis(),
    }
    result = pytake(*command, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "needs PostgreSQL: SQLite serves one process only" in result.stderr


def test_worker_exits_2_when_the_executor_is_not_celery(tmp_path: Path) -> None:
    result = pytake("worker", env={"PYTAKE_EXECUTOR": "inprocess", "PYTAKE_DATABASE_URL": POSTGRES})
    assert result.returncode == 2
    assert result.stderr == "Error: pytake worker needs PYTAKE_EXECUTOR=celery\n"


def test_worker_exits_2_when_no_redis_is_configured() -> None:
    env = {"PYTAKE_EXECUTOR": "celery", "PYTAKE_DATABASE_URL": POSTGRES, "PYTAKE_REDIS_URL": ""}
    result = pytake("worker", env=env)
    assert result.returncode == 2
    assert "needs PYTAKE_REDIS_URL" in result.stderr


@pytest.mark.parametrize("command", [["worker"], ["serve", "--port", "1"]])
def test_command_exits_1_naming_redis_when_it_is_unreachable_at_start(command: list[str]) -> None:
    redis_url = _absent_redis()
    env = {
        "PYTAKE_EXECUTOR": "celery",
        "PYTAKE_DATABASE_URL": POSTGRES,
        "PYTAKE_REDIS_URL": redis_url,
    }
    result = pytake(*command, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: Redis is not reachable at {redis_url} (")
    assert result.stderr.count("\n") == 1
