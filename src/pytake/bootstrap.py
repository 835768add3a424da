"""The one place that wires real parts together: database, migrations, sender and engine."""

import uuid

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from pytake.core.clock import Clock, SystemClock
from pytake.core.db import Database
from pytake.core.settings import Settings
from pytake.sending.engine import Engine, EngineConfig
from pytake.sending.ports import MessageSender
from pytake.sending.progress import LocalProgressBus
from pytake.whatsapp.client import CloudApiClient


def _alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "pytake:migrations")
    config.set_main_option("sqlalchemy.url", database_url)
    return config


async def migrate(db: Database) -> None:
    """`alembic upgrade head` on the database, inside the current event loop."""

    def upgrade(connection: Connection) -> None:
        config = _alembic_config(db.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with db.engine.begin() as connection:
        await connection.run_sync(upgrade)


class Runtime:
    """Everything one process needs, built once from the settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        sender: MessageSender | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.clock: Clock = clock or SystemClock()
        self.sender: MessageSender = sender or CloudApiClient(
            timeout_seconds=settings.http_timeout_seconds,
            connect_timeout_seconds=settings.http_connect_timeout_seconds,
            max_connections=settings.send_concurrency,
        )
        self.progress = LocalProgressBus()
        self.engine: Engine | None = None
        if settings.executor == "inprocess":
            self.engine = Engine(
                db=self.db,
                sender=self.sender,
                clock=self.clock,
                config=engine_config(settings),
                progress=self.progress,
            )

    async def start(self) -> None:
        if self.engine is not None:
            await self.engine.start()

    async def stop(self) -> None:
        if self.engine is not None:
            await self.engine.stop()
        await self.sender.close()
        await self.db.dispose()

    def campaign_changed(self, campaign_id: uuid.UUID, status: str) -> None:
        """Tells the engine a campaign's status changed, so it acts before its next send."""
        if self.engine is not None:
            self.engine.campaign_changed(campaign_id, status)
        self.progress.campaign_changed(campaign_id)


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        batch_size=settings.dispatch_batch_size,
        concurrency=settings.send_concurrency,
        poll_interval_seconds=settings.dispatch_interval_seconds,
        lease_seconds=settings.lease_seconds,
        default_api_base_url=settings.whatsapp_api_base_url,
    )
