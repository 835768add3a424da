"""The Celery tasks: thin calls into the worker process's runtime."""

import uuid

from celery import signals

from pytake.core.logging import configure_logging
from pytake.core.settings import get_settings
from pytake.sending.batches import Batch
from pytake.worker.app import app
from pytake.worker.runtime import WorkerRuntime

_runtime: WorkerRuntime | None = None


@signals.worker_process_init.connect
def _start_process(**_: object) -> None:
    global _runtime
    settings = get_settings()
    configure_logging(settings.log_level)
    _runtime = WorkerRuntime(settings)


@signals.worker_process_shutdown.connect
def _stop_process(**_: object) -> None:
    if _runtime is not None:
        _runtime.close()


def current_runtime() -> WorkerRuntime:
    if _runtime is None:
        raise RuntimeError("no worker runtime: tasks run only in `pytake worker` processes")
    return _runtime


@app.task(name="sending.enqueue_due")
def enqueue_due() -> int:
    """The scheduler's tick: campaign moves, then due work queued as `process_batch` tasks."""
    return current_runtime().enqueue_due(_enqueue)


@app.task(name="process_batch")
def process_batch(
    campaign_id: str,
    message_ids: list[str],
    batch_index: int,
    *,
    lease_token: str,
) -> int:
    """Sends one batch of a campaign, once, however often it is delivered."""
    batch = Batch(
        uuid.UUID(campaign_id), [uuid.UUID(m) for m in message_ids], uuid.UUID(lease_token)
    )
    return current_runtime().send(batch, batch_index)


def _enqueue(batch: Batch, batch_index: int) -> None:
    process_batch.apply_async(
        args=(str(batch.campaign_id), [str(m) for m in batch.message_ids], batch_index),
        kwargs={"lease_token": str(batch.lease_token)},
    )
