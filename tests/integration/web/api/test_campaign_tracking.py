"""Retry statistics, errors, per-contact records and retry-failed for a scripted campaign."""

import csv
import io
from datetime import datetime
from typing import Any

import pytest

from pytake.bootstrap import Runtime
from pytake.core.clock import OffsetClock
from pytake.whatsapp.simulator import RunningSimulator
from support.scenario import Scenario, sim_call, wait_for

pytestmark = pytest.mark.integration

PHONE = "55119000000{:02d}"


async def _script(simulator: RunningSimulator) -> None:
    """Contacts 1–2 fail once, 3 is not on WhatsApp, 4 always fails; 5–10 succeed at once."""
    rules = [
        {"recipient": PHONE.format(1), "code": 131000, "times": 1},
        {"recipient": PHONE.format(2), "code": 131000, "times": 1},
        {"recipient": PHONE.format(3), "code": 131026},
        {"recipient": PHONE.format(4), "code": 131000},
    ]
    await sim_call(simulator, "POST", "/_sim/rules", rules)


@pytest.fixture
async def finished(
    scenario: Scenario, simulator: RunningSimulator, engine: Runtime, clock: OffsetClock
) -> str:
    """The scripted campaign (one retry allowed), run to completion."""
    await _script(simulator)
    campaign = await scenario.started(10, retry_max_attempts=1)
    campaign_id = str(campaign["id"])

    async def three_waiting() -> bool:
        stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
        return bool(stats["statuses"]["retrying"] == 3 and stats["statuses"]["pending"] == 0)

    await wait_for(three_waiting, what="three contacts retrying")
    clock.advance(10)
    await scenario.wait_status(campaign_id, "completed")
    return campaign_id


async def test_retry_stats_match_hand_computed_figures_when_campaign_is_scripted(
    scenario: Scenario, finished: str
) -> None:
    stats = await scenario.call("GET", f"/campaigns/{finished}/retry-stats")
    errors = stats.pop("recent_errors")
    assert stats == {
        "total_contacts": 10,
        "statuses": {"pending": 0, "sent": 8, "delivered": 0, "read": 0, "retrying": 0,
                     "failed": 2, "skipped": 0, "cancelled": 0},
        "total_attempts": 13,
        "avg_attempts_per_contact": 1.3,
        "successful_on_first_attempt": 6,
        "required_retries": 3,
        "retry_rate": 30.0,
        "configuration": {"retry_max_attempts": 1, "retry_base_delay": 10, "retry_max_delay": 60,
                          "retry_jitter": "none"},
    }  # fmt: skip
    assert len(errors) == 5
    assert (errors[0]["contact_phone"], errors[0]["attempt"]) == (PHONE.format(4), 1)
    stamps = [datetime.fromisoformat(e["timestamp"]) for e in errors]
    assert stamps == sorted(stamps, reverse=True)
    assert {e["contact_phone"] for e in errors} == {PHONE.format(i) for i in (1, 2, 3, 4)}


async def test_campaign_counters_agree_with_retry_stats_when_completed(
    scenario: Scenario, finished: str
) -> None:
    campaign = await scenario.get(finished)
    assert campaign["status"] == "completed"
    assert campaign["completed_at"] is not None
    assert (campaign["messages_sent"], campaign["messages_failed"]) == (8, 2)
    assert (campaign["messages_pending"], campaign["progress"]) == (0, 100.0)


async def test_errors_are_paged_newest_first_when_a_limit_is_given(
    scenario: Scenario, finished: str
) -> None:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await scenario.call("GET", f"/campaigns/{finished}/errors", params=params)
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    recent = (await scenario.call("GET", f"/campaigns/{finished}/retry-stats"))["recent_errors"]
    assert [e["timestamp"] for e in seen] == [e["timestamp"] for e in recent]
    assert {e["code"] for e in seen} == {131000, 131026}


async def test_records_show_every_attempt_when_a_contact_was_retried(
    scenario: Scenario, finished: str
) -> None:
    records = {r["contact_phone"]: r for r in await scenario.records(finished)}
    retried = records[PHONE.format(1)]
    assert [a["success"] for a in retried["attempts"]] == [False, True]
    assert retried["attempts"][0]["error"].startswith("(#131000)")
    assert retried["message_id"] == retried["attempts"][1]["message_id"]
    assert records[PHONE.format(3)]["status"] == "failed"
    assert len(records[PHONE.format(4)]["attempts"]) == 2

    contact_id = retried["contact_id"]
    one = await scenario.call("GET", f"/campaigns/{finished}/messages/{contact_id}")
    assert one == retried


async def test_records_are_filtered_when_a_status_is_given(
    scenario: Scenario, finished: str
) -> None:
    page = await scenario.call(
        "GET", f"/campaigns/{finished}/messages", params={"status": "failed"}
    )
    assert sorted(r["contact_phone"] for r in page["items"]) == [PHONE.format(3), PHONE.format(4)]
    await scenario.call("GET", f"/campaigns/{finished}/messages", 422, params={"status": "lost"})


async def test_records_export_as_csv_with_attempt_counts_when_asked(
    scenario: Scenario, finished: str
) -> None:
    answer = await scenario.api.get(
        f"/api/v1/campaigns/{finished}/messages", params={"format": "csv"}, headers=scenario.auth
    )
    assert answer.headers["content-type"].startswith("text/csv")
    rows = {row["contact_phone"]: row for row in csv.DictReader(io.StringIO(answer.text))}
    assert len(rows) == 10
    assert (rows[PHONE.format(4)]["attempts"], rows[PHONE.format(4)]["status"]) == ("2", "failed")
    assert "131000" in rows[PHONE.format(4)]["last_error"]


