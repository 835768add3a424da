"""Real processes for end-to-end tests: `pytake serve`, `pytake simulator`, `pytake apikey`."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def pytake(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytake", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def wait_http(url: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


class Process:
    """A `pytake` subprocess whose output goes to a log file for the test report."""

    def __init__(
        self, args: list[str], *, env: dict[str, str], log: Path, own_group: bool = False
    ) -> None:
        """`own_group`: the process leads a process group, so `kill_group` reaches its children."""
        self.log = log
        self._log_file = log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "pytake", *args],
            env={**os.environ, **env},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )

    def kill_group(self) -> None:
        """SIGKILL to the process and every child it started, as when its machine dies."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait()
        self._log_file.close()
        return code


@contextmanager
def running(
    args: list[str], *, env: dict[str, str], log: Path, ready_url: str
) -> Iterator[Process]:
    process = Process(args, env=env, log=log)
    try:
        wait_http(ready_url)
        yield process
    finally:
        process.stop()
