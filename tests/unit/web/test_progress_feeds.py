"""Shared live-progress feeds: one load per change per campaign, however many sockets watch."""

import uuid
from contextlib import AsyncExitStack

import pytest

from pytake.campaigns.schemas import CampaignProgress, ProgressStats, StatusCounts
from pytake.sending.progress import LocalProgressBus
from pytake.web.progress_feeds import ProgressFeed, ProgressHub

pytestmark = pytest.mark.unit


class CountingLoader:
    """A snapshot source that counts its loads; `exists=False` plays a deleted campaign."""

    def __init__(self) -> None:
        self.loads = 0
        self.exists = True

    async def __call__(self, campaign_id: uuid.UUID) -> CampaignProgress | None:
        self.loads += 1
        if not self.exists:
            return None
        return CampaignProgress(
            campaign_id=campaign_id,
            status="running",
            progress=float(self.loads),
            final=False,
            pause_reason=None,
            pause_detail=None,
            resume_at=None,
            started_at=None,
            completed_at=None,
            messages_pending=0,
            messages_sent=self.loads,
            messages_delivered=0,
            messages_read=0,
            messages_failed=0,
            messages_retrying=0,
            stats=ProgressStats(total_contacts=10, statuses=StatusCounts(sent=self.loads)),
        )


@pytest.fixture
def bus() -> LocalProgressBus:
    return LocalProgressBus()


@pytest.fixture
def loader() -> CountingLoader:
    return CountingLoader()


@pytest.fixture
def hub(bus: LocalProgressBus, loader: CountingLoader) -> ProgressHub:
    return ProgressHub(bus, loader, min_interval=0)


async def _watching(
    stack: AsyncExitStack, hub: ProgressHub, campaign_id: uuid.UUID, count: int
) -> list[ProgressFeed]:
    return [await stack.enter_async_context(hub.subscribe(campaign_id)) for _ in range(count)]


async def test_twenty_watchers_share_one_load_per_change_when_watching_one_campaign(
    hub: ProgressHub, bus: LocalProgressBus, loader: CountingLoader
) -> None:
    campaign_id = uuid.uuid4()
    async with AsyncExitStack() as stack:
        feeds = await _watching(stack, hub, campaign_id, 20)
        assert {await feed.next_after(0) for feed in feeds} == {1}
        bus.campaign_changed(campaign_id)
        assert {await feed.next_after(1) for feed in feeds} == {2}
        assert loader.loads == 2
        assert len({id(feed) for feed in feeds}) == 1


async def test_a_burst_of_changes_costs_one_load_when_signalled_between_ticks(
    bus: LocalProgressBus, loader: CountingLoader
) -> None:
    hub = ProgressHub(bus, loader, min_interval=0.05)
    campaign_id = uuid.uuid4()
    async with hub.subscribe(campaign_id) as feed:
        await feed.next_after(0)
        for _ in range(100):
            bus.campaign_changed(campaign_id)
        await feed.next_after(1)
        assert loader.loads == 2
    await hub.close()


async def test_the_event_is_the_newest_snapshot_as_json_when_loaded(
    hub: ProgressHub, bus: LocalProgressBus
) -> None:
    campaign_id = uuid.uuid4()
    async with hub.subscribe(campaign_id) as feed:
        await feed.next_after(0)
        bus.campaign_changed(campaign_id)
        await feed.next_after(1)
        assert feed.text is not None
        event = CampaignProgress.model_validate_json(feed.text)
        assert (event.event, event.campaign_id, event.messages_sent) == (
            "campaign.progress",
            campaign_id,
            2,
        )


async def test_the_feed_stops_watching_when_its_last_socket_leaves(
    hub: ProgressHub, bus: LocalProgressBus
) -> None:
    campaign_id = uuid.uuid4()
    async with AsyncExitStack() as stack:
        feeds = await _watching(stack, hub, campaign_id, 3)
        await feeds[0].next_after(0)
        assert (hub.feed_count(), bus.watcher_count(campaign_id)) == (1, 1)
    assert (hub.feed_count(), bus.watcher_count(campaign_id)) == (0, 0)


async def test_the_feed_publishes_no_text_when_the_campaign_is_deleted(
    hub: ProgressHub, bus: LocalProgressBus, loader: CountingLoader
) -> None:
    campaign_id = uuid.uuid4()
    async with hub.subscribe(campaign_id) as feed:
        await feed.next_after(0)
        loader.exists = False
        bus.campaign_changed(campaign_id)
        await feed.next_after(1)
        assert feed.text is None
