"""Per-recipient fault rules: parsing them from text or JSON, and counting them down."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

FaultWord = Literal["timeout", "http500", "garbage"]
FaultCode = int | FaultWord
"""A Cloud API error code, or a fault that has no code: a hang, a bare 500, a non-JSON 502."""

FAULT_WORDS: tuple[FaultWord, ...] = ("timeout", "http500", "garbage")
_PHONE_PUNCTUATION = str.maketrans("", "", "+-() ")


@dataclass(frozen=True, slots=True)
class FaultRule:
    """Fail sends to `recipient` with `code`: the first `times` sends, or all when times is None."""

    recipient: str
    code: FaultCode
    times: int | None = None

    def to_json(self) -> dict[str, object]:
        return {"recipient": self.recipient, "code": self.code, "times": self.times}


def normalize_phone(raw: str) -> str | None:
    """The digits of a phone number as Meta accepts it (+, -, (), spaces allowed), else None."""
    digits = raw.translate(_PHONE_PUNCTUATION)
    if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15:
        return digits
    return None


def parse_rule(text: str) -> FaultRule:
    """Parse "recipient:code[:times]", e.g. "5511999990001:131000:2" or "5511999990001:timeout"."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3):
        raise ValueError(f"invalid rule {text!r}: expected recipient:code[:times]")
    try:
        return FaultRule(
            recipient=_parse_recipient(parts[0]),
            code=_parse_code(parts[1]),
            times=_parse_times(parts[2]) if len(parts) == 3 else None,
        )
    except ValueError as exc:
        raise ValueError(f"invalid rule {text!r}: {exc}") from None


def rule_from_mapping(data: object) -> FaultRule:
    """Build a rule from its JSON form {"recipient", "code", "times"?}."""
    try:
        return _rule_from_mapping(data)
    except ValueError as exc:
        raise ValueError(f"invalid rule {data!r}: {exc}") from None


def _rule_from_mapping(data: object) -> FaultRule:
    if not isinstance(data, Mapping):
        raise ValueError("expected an object with recipient, code and optional times")
    unknown = set(data) - {"recipient", "code", "times"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
    recipient, code, times = data.get("recipient"), data.get("code"), data.get("times")
    if not isinstance(recipient, str):
        raise ValueError("recipient must be a phone number string")
    if isinstance(code, bool) or not isinstance(code, int | str):
        raise ValueError("code must be an error code or one of " + ", ".join(FAULT_WORDS))
    if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
        raise ValueError("times must be a positive integer")
    return FaultRule(
        recipient=_parse_recipient(recipient),
        code=_parse_code(str(code)),
        times=None if times is None else _parse_times(str(times)),
    )


def _parse_recipient(text: str) -> str:
    digits = normalize_phone(text)
    if digits is None:
        raise ValueError(f"recipient {text!r} is not a phone number of 7 to 15 digits")
    return digits


def _parse_code(text: str) -> FaultCode:
    for word in FAULT_WORDS:
        if text == word:
            return word
    if text.isascii() and text.isdigit():
        return int(text)
    raise ValueError(f"code {text!r} is neither an error code nor one of " + ", ".join(FAULT_WORDS))


def _parse_times(text: str) -> int:
    if text.isascii() and text.isdigit() and int(text) >= 1:
        return int(text)
    raise ValueError(f"times {text!r} is not a positive integer")


@dataclass(slots=True)
class _ActiveRule:
    rule: FaultRule
    remaining: int | None


class RuleBook:
    """The active rules, with how many failures each still has to give."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self._rules: dict[str, list[_ActiveRule]] = {}
        self.add(rules)

    def add(self, rules: Iterable[FaultRule]) -> None:
        for rule in rules:
            self._rules.setdefault(rule.recipient, []).append(_ActiveRule(rule, rule.times))

    def clear(self) -> None:
        self._rules.clear()

    def take(self, wa_id: str) -> FaultCode | None:
        """The fault for this send to `wa_id`, spending one of the rule's failures."""
        for active in self._rules.get(wa_id, ()):
            if active.remaining is None:
                return active.rule.code
            if active.remaining > 0:
                active.remaining -= 1
                return active.rule.code
        return None

    def to_json(self) -> list[dict[str, object]]:
        return [
            {**active.rule.to_json(), "remaining": active.remaining}
            for actives in self._rules.values()
            for active in actives
        ]
