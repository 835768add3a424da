"""The status filter of the records' list, and the pattern that documents it (pure)."""

import re

import pytest

from pytake.campaigns.queries import STATUS_FILTER_PATTERN, parse_status_filter
from pytake.core.errors import InvalidInputError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("sent", "statuses"),
    [
        ("", None),
        ("failed", ["failed"]),
        (" failed , retrying ", ["failed", "retrying"]),
        ("sent,,read,", ["sent", "read"]),
        (",", []),
    ],
)
def test_statuses_are_read_when_the_pattern_matches(sent: str, statuses: list[str] | None) -> None:
    assert re.fullmatch(STATUS_FILTER_PATTERN, sent)
    assert parse_status_filter(sent) == statuses


@pytest.mark.parametrize("sent", ["paused", "sent sent", "sent;read", "sent,\tread", "Sent"])
def test_422_naming_status_when_the_pattern_does_not_match(sent: str) -> None:
    assert not re.fullmatch(STATUS_FILTER_PATTERN, sent)
    with pytest.raises(InvalidInputError) as raised:
        parse_status_filter(sent)
    assert (raised.value.field, raised.value.location) == ("status", "query")
