"""A schemathesis run over the HTTP API: the app served on a real port from a thread, real data
for requests to name, the hooks that aim requests at it, and the tally of what was answered.

Generated requests name things that do not exist: a random campaign id is a 404, a random
`whatsapp_number_id` a 422. So before a positive request is sent, three in four are aimed at
the organization's real data (`Targets`): ids of a number, contacts and campaigns made before
the run, or made for the request when it uses its target up (a DELETE, a lifecycle move); a
phone the numbering plan has; a CSV with a header; a signed webhook. The fourth keeps what
was generated. Negative parts of a request are never touched, and neither are the ids the
stateful phase takes from earlier answers, except that no request may delete or move the data
the others are aimed at.

What stays refused of the unaimed positive requests is what no schema can say: a phone outside
the numbering plan, a cursor the server never issued, an id that names nothing, a rule across
fields. `ServerRules` lets exactly those 422s through the "valid data accepted" check; any other
refusal of valid data fails the run.
"""

import asyncio
import hashlib
import hmac
import queue
import threading
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.core import NotSet
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.engine import events
from schemathesis.generation.meta import TestPhase
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.schemas import BaseSchema

from pytake.bootstrap import Runtime, migrate
from pytake.cli.processes import free_port
from pytake.core.settings import Settings
from pytake.organizations.service import create_api_key, get_or_create_organization
from pytake.sending.ports import ErrorClass, SendError, SendRequest, SendResult
from pytake.web.app import create_app
from pytake.web.throttling import LocalFailureStore, Throttle
from support.app_server import app_serving

API = "/api/v1"
NUMBER = f"{API}/whatsapp-numbers/{{number_id}}"
CONTACT = f"{API}/contacts/{{contact_id}}"
CAMPAIGN = f"{API}/campaigns/{{campaign_id}}"
API_KEY = f"{API}/api-keys/{{key_id}}"
WEBHOOK = "/webhooks/meta"
FUZZ_TAG = "fuzz"


