"""Schemathesis over `/openapi.json`: every operation, authenticated, against the real app.

Fails on a 5xx, an answer that does not match its documented schema or content type, a status
code a route does not document, valid data refused or invalid data accepted; and unless every
operation got some 2xx answers. Seeded, so a run repeats. `-s` prints the summary (operations,
requests, answers by status per operation); PYTAKE_FUZZ_SUMMARY=path writes it as JSON too.
"""

import json
import os
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from pytake.core.settings import Settings
from support.openapi_fuzz import API, Steering, Targets, hooks_of, run_schema, served_app

pytestmark = pytest.mark.integration

APP_SECRET = "fuzz-app-secret"
VERIFY_TOKEN = "fuzz-verify-token"
# Nothing leaves the machine: the engine does not run, the runtime's sender refuses, and the
# default Cloud API base (which numbers must stay under) is a closed loopback port.
LOCAL_API_BASE_URL = "http://127.0.0.1:9/v23.0"

# The answers "invalid data rejected" and "valid data accepted" take: schemathesis's lists (a
# 5xx fails "not a server error" anyway) and 413, since a body over PYTAKE_MAX_BODY_BYTES is
# refused whatever it holds.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "413", "429"]
CONFIG = {
    "seed": 20_251_023,
    "continue-on-failure": True,
    # What one run learnt would steer the next: each run starts from the schema alone.
    "cache": {"enabled": False},
    "workers": 1,
    "generation": {"max-examples": 80, "deterministic": True, "database": "none"},
    # Values taken from earlier answers (ids the server made, its error messages) would make
    # each run draw differently; the hooks aim at real data instead, so a run repeats.
    "phases": {
        "examples": {"extra-data-sources": {"responses": False}},
        "coverage": {"extra-data-sources": {"responses": False}},
        "fuzzing": {
            "extra-data-sources": {"responses": False},
            "error-feedback": {"enabled": False},
        },
        "stateful": {"max-steps": 10},
    },
    "checks": {
        "negative_data_rejection": {"expected-statuses": [*REJECTED, "5xx"]},
        "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "5xx"]},
        # Needs the keys of two organizations; tests/integration/web/api cover that by hand.
        "object_level_authorization": {"enabled": False},
    },
    "operations": [
        {
            # GET /contacts/bulk is GET /contacts/{contact_id} with the id "bulk": a 422
            # naming contact_id, not the 405 these checks expect of a method the path lacks.
            "include-path": [f"{API}/contacts/bulk", f"{API}/contacts/import"],
            "checks": {
                "unsupported_method": {"enabled": False},
                "allow_header_conformance": {"enabled": False},
            },
        }
    ],
}


# Hypothesis warns when it describes a large generated value; that is no failure of the API.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
def test_every_operation_answers_as_documented(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'pytake.db'}",
        whatsapp_api_base_url=LOCAL_API_BASE_URL,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
    )
    with served_app(settings) as served:
        headers = {"Authorization": f"Bearer {served.api_key}"}
        with httpx.Client(base_url=served.url, headers=headers, timeout=30) as client:
            targets = Targets(client, api_base_url=LOCAL_API_BASE_URL)
            targets.seed()
            config = SchemathesisConfig.from_dict({**CONFIG, "headers": headers})
            schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json", config=config)
            steering = Steering(targets, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
            with hooks_of(steering):
                run = run_schema(schema)
        operations = sorted(result.ok().label for result in schema.get_all_operations())

    summary = {**run.summary(operations), "setup_requests": targets.requests}
    print(json.dumps(summary, indent=2))
    if path := os.environ.get("PYTAKE_FUZZ_SUMMARY"):
        Path(path).write_text(json.dumps(summary, indent=2))
    assert not run.errors, "\n".join(run.errors)
    assert not run.failures, "\n\n".join(run.failures)
    assert [label for label in operations if run.successes(label) == 0] == []
    assert served.sender.attempts == 0
