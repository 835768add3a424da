"""The bounds of a contact's attributes and tags, each broken on its own."""

import re
from typing import Any

import pytest

from pytake.contacts.limits import (
    ContactLimitError,
    check_attributes,
    check_tag_count,
    normalize_tags,
)


def test_attributes_at_every_bound_are_accepted() -> None:
    # 14 keys of 64 characters with values of 1,024 stay under 16 KB of JSON.
    attributes: dict[str, Any] = {f"{index:064d}": "v" * 1024 for index in range(14)}
    attributes.update({"n": 1, "f": 1.5, "b": True, "none": None})
    check_attributes(attributes)
    check_attributes({str(index): index for index in range(64)})


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({str(index): index for index in range(65)}, "at most 64 attributes (got 65)"),
        ({"k" * 65: "v"}, "attribute name longer than 64 characters: 'kkkkkkkkkkkkkkkkkkkk'"),
        ({"plan": {"tier": "gold"}}, "attribute 'plan' must be a string, a number"),
        ({"plan": ["gold"]}, "(got list)"),
        ({"note": "x" * 1025}, "attribute 'note' is longer than 1024 characters"),
        ({"big": 10**1024}, "attribute 'big' is longer than 1024 characters"),
        ({"ratio": float("nan")}, "attribute 'ratio' must be a finite number"),
        ({f"k{index}": "v" * 1000 for index in range(17)}, "as JSON, at most 16384"),
    ],
)
def test_limit_error_naming_attributes_when_a_bound_is_broken(
    attributes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ContactLimitError, match=re.escape(message)) as error:
        check_attributes(attributes)
    assert error.value.field == "attributes"


def test_tags_are_sorted_without_blanks_when_normalized() -> None:
    assert normalize_tags(["b", " a ", "", "b"]) == ["a", "b"]


def test_fifty_unique_tags_of_64_characters_are_accepted() -> None:
    tags = [f"{index:064d}" for index in range(50)]
    assert normalize_tags([*tags, *tags]) == tags


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([f"t{index}" for index in range(51)], r"at most 50 tags \(got 51\)"),
        (["t" * 65], "tag longer than 64 characters: 'tttttttttttttttttttt'"),
    ],
)
def test_limit_error_naming_tags_when_a_bound_is_broken(tags: list[str], message: str) -> None:
    with pytest.raises(ContactLimitError, match=message) as error:
        normalize_tags(tags)
    assert error.value.field == "tags"
    with pytest.raises(ContactLimitError):
        check_tag_count(51)