async def test_cells_that_would_run_as_formulas_are_quoted_when_exported_as_csv(
    scenario: Scenario,
) -> None:
    names = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "Ana = 1", "Bia"]
    number_id = await scenario.number()
    contacts = [
        {"name": name, "phone": PHONE.format(index), "tags": ["all"]}
        for index, name in enumerate(names)
    ]
    await scenario.call("POST", "/contacts/bulk", json=contacts)
    campaign = await scenario.campaign(number_id)
    await scenario.call("POST", f"/campaigns/{campaign['id']}/start")
    answer = await scenario.api.get(
        f"/api/v1/campaigns/{campaign['id']}/messages",
        params={"format": "csv"},
        headers=scenario.auth,
    )
    exported = list(csv.DictReader(io.StringIO(answer.text, newline="")))
    assert {row["contact_phone"]: row["contact_name"] for row in exported} == {
        PHONE.format(0): '\'=HYPERLINK("x")',
        PHONE.format(1): "'+1",
        PHONE.format(2): "'-2",
        PHONE.format(3): "'@SUM(A1)",
        PHONE.format(4): "Ana = 1",
        PHONE.format(5): "Bia",
    }


async def test_retry_failed_requeues_only_passing_failures_unless_permanent_is_included(
    scenario: Scenario, simulator: RunningSimulator, finished: str
) -> None:
    await sim_call(simulator, "DELETE", "/_sim/rules")
    running = await scenario.call("POST", f"/campaigns/{finished}/retry-failed")
    assert running["status"] == "running"
    await scenario.wait_status(finished, "completed")
    by_phone = {r["contact_phone"]: r["status"] for r in await scenario.records(finished)}
    assert (by_phone[PHONE.format(4)], by_phone[PHONE.format(3)]) == ("sent", "failed")

    body = {"include_permanent": True}
    await scenario.call("POST", f"/campaigns/{finished}/retry-failed", json=body)
    await scenario.wait_status(finished, "completed")
    by_phone = {r["contact_phone"]: r["status"] for r in await scenario.records(finished)}
    assert set(by_phone.values()) == {"sent"}


def _figures_of_records(records: list[dict[str, Any]]) -> dict[str, int]:
    """The attempt figures counted by hand from every contact's list of attempts."""
    return {
        "total_attempts": sum(len(r["attempts"]) for r in records),
        "successful_on_first_attempt": sum(
            bool(r["attempts"]) and r["attempts"][0]["success"] for r in records
        ),
        "required_retries": sum(len(r["attempts"]) > 1 for r in records),
    }


async def _attempt_figures(scenario: Scenario, campaign_id: str) -> dict[str, int]:
    stats = await scenario.call("GET", f"/campaigns/{campaign_id}/retry-stats")
    return {key: stats[key] for key in _figures_of_records([])}


async def test_required_retries_count_contacts_with_several_attempts_when_failures_are_retried(
    scenario: Scenario, simulator: RunningSimulator, clock: OffsetClock, finished: str
) -> None:
    # Contact 3's permanent failure is tried once more; contact 4 fails twice more.
    await scenario.call(
        "POST", f"/campaigns/{finished}/retry-failed", json={"include_permanent": True}
    )

    async def four_failing_again() -> bool:
        stats = await scenario.call("GET", f"/campaigns/{finished}/retry-stats")
        return bool(stats["statuses"]["retrying"] == 1 and stats["statuses"]["pending"] == 0)

    await wait_for(four_failing_again, what="contact 4 retrying again")
    clock.advance(10)
    await scenario.wait_status(finished, "completed")
    figures = await _attempt_figures(scenario, finished)
    assert figures == _figures_of_records(await scenario.records(finished))
    assert figures == {
        "total_attempts": 16,
        "successful_on_first_attempt": 6,
        "required_retries": 4,
    }

    # Both succeed at their next attempt, on a fresh retry budget.
    await sim_call(simulator, "DELETE", "/_sim/rules")
    await scenario.call(
        "POST", f"/campaigns/{finished}/retry-failed", json={"include_permanent": True}
    )
    await scenario.wait_status(finished, "completed")
    figures = await _attempt_figures(scenario, finished)
    assert figures == _figures_of_records(await scenario.records(finished))
    assert figures == {
        "total_attempts": 18,
        "successful_on_first_attempt": 6,
        "required_retries": 4,
    }
    stats = await scenario.call("GET", f"/campaigns/{finished}/retry-stats")
    assert (stats["statuses"]["sent"], stats["retry_rate"]) == (10, 40.0)


async def test_statuses_add_up_to_total_and_jitter_is_shown_when_skipped_and_cancelled(
    scenario: Scenario,
) -> None:
    number_id = await scenario.number()
    contacts = await scenario.contacts(3)
    await scenario.call("PATCH", f"/contacts/{contacts[0]['id']}", json={"opted_out": True})
    campaign = await scenario.campaign(number_id, retry_jitter="full")
    await scenario.call("POST", f"/campaigns/{campaign['id']}/start")
    await scenario.call("POST", f"/campaigns/{campaign['id']}/cancel")

    stats = await scenario.call("GET", f"/campaigns/{campaign['id']}/retry-stats")
    s = stats["statuses"]
    assert (s["skipped"], s["cancelled"]) == (1, 2)
    parts = ("pending", "sent", "retrying", "failed", "skipped", "cancelled")
    assert sum(s[part] for part in parts) == stats["total_contacts"] == 3
    assert stats["configuration"] == {
        "retry_max_attempts": 3,
        "retry_base_delay": 10,
        "retry_max_delay": 60,
        "retry_jitter": "full",
    }
