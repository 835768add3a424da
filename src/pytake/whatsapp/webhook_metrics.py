"""Prometheus counters of Meta's webhooks: requests and statuses by result, value-level errors."""

from prometheus_client import Counter

WEBHOOK_REQUESTS = Counter(
    "pytake_webhook_requests",
    "POST /webhooks/meta requests by result "
    "(accepted, deferred, unsigned, malformed, too_large, disabled).",
    ["result"],
)
WEBHOOK_STATUSES = Counter(
    "pytake_webhook_statuses",
    "Statuses received in webhooks by result (applied, duplicate, unknown, ignored, skipped).",
    ["result"],
)
WEBHOOK_ERRORS = Counter(
    "pytake_webhook_errors",
    "Value-level errors (no message id) reported in webhooks, by Cloud API code.",
    ["code"],
)
