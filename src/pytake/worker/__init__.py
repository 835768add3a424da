"""The Celery worker: distributed sending for `PYTAKE_EXECUTOR=celery` (`pytake worker`)."""
