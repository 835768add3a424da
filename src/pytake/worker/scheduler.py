"""The periodic scheduler embedded in every `pytake worker`, active in one of them at a time.

Each worker's main process runs a thread that competes for a Redis lock with a short TTL and
keeps renewing it while it lives; only the holder sends the `sending.enqueue_due` tick. One
tick is in flight at a time (a second key, cleared by the tick when it ends), so ticks never
pile up behind busy workers. A holder that dies stops renewing, and another worker takes over
within the TTL; a holder that cannot reach Redis stops ticking at once.
"""

import contextlib
import logging
import os
import socket
import threading

from celery import Celery, bootsteps
from kombu.connection import Connection
from kombu.exceptions import OperationalError
from redis import Redis, RedisError
from redis.exceptions import LockError
from redis.lock import Lock

from pytake.core.redis import CONNECT_TIMEOUT_SECONDS, SOCKET_TIMEOUT_SECONDS
from pytake.core.settings import get_settings
from pytake.worker.runtime import TICK_KEY

logger = logging.getLogger(__name__)

LOCK_KEY = "pytake:scheduler:cluster:lock"
LOCK_TTL_SECONDS = 5.0
# A tick lost with its worker is sent again after this.
TICK_TTL_MS = 5000


class ClusterScheduler:
    """Sends the tick every `interval` seconds while this process holds the cluster's lock."""

    def __init__(self, app: Celery, redis_url: str, *, interval: float) -> None:
        self.app, self.interval = app, interval
        self.client = Redis.from_url(
            redis_url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self.lock: Lock = self.client.lock(
            LOCK_KEY, timeout=LOCK_TTL_SECONDS, blocking=False, thread_local=False
        )
        self.node = f"{socket.gethostname()}:{os.getpid()}"
        self.leading = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pytake-scheduler", daemon=True)
        self._failing = False
        # Its own broker connection: the pool's children, forked while this thread runs,
        # must not inherit a lock of the app's shared producer pool in a held state.
        self._connection: Connection | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=self.interval + SOCKET_TIMEOUT_SECONDS)
        if self.leading:
            with contextlib.suppress(LockError, RedisError, OSError):
                self.lock.release()
        self._drop_connection()
        self.client.close()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                if self._lead():
                    self._tick()
                self._failing = False
            except (RedisError, OSError, OperationalError) as exc:
                self._drop_connection()
                if not self._failing:
                    logger.warning("scheduler paused: Redis: %s: %s", type(exc).__name__, exc)
                self._failing = True
            except Exception:  # the thread must outlive any one failed tick
                logger.exception("scheduler tick could not be sent")

    def _lead(self) -> bool:
        if self.leading:
            try:
                self.lock.reacquire()
                return True
            except LockError:
                self.leading = False
                logger.warning("this worker (%s) no longer runs the scheduler", self.node)
        # The node as token: operators (and tests) can read which worker schedules.
        self.leading = bool(self.lock.acquire(blocking=False, token=self.node))
        if self.leading:
            logger.info("this worker (%s) now runs the cluster's scheduler", self.node)
        return self.leading

    def _tick(self) -> None:
        if self.client.set(TICK_KEY, self.node, nx=True, px=TICK_TTL_MS):
            if self._connection is None:
                self._connection = self.app.connection_for_write()
            self.app.send_task("sending.enqueue_due", connection=self._connection)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.release()  # type: ignore[no-untyped-call]
            self._connection = None


class SchedulerStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """Runs the cluster scheduler in the worker's main process (see the module's docstring)."""

    # Started once the pool has forked its first children.
    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker: object, **kwargs: object) -> None:
        super().__init__(worker, **kwargs)
        self.scheduler: ClusterScheduler | None = None

    def start(self, worker: object) -> None:
        settings = get_settings()
        assert settings.redis_url is not None
        app: Celery = worker.app  # type: ignore[attr-defined]
        self.scheduler = ClusterScheduler(
            app, settings.redis_url, interval=settings.dispatch_interval_seconds
        )
        self.scheduler.start()

    def stop(self, worker: object) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None