class RefusingSender:
    """Sends nothing, anywhere, and counts what it was asked to send (the run expects none)."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, request: SendRequest) -> SendResult:
        self.attempts += 1
        return SendResult(None, SendError(ErrorClass.HALTING, "sending is off in this run"))

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class ServedApp:
    """Where the app answers, the key to call it with, and the sender that must stay idle."""

    url: str
    api_key: str
    sender: RefusingSender


@contextmanager
def served_app(settings: Settings) -> Iterator[ServedApp]:
    """The app on a free loopback port, its runtime in a thread of its own (the engine is not
    started, as in the API tests) with a key of the organization "acme"."""
    sender = RefusingSender()
    port = free_port()
    ready: queue.Queue[str | BaseException] = queue.Queue()
    stop = threading.Event()

    async def serve() -> None:
        runtime = Runtime(settings, sender=sender)
        try:
            await migrate(runtime.db)
            async with runtime.db.transaction() as session:
                organization = await get_or_create_organization(session, "acme")
                key = await create_api_key(session, organization, name="fuzz run")
            app = create_app(runtime, manage_runtime=False)
            # The run sends bad and missing keys on purpose, all from 127.0.0.1: under the
            # real limit its own key would be refused with 429 for the rest of the run.
            app.state.throttle = Throttle(LocalFailureStore(limit=1_000_000), runtime.clock)
            async with app_serving(
                app, port, log_level="error", access_log=False, lifespan="on"
            ) as task:
                ready.put(key)
                while not stop.is_set() and not task.done():
                    await asyncio.sleep(0.05)
        finally:
            await runtime.stop()

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:
            ready.put(exc)

    thread = threading.Thread(target=run, name="pytake-fuzz-server", daemon=True)
    thread.start()
    started = ready.get(timeout=60)
    if isinstance(started, BaseException):
        raise started
    try:
        yield ServedApp(url=f"http://127.0.0.1:{port}", api_key=started, sender=sender)
    finally:
        stop.set()
        thread.join(timeout=30)
    failed = None if ready.empty() else ready.get()
    if isinstance(failed, BaseException):
        raise failed  # the server stopped on an error after it had started


class Targets:
    """The organization's real data, made through the API itself before and during the run."""

    def __init__(self, client: httpx.Client, *, api_base_url: str) -> None:
        self.client, self.api_base_url = client, api_base_url
        self.requests = 0
        self._serial = 0

    def seed(self) -> None:
        self.number = self.fresh_number()
        self.contacts = [self.fresh_contact() for _ in range(3)]
        self.draft = self.fresh_campaign("draft")
        self.running = self.fresh_campaign("running")
        (self.key_id,) = [
            item["id"]
            for item in self._call("GET", "/api-keys", 200)["items"]
            if item["name"] == "fuzz run"
        ]
        self.cursors = {
            f"{API}/campaigns": self._cursor("/campaigns"),
            f"{API}/contacts": self._cursor("/contacts"),
            f"{CAMPAIGN}/messages": self._cursor(f"/campaigns/{self.running}/messages"),
        }
        self.kept = {self.number, self.draft, self.running, self.key_id, *self.contacts}

    def serial(self) -> int:
        self._serial += 1
        return self._serial

    def phone(self) -> str:
        return f"+5511{900000000 + self.serial()}"

    def phone_number_id(self) -> str:
        return str(100_000_000_000_000 + self.serial())

    def fresh_number(self) -> str:
        body = {
            "phone_number_id": self.phone_number_id(),
            "display_phone_number": "15550783881",
            "access_token": "fuzz-token",
            "api_base_url": self.api_base_url,
        }
        return str(self._call("POST", "/whatsapp-numbers", 201, json=body)["id"])

    def fresh_contact(self) -> str:
        body = {"name": "Fuzz contact", "phone": self.phone(), "tags": [FUZZ_TAG]}
        return str(self._call("POST", "/contacts", 201, json=body)["id"])

    def fresh_key(self) -> str:
        return str(self._call("POST", "/api-keys", 201, json={"name": "disposable"})["id"])

    def fresh_campaign(self, status: str) -> str:
        """A campaign over the seeded contacts, moved to `status` (draft, running, paused).

        Named by id, which no request may delete: a tag could be patched off them.
        """
        body = {
            "name": "Fuzz campaign",
            "whatsapp_number_id": self.number,
            "template": {"name": "fuzz_template", "language": "pt_BR"},
            "contact_ids": self.contacts,
            "retry_base_delay": 10,
            "retry_max_delay": 7200,
        }
        campaign = str(self._call("POST", "/campaigns", 201, json=body)["id"])
        moves = {"draft": [], "running": ["start"], "paused": ["start", "pause"]}[status]
        for move in moves:
            self._call("POST", f"/campaigns/{campaign}/{move}", 200)
        return campaign

    def csv(self) -> str:
        """Text, as schemathesis draws a file part (bytes would read as not matching)."""
        rows = [f"Fuzz {n},{self.phone()},{FUZZ_TAG}" for n in range(2)]
        return "name,phone,tags\n" + "\n".join(rows) + "\n"

    def _cursor(self, path: str) -> str:
        cursor = self._call("GET", path, 200, params={"limit": 1})["next_cursor"]
        assert cursor, f"GET {path} gave one page only: seed more data"
        return str(cursor)

    def _call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        self.requests += 1
        answer = self.client.request(method, API + path, **kwargs)
        assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None


# For each operation, the path parameters of its aimed requests: a real id, or a fresh one when
# the request uses it up.
PathAim = Callable[[Targets], dict[str, str]]
PATH_AIMS: dict[tuple[str, str], PathAim] = {
    ("GET", NUMBER): lambda t: {"number_id": t.number},
    ("PATCH", NUMBER): lambda t: {"number_id": t.number},
    ("DELETE", NUMBER): lambda t: {"number_id": t.fresh_number()},
    ("GET", CONTACT): lambda t: {"contact_id": t.contacts[0]},
    ("PATCH", CONTACT): lambda t: {"contact_id": t.contacts[1]},
    ("DELETE", CONTACT): lambda t: {"contact_id": t.fresh_contact()},
    ("GET", CAMPAIGN): lambda t: {"campaign_id": t.running},
    ("PATCH", CAMPAIGN): lambda t: {"campaign_id": t.draft},
    ("DELETE", CAMPAIGN): lambda t: {"campaign_id": t.fresh_campaign("draft")},
    ("POST", f"{CAMPAIGN}/start"): lambda t: {"campaign_id": t.fresh_campaign("draft")},
    ("POST", f"{CAMPAIGN}/pause"): lambda t: {"campaign_id": t.fresh_campaign("running")},
    ("POST", f"{CAMPAIGN}/resume"): lambda t: {"campaign_id": t.fresh_campaign("paused")},
    ("POST", f"{CAMPAIGN}/cancel"): lambda t: {"campaign_id": t.fresh_campaign("running")},
    ("POST", f"{CAMPAIGN}/retry-failed"): lambda t: {"campaign_id": t.running},
    ("GET", f"{CAMPAIGN}/retry-stats"): lambda t: {"campaign_id": t.running},
    ("GET", f"{CAMPAIGN}/errors"): lambda t: {"campaign_id": t.running},
    ("GET", f"{CAMPAIGN}/messages"): lambda t: {"campaign_id": t.running},
    ("GET", f"{CAMPAIGN}/messages/{{contact_id}}"): lambda t: {
        "campaign_id": t.running,
        "contact_id": t.contacts[2],
    },
    ("DELETE", API_KEY): lambda t: {"key_id": t.fresh_key()},
}
# Requests that delete or move what they name: never the seeded data the others are aimed at.
USING_UP = {
    key
    for key in PATH_AIMS
    if key[0] == "DELETE" or key[1].rsplit("/", 1)[-1] in ("start", "pause", "resume", "cancel")
}


