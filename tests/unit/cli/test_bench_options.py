"""`pytake bench engine` refuses bad options with exit code 2 before it runs anything."""

import pytest
import typer
from typer.testing import CliRunner

from pytake.cli.bench import bench_app

pytestmark = pytest.mark.unit

app = typer.Typer(rich_markup_mode=None)
app.add_typer(bench_app, name="bench")


@app.callback()
def _root() -> None:
    """A group, as in `pytake`, so `bench engine` is a subcommand path."""


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--contacts", "0", "between 1 and 1,000,000"),
        ("--contacts", "1000001", "between 1 and 1,000,000"),
        ("--baseline-contacts", "0", "between 1 and 1,000,000"),
        ("--transient-rate", "1", "below 1"),
        ("--transient-rate", "-0.1", "at least 0"),
        ("--baseline-seconds", "0", "above 0"),
        ("--database-url", "mysql://db/pytake", "must start with sqlite+aiosqlite://"),
        ("--json", "/no/such/directory/bench.json", "/no/such/directory does not exist"),
    ],
)
def test_command_exits_2_naming_the_option_when_its_value_is_bad(
    option: str, value: str, message: str
) -> None:
    result = CliRunner().invoke(app, ["bench", "engine", option, value])

    assert result.exit_code == 2
    assert option in result.output
    assert message in result.output


def test_celery_bench_exits_2_naming_postgresql_when_the_database_is_sqlite() -> None:
    result = CliRunner().invoke(app, ["bench", "engine", "--executor", "celery", "--workers", "2"])

    assert result.exit_code == 2
    assert "--executor celery needs a PostgreSQL --database-url" in result.output
