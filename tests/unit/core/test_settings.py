"""Settings bounds: the body-size limits and the rule between them."""

import pytest
from pydantic import ValidationError

from pytake.core.settings import MIB, Settings


def test_body_limits_are_1_mb_and_50_mb_when_not_set() -> None:
    settings = Settings(_env_file=None)
    assert (settings.max_body_bytes, settings.max_import_bytes) == (1_048_576, 50 * MIB)


@pytest.mark.parametrize(
    "values",
    [{"max_body_bytes": 1000}, {"max_body_bytes": 65 * MIB}, {"max_import_bytes": 5000 * MIB}],
)
def test_refused_when_a_body_limit_is_out_of_bounds(values: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_refused_when_the_import_limit_is_below_the_body_limit() -> None:
    with pytest.raises(ValidationError, match="PYTAKE_MAX_IMPORT_BYTES must be at least"):
        Settings(_env_file=None, max_body_bytes=2 * MIB, max_import_bytes=MIB)
