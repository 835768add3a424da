"""The Celery application: broker and results in `PYTAKE_REDIS_URL`, tasks safe to deliver twice."""

from celery import Celery

from pytake.core.settings import Settings

QUEUE = "pytake"
# Longer than any batch runs: a batch still unacknowledged after this is delivered again,
# which is harmless (its messages have moved to the taker's lease).
VISIBILITY_TIMEOUT_SECONDS = 900

app = Celery("pytake", include=["pytake.worker.tasks"])


def configure(settings: Settings) -> Celery:
    """Points the app at the settings' Redis; call once per process before using it."""
    app.conf.update(
        broker_url=settings.redis_url,
        result_backend=settings.redis_url,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_retry_on_startup=True,
        # A batch whose broker connection broke finishes by itself: its sends stop at the
        # rate limiter, which shares that Redis; cancelling it would only strand its leases.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        task_serializer="json",
        accept_content=["json"],
    )
    return app
