"""The one place that wires real parts together: database, migrations, keys, sender, engine."""

import logging
import uuid
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from pytake.core.clock import Clock, SystemClock
from pytake.core.db import Database
from pytake.core.extras import require_extra
from pytake.core.secrets import MIGRATION_ATTRIBUTE, SecretBox, WrongSecretKeyError, secret_box
from pytake.core.settings import Settings
from pytake.numbers.models import WhatsAppNumber
from pytake.numbers.tokens import check_tokens
from pytake.sending.breaker import BreakerSettings
from pytake.sending.engine import Engine, EngineConfig
from pytake.sending.ports import MessageSender, RateLimiter
from pytake.sending.progress import LocalProgressBus
from pytake.sending.rate_limiter import LocalRateLimiter
from pytake.whatsapp.client import CloudApiClient
from pytake.whatsapp.receiver import WebhookReceiver

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from pytake.distributed.progress import RedisProgressBus

logger = logging.getLogger(__name__)
NUMBER_TABLE = WhatsAppNumber.__tablename__


def _alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "pytake:migrations")
    config.set_main_option("sqlalchemy.url", database_url)
    return config


async def migrate(db: Database, *, secrets: SecretBox | None = None) -> None:
    """`alembic upgrade head` on the database, inside the current event loop.

    Without `secrets`, a migration that has stored secrets to encrypt fails (SecretsError).
    """

    def upgrade(connection: Connection) -> None:
        config = _alembic_config(db.url)
        config.attributes["connection"] = connection
        config.attributes[MIGRATION_ATTRIBUTE] = secrets
        command.upgrade(config, "head")

    async with db.engine.begin() as connection:
        await connection.run_sync(upgrade)


async def check_secret_key(db: Database, secrets: SecretBox) -> None:
    """WrongSecretKeyError when tokens are stored and the keys decrypt none of them: the key
    of another deployment, or a lost key file. Some unreadable among readable ones are logged
    (their campaigns pause when they start)."""
    async with db.engine.connect() as connection:
        # A worker can start before the first `pytake serve` made the schema.
        if not await connection.run_sync(lambda sync: inspect(sync).has_table(NUMBER_TABLE)):
            return
    async with db.session() as session:
        check = await check_tokens(session, secrets)
    if check.stored and len(check.unreadable) == check.stored:
        raise WrongSecretKeyError()
    if check.unreadable:
        logger.warning(
            "PYTAKE_SECRET_KEY cannot decrypt the access token of these WhatsApp numbers: %s; "
            "their campaigns pause until the token is entered again",
            ", ".join(str(number_id) for number_id in check.unreadable),
        )


async def prepare_database(db: Database, secrets: SecretBox) -> None:
    """What a process that serves does first: migrations, then the check of the keys."""
    await migrate(db, secrets=secrets)
    await check_secret_key(db, secrets)


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
        # Resolved after the database: a missing driver extra is the first thing to say.
        self.secrets = secret_box(settings)
        self.clock: Clock = clock or SystemClock()
        self.sender: MessageSender = sender or CloudApiClient(
            timeout_seconds=settings.http_timeout_seconds,
            connect_timeout_seconds=settings.http_connect_timeout_seconds,
            api_hosts=settings.whatsapp_api_origins,
            max_connections=settings.send_concurrency,
        )
        # With Redis, limits and progress are shared by every process of the deployment.
        self.redis: Redis | None = None
        self.progress: LocalProgressBus | RedisProgressBus = LocalProgressBus()
        self.limiter: RateLimiter = LocalRateLimiter()
        if settings.redis_url:
            self.redis, self.progress, self.limiter = _shared_parts(settings.redis_url)
        secret = settings.whatsapp_app_secret
        self.webhooks = WebhookReceiver(
            self.db,
            app_secret=secret.get_secret_value() if secret else None,
            clock=self.clock,
            progress=self.progress,
        )
        self.engine: Engine | None = None
        if settings.executor == "inprocess":
            self.engine = Engine(
                db=self.db,
                sender=self.sender,
                clock=self.clock,
                config=engine_config(settings),
                limiter=self.limiter,
                progress=self.progress,
                secrets=self.secrets,
            )

    async def start(self) -> None:
        if not isinstance(self.progress, LocalProgressBus):
            await self.progress.start()
        await self.webhooks.start()
        if self.engine is not None:
            await self.engine.start()

    async def stop(self) -> None:
        await self.webhooks.stop()
        if self.engine is not None:
            await self.engine.stop()
        await self.sender.close()
        if not isinstance(self.progress, LocalProgressBus):
            await self.progress.stop()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()

    def campaign_changed(self, campaign_id: uuid.UUID, status: str) -> None:
        """Tells the engine a campaign's status changed, so it acts before its next send."""
        if self.engine is not None:
            self.engine.campaign_changed(campaign_id, status)
        self.progress.campaign_changed(campaign_id)


def _shared_parts(redis_url: str) -> "tuple[Redis, RedisProgressBus, RateLimiter]":
    """The Redis client, progress bus and limiter; imported here, as only Redis needs them."""
    require_extra("celery", "PYTAKE_REDIS_URL")
    from pytake.core.redis import create_redis
    from pytake.distributed.progress import RedisProgressBus
    from pytake.distributed.rate_limiter import RedisRateLimiter

    redis = create_redis(redis_url)
    return redis, RedisProgressBus(redis), RedisRateLimiter(redis)


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        batch_size=settings.dispatch_batch_size,
        concurrency=settings.send_concurrency,
        poll_interval_seconds=settings.dispatch_interval_seconds,
        lease_seconds=settings.lease_seconds,
        lease_renew_seconds=settings.lease_renew_seconds,
        reconcile_grace_seconds=settings.reconcile_grace_seconds,
        schedule_late_after_seconds=settings.schedule_late_after_seconds,
        breaker=BreakerSettings(
            window=settings.breaker_window,
            threshold=settings.breaker_threshold,
            min_attempts=settings.breaker_min_attempts,
        ),
        default_api_base_url=settings.whatsapp_api_base_url,
        webhook_retention_days=settings.webhook_retention_days,
    )
