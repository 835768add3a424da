"""Test support shared by every layer: where the shared Cloud API material lives, skips."""

import os
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("PYTAKE_REQUIRE_SERVICES") == "1"
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"
FIXTURES_DIR = SHARED_DIR / "whatsapp" / "fixtures"
# PostgreSQL needs PYTAKE_SECRET_KEY: the tests' processes (and their subprocesses) share this
# one, set in tests/conftest.py. Tests of the SQLite key file unset it.
TEST_SECRET_KEY = "66vR2vJd5Wv8psCJ3Y4KgfgH021_8Xu2hlxqoex_D9M="


def skip_or_fail(reason: str) -> None:
    """Skips a test whose service is absent, or fails it when services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PYTAKE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)
