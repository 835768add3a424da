"""Starts a Celery worker for `pytake worker`, with the cluster scheduler embedded."""

import logging
import os
import warnings

from celery.exceptions import CPendingDeprecationWarning

from pytake.core.settings import Settings
from pytake.worker.app import QUEUE, configure
from pytake.worker.scheduler import SchedulerStep


def run_worker(settings: Settings, *, concurrency: int) -> None:
    """Blocks until the worker is told to stop (SIGTERM or SIGINT: in-flight batches finish)."""
    # Celery announces a default that this app sets explicitly (app.py); the notice is noise.
    warnings.filterwarnings("ignore", category=CPendingDeprecationWarning)
    # Two lines per task at several ticks a second drown everything else; batches log their own.
    for name in ("celery.worker.strategy", "celery.app.trace"):
        logging.getLogger(name).setLevel(logging.WARNING)
    app = configure(settings)
    app.steps["worker"].add(SchedulerStep)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            f"--hostname=pytake-{os.getpid()}@%h",
            f"--queues={QUEUE}",
            f"--loglevel={settings.log_level}",
            "--without-mingle",
            "--without-gossip",
        ]
    )
