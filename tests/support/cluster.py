"""A distributed deployment in real processes: PostgreSQL, a private Redis, `pytake serve` with
the Celery executor, several `pytake worker`s and the simulator."""

import contextlib
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pytake.cli.processes import free_port
from support.processes import Process, pytake, running, wait_http
from support.redis import RedisServer

SECRET = "e2e-app-secret"
RATE = 200


@dataclass
class Cluster:
    api_url: str
    simulator_url: str
    api_key: str
    redis: RedisServer
    env: dict[str, str]
    workers: list[Process] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def accepted(self) -> Counter[str]:
        """Sends the simulator accepted, by recipient."""
        log = httpx.get(f"{self.simulator_url}/_sim/messages", timeout=30).json()["messages"]
        return Counter(entry["wa_id"] for entry in log)

    def simulator_stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = httpx.get(f"{self.simulator_url}/_sim/stats", timeout=10).json()
        return stats

    def fail_once(self, phones: list[str]) -> None:
        """Each of these recipients gets one transient error (131000) before being accepted."""
        rules = [{"recipient": phone, "code": 131000, "times": 1} for phone in phones]
        httpx.post(f"{self.simulator_url}/_sim/rules", json=rules, timeout=10).raise_for_status()

    def worker_pids(self) -> dict[int, Process]:
        return {worker.popen.pid: worker for worker in self.workers}


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "PYTAKE_DATABASE_URL": database_url,
        "PYTAKE_REDIS_URL": redis_url,
        "PYTAKE_EXECUTOR": "celery",
        "PYTAKE_WHATSAPP_APP_SECRET": SECRET,
        "PYTAKE_LEASE_SECONDS": "5",
        "PYTAKE_LEASE_RENEW_SECONDS": "1",
        "PYTAKE_RECONCILE_GRACE_SECONDS": "5",
        "PYTAKE_LOG_LEVEL": "INFO",
    }


@contextmanager
def running_cluster(
    tmp_path: Path,
    *,
    database_url: str,
    redis: RedisServer,
    workers: int,
    webhooks: bool,
    settings: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """`webhooks`: the simulator reports statuses to the API (needed to recognise lost sends);
    `settings`: `PYTAKE_` variables for every process, over the cluster's own."""
    api_port, sim_port = free_port(), free_port()
    api_url, sim_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{sim_port}"
    env = {
        **_env(database_url, redis.url),
        "PYTAKE_WHATSAPP_API_HOSTS": sim_url,
        **(settings or {}),
    }
    created = pytake("apikey", "create", "--org", "e2e", env=env)
    assert created.returncode == 0, created.stderr
    simulator = ["simulator", "--port", str(sim_port), "--seed", "5", "--throughput", str(RATE)]
    if webhooks:
        simulator += ["--webhook-url", f"{api_url}/webhooks/meta", "--app-secret", SECRET]
    with ExitStack() as stack:
        stack.enter_context(
            running(
                simulator,
                env={},
                log=tmp_path / "simulator.log",
                ready_url=f"{sim_url}/_sim/health",
            )
        )
        serve = ["serve", "--port", str(api_port)]
        stack.enter_context(
            running(serve, env=env, log=tmp_path / "serve.log", ready_url=f"{api_url}/health")
        )
        cluster = Cluster(api_url, sim_url, created.stdout.strip().splitlines()[-1], redis, env)
        for index in range(workers):
            worker = Process(
                ["worker", "--concurrency", "1"],
                env=env,
                log=tmp_path / f"worker-{index}.log",
                own_group=True,
            )
            stack.callback(_stop_worker, worker)
            cluster.workers.append(worker)
        wait_http(f"{api_url}/health")
        yield cluster


def _stop_worker(worker: Process) -> None:
    worker.stop()
    # A worker's pool children never outlive the test, however their parent ended.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.popen.pid, signal.SIGKILL)
