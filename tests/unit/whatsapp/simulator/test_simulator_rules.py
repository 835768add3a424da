"""Parsing fault rules from the command line and JSON, and counting them down."""

import pytest

from pytake.whatsapp.simulator.rules import FaultRule, RuleBook, parse_rule, rule_from_mapping


def test_rule_has_code_and_times_when_given_all_three_parts() -> None:
    assert parse_rule("5511999990001:131000:2") == FaultRule("5511999990001", 131000, 2)


def test_rule_fails_forever_when_times_is_omitted() -> None:
    assert parse_rule("5511999990001:131026") == FaultRule("5511999990001", 131026, None)


@pytest.mark.parametrize("word", ["timeout", "http500", "garbage"])
def test_rule_keeps_the_word_when_code_is_a_fault_word(word: str) -> None:
    assert parse_rule(f"5511999990001:{word}:1").code == word


def test_rule_recipient_is_digits_when_written_with_punctuation() -> None:
    assert parse_rule("+55 (11) 99999-0001:131000").recipient == "5511999990001"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("5511999990001", "expected recipient:code[:times]"),
        ("5511999990001:131000:2:9", "expected recipient:code[:times]"),
        ("12:131000", "not a phone number"),
        ("5511999990001:boom", "neither an error code"),
        ("5511999990001:131000:0", "not a positive integer"),
        ("5511999990001:131000:two", "not a positive integer"),
    ],
)
def test_rule_parser_raises_a_clear_error_when_text_is_bad(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match="invalid rule") as caught:
        parse_rule(text)
    assert fragment in str(caught.value)


def test_rule_from_json_accepts_int_code_and_times_when_well_formed() -> None:
    rule = rule_from_mapping({"recipient": "+5511999990001", "code": 131000, "times": 2})
    assert rule == FaultRule("5511999990001", 131000, 2)


@pytest.mark.parametrize(
    "data",
    [
        {"recipient": "5511999990001"},
        {"recipient": 5511999990001, "code": 131000},
        {"recipient": "5511999990001", "code": 131000, "times": 0},
        {"recipient": "5511999990001", "code": True},
        {"recipient": "5511999990001", "code": 131000, "when": "now"},
        ["5511999990001", 131000],
    ],
)
def test_rule_from_json_raises_when_data_is_bad(data: object) -> None:
    with pytest.raises(ValueError, match="rule"):
        rule_from_mapping(data)


def test_rule_book_fails_n_times_then_lets_through_when_times_is_set() -> None:
    book = RuleBook([FaultRule("5511999990001", 131000, 2)])
    taken = [book.take("5511999990001") for _ in range(3)]
    assert taken == [131000, 131000, None]


def test_rule_book_fails_every_time_when_times_is_none() -> None:
    book = RuleBook([FaultRule("5511999990001", "timeout")])
    assert [book.take("5511999990001") for _ in range(3)] == ["timeout"] * 3


def test_rule_book_ignores_a_recipient_when_no_rule_names_it() -> None:
    assert RuleBook([FaultRule("5511999990001", 131000)]).take("5511999990002") is None


def test_rule_book_applies_rules_in_order_when_a_recipient_has_several() -> None:
    book = RuleBook([FaultRule("5511999990001", 131000, 1), FaultRule("5511999990001", 190, 1)])
    assert [book.take("5511999990001") for _ in range(3)] == [131000, 190, None]
