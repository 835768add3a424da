"""How many more distinct recipients a number may reach now (ENGINE.md §4, the 24 h limit).

Meta documents no error for reaching the limit, so the engine counts by itself, from the
database: it is the one record every claimer shares, and it survives any process or Redis.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from pytake.campaigns.models import PauseReason
from pytake.sending import repository
from pytake.sending.pipeline import Pause
from pytake.sending.values import CampaignPlan

MESSAGING_WINDOW = timedelta(hours=24)
# Waits for a limit shorter than this are waited out; longer ones pause the campaign.
LONGEST_WAIT = timedelta(seconds=300)


@dataclass(frozen=True, slots=True)
class Room:
    """Recipients that may be claimed now; when none, a pause or when to look again."""

    count: int
    pause: Pause | None = None
    retry_at: datetime | None = None


async def messaging_room(
    session: AsyncSession, plan: CampaignPlan, *, now: datetime, wanted: int, busy: bool
) -> Room:
    """`busy`: sends are in flight, so capacity will be known better once they are recorded.

    The number's row is locked until the caller commits its claim, so concurrent claimers
    for one number (any campaigns, any processes) count one after the other.
    """
    cap = plan.messaging_limit_24h
    if cap is None:
        return Room(wanted)
    await repository.lock_number(session, plan.number_id)
    used, oldest = await repository.recipients_in_window(
        session, plan.number_id, since=now - MESSAGING_WINDOW
    )
    if used < cap:
        return Room(min(wanted, cap - used))
    if busy or oldest is None:
        return Room(0)
    frees_at = oldest + MESSAGING_WINDOW
    if frees_at - now > LONGEST_WAIT:
        detail = f"the number reached its limit of {cap} recipients in 24 hours"
        return Room(0, pause=Pause(PauseReason.RATE_LIMIT, detail, frees_at))
    return Room(0, retry_at=frees_at)