class Steering:
    """The `before_call` hook aiming requests, and the `filter_failure` one of `ServerRules`."""

    def __init__(self, targets: Targets, *, app_secret: str, verify_token: str) -> None:
        self.targets, self.app_secret, self.verify_token = targets, app_secret, verify_token

    def before_call(self, context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
        key = (case.operation.method.upper(), case.operation.path)
        if case.method.upper() != key[0]:
            return  # a method the path does not have: its answer is a 405 whatever it names
        stateful = case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL
        if stateful or not _aimed(case):
            self._keep_seeded(key, case)
            return
        if key in PATH_AIMS and _positive(case, ParameterLocation.PATH):
            case.path_parameters = {**(case.path_parameters or {}), **PATH_AIMS[key](self.targets)}
        if _positive(case, ParameterLocation.QUERY):
            self._aim_query(key, case)
        if _positive(case, ParameterLocation.BODY):
            self._aim_body(key, case)
        if key == ("POST", WEBHOOK) and _positive(case, ParameterLocation.HEADER):
            kwargs["auth"] = self._sign

    def filter_failure(
        self, context: HookContext, failure: Failure, case: Case, response: Response
    ) -> bool:
        return not (isinstance(failure, RejectedPositiveData) and ServerRules.cover(response))

    def _keep_seeded(self, key: tuple[str, str], case: Case) -> None:
        named = set((case.path_parameters or {}).values())
        if key in USING_UP and named & {str(kept) for kept in self.targets.kept}:
            case.path_parameters = {**(case.path_parameters or {}), **PATH_AIMS[key](self.targets)}

    def _aim_query(self, key: tuple[str, str], case: Case) -> None:
        query = case.query
        if not isinstance(query, dict):
            return
        if query.get("cursor") is not None:
            cursor = self.targets.cursors.get(key[1])
            if cursor is None:
                del query["cursor"]
            else:
                query["cursor"] = cursor
        if key == ("GET", WEBHOOK):
            query.update({"hub.mode": "subscribe", "hub.verify_token": self.verify_token})

    def _aim_body(self, key: tuple[str, str], case: Case) -> None:
        body, targets = case.body, self.targets
        if not isinstance(body, dict):
            return
        method, path = key
        if path in (f"{API}/whatsapp-numbers", NUMBER):
            if "phone_number_id" in body:
                body["phone_number_id"] = targets.phone_number_id()
            if body.get("api_base_url") is not None:
                body["api_base_url"] = targets.api_base_url
        elif path in (f"{API}/contacts", CONTACT):
            if "phone" in body:
                body["phone"] = targets.phone()
        elif path in (f"{API}/campaigns", CAMPAIGN):
            _aim_campaign(body, targets, creating=method == "POST")
        elif path == f"{API}/contacts/import" and "file" in body:
            body["file"] = targets.csv()

    def _sign(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raw = request.body or b""
        raw = raw.encode() if isinstance(raw, str) else raw
        digest = hmac.new(self.app_secret.encode(), raw, hashlib.sha256).hexdigest()
        request.headers["X-Hub-Signature-256"] = f"sha256={digest}"
        return request


def _aimed(case: Case) -> bool:
    """Three positive requests in four, chosen by what was generated, so a run repeats."""
    body = None if isinstance(case.body, NotSet) else case.body  # its repr has an address
    drawn = repr((case.path_parameters, case.query, body)).encode()
    return zlib.crc32(drawn) % 4 != 0


def _positive(case: Case, location: ParameterLocation) -> bool:
    return case.meta is None or not case.meta.is_negative_at(location)


def _aim_campaign(body: dict[str, Any], targets: Targets, *, creating: bool) -> None:
    if "whatsapp_number_id" in body:
        body["whatsapp_number_id"] = targets.number
    if body.get("contact_ids"):
        body["contact_ids"] = targets.contacts[: len(body["contact_ids"])]
    elif body.get("contact_tags") or creating:
        body["contact_tags"] = [FUZZ_TAG, *body.get("contact_tags", [])[1:]]
    # The two delays must keep their order, with each other or with what the draft has.
    if "retry_base_delay" in body or "retry_max_delay" in body:
        body.setdefault("retry_base_delay", 10)
        body.setdefault("retry_max_delay", 7200)
        body["retry_max_delay"] = max(body["retry_max_delay"], body["retry_base_delay"])


class ServerRules:
    """The 422s a valid request may get for rules no JSON Schema can state, by error location
    and message: every error of the answer must be one of them."""

    RULES: tuple[tuple[tuple[str | int, ...], str], ...] = (
        (("body", "phone"), "invalid phone number"),  # the numbering plan
        (("query", "cursor"), "invalid cursor"),  # a cursor the server never issued
        (("body", "whatsapp_number_id"), "no WhatsApp number"),  # an id naming nothing
        (("body", "contact_ids"), "the audience"),  # tags and ids matching no contact
        (("body",), "retry_max_delay must be >= retry_base_delay"),  # across fields
        (("body", "retry_max_delay"), "retry_max_delay must be >= retry_base_delay"),
        (("body", "template", "components"), "unknown placeholder"),  # the template grammar
        (("body", "attributes"), "bytes as JSON"),  # the size of the attributes as JSON
        (("body", "file"), ""),  # the CSV inside the upload
        (("body", "api_base_url"), ""),  # a URL, on an allowed host
    )

    @classmethod
    def cover(cls, response: Response) -> bool:
        if response.status_code != 422:
            return False
        try:
            errors = response.json()["detail"]
        except (ValueError, KeyError, TypeError):
            return False
        return bool(errors) and all(cls._known(error) for error in errors)

    @classmethod
    def _known(cls, error: dict[str, Any]) -> bool:
        location = tuple(error.get("loc", ()))
        message = str(error.get("msg", ""))
        return any(location == where and what in message for where, what in cls.RULES)


@contextmanager
def hooks_of(steering: Steering) -> Iterator[None]:
    """The steering's hooks, registered for the run and removed after it."""
    registered = [
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(steering.before_call, "before_call"),
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(steering.filter_failure, "filter_failure"),
    ]
    try:
        yield
    finally:
        for hook in registered:
            GLOBAL_HOOK_DISPATCHER.unregister(hook)


@dataclass
class FuzzRun:
    """What a run sent and got: answers by operation and status, and what went wrong."""

    answers: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(sum(counts.values()) for counts in self.answers.values())

    def successes(self, operation: str) -> int:
        return sum(n for status, n in self.answers[operation].items() if 200 <= status < 300)

    def summary(self, operations: list[str]) -> dict[str, Any]:
        return {
            "operations": len(operations),
            "requests": self.requests,
            "seconds": round(self.seconds, 1),
            "failures": len(self.failures),
            "by_operation": {
                label: {
                    "requests": sum(self.answers[label].values()),
                    "2xx": self.successes(label),
                    "statuses": dict(sorted(self.answers[label].items())),
                }
                for label in operations
            },
        }


def run_schema(schema: BaseSchema) -> FuzzRun:
    """Every phase the configuration enables, over every operation of `schema`."""
    run = FuzzRun()
    seen: set[tuple[str, str, str]] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(run, event, seen)
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.seconds = event.running_time
            run.failures += [f"after the run: {failure.title}" for failure in event.failures]
    return run


def _record(run: FuzzRun, event: events.ScenarioFinished, seen: set[tuple[str, str, str]]) -> None:
    recorder = event.recorder
    for case_id, interaction in recorder.interactions.items():
        label = recorder.cases[case_id].value.operation.label
        status = interaction.response.status_code if interaction.response is not None else 0
        run.answers[label][status] += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            case = recorder.cases[case_id].value
            key = (check.name, case.operation.label, failure.title)
            if key in seen:
                continue  # the same failure of the same operation, told once
            seen.add(key)
            interaction = recorder.interactions.get(failure.case_id or case_id)
            answer = interaction.response if interaction is not None else None
            body = answer.content[:500].decode("utf-8", "replace") if answer else "no answer"
            run.failures.append(
                f"{case.operation.label}: {check.name}: {failure.title}\n{failure.message}\n"
                f"{check.failure_info.code_sample}\n=> {body}"
            )
