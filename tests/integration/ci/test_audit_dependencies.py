"""`.ci/audit-dependencies` (run by `make lint`) against a stand-in pip-audit: known
vulnerabilities fail, an advisory database out of reach is a one-line note that passes."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support import REPO_ROOT

pytestmark = pytest.mark.integration

SCRIPT = REPO_ROOT / ".ci" / "audit-dependencies"
NOT_FOUND = "Dependency not found on PyPI and could not be audited: x (1.0)"
CONNECTION_REFUSED = """Traceback (most recent call last):
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): Max
retries exceeded with url: /pypi/aiohttp/3.14.5/json (Caused by NewConnectionError())
"""


def audit(
    tmp_path: Path, *, report: dict[str, Any] | None, stderr: str = "", status: int = 0
) -> subprocess.CompletedProcess[str]:
    """Runs the script with a pip-audit that writes `report`, prints `stderr`, exits `status`."""
    stub = tmp_path / "pip-audit"
    report_text = "" if report is None else json.dumps(report)
    stub.write_text(
        "#!/usr/bin/env bash\n"
        'while [ "$#" -gt 0 ]; do\n'
        '  if [ "$1" = --output ]; then out=$2; fi; shift\n'
        "done\n"
        f'printf %s {_quoted(report_text)} > "$out"\n'
        f"printf %s {_quoted(stderr)} >&2\n"
        f"exit {status}\n"
    )
    stub.chmod(0o755)
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "PIP_AUDIT": str(stub), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_fails_naming_each_vulnerability_when_some_are_known(tmp_path: Path) -> None:
    vuln = {"id": "GHSA-aaaa-bbbb-cccc", "fix_versions": ["3.14.6"], "aliases": []}
    report = {
        "dependencies": [
            {"name": "aiohttp", "version": "3.14.5", "vulns": [vuln]},
            {"name": "six", "version": "1.17.0", "vulns": []},
        ]
    }
    result = audit(tmp_path, report=report, status=1)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "pip-audit: 1 known vulnerabilities in constraints.txt",
        "  aiohttp 3.14.5: GHSA-aaaa-bbbb-cccc (fixed in: 3.14.6)",
    ]


def test_passes_with_a_summary_when_no_vulnerability_is_known(tmp_path: Path) -> None:
    report = {"dependencies": [{"name": "six", "version": "1.17.0", "vulns": []}]}
    result = audit(tmp_path, report=report)
    assert (result.returncode, result.stdout) == (
        0,
        "pip-audit: no known vulnerabilities in 1 packages\n",
    )


def test_passes_with_a_one_line_note_when_the_database_cannot_be_reached(
    tmp_path: Path,
) -> None:
    result = audit(tmp_path, report=None, stderr=CONNECTION_REFUSED, status=1)
    assert result.returncode == 0
    [note] = result.stdout.splitlines()
    assert note.startswith("pip-audit: skipped, the advisory database is out of reach")
    assert "ConnectionError" in note


def test_passes_with_a_one_line_note_when_no_package_could_be_looked_up(
    tmp_path: Path,
) -> None:
    report = {"dependencies": [{"name": "x", "skip_reason": NOT_FOUND}] * 3}
    result = audit(tmp_path, report=report)
    assert (result.returncode, result.stdout.splitlines()) == (
        0,
        [
            "pip-audit: skipped, the advisory database is out of reach "
            "(none of 3 packages could be looked up)"
        ],
    )


def test_fails_showing_pip_audits_error_when_it_fails_for_another_reason(
    tmp_path: Path,
) -> None:
    result = audit(tmp_path, report=None, stderr="Invalid requirement: 'six=='", status=1)
    assert result.returncode == 1
    assert "Invalid requirement" in result.stderr
    assert result.stdout == ""
