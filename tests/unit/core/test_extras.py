"""`require_extra` names the extra and its pip command when one of its modules is missing."""

import re
import sys
import tomllib
import types

import pytest

from pytake.core.extras import EXTRA_MODULES, Extra, MissingExtraError, require_extra
from support import REPO_ROOT

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("extra", ["postgres", "celery"])
def test_an_installed_extra_passes(extra: Extra) -> None:
    require_extra(extra, "anything")


def test_an_extra_missing_one_module_raises_naming_the_extra_and_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(EXTRA_MODULES, "celery", ("celery", "pytake_no_such_module"))

    with pytest.raises(MissingExtraError) as raised:
        require_extra("celery", "PYTAKE_REDIS_URL")

    assert str(raised.value) == (
        "PYTAKE_REDIS_URL needs the celery extra: pip install 'pytake[celery]'"
    )
    assert raised.value.extra == "celery"


def test_an_imported_module_without_a_spec_counts_as_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Celery's and kombu's lazy modules replace themselves in sys.modules with __spec__ None.
    lazy = types.ModuleType("pytake_lazy_module")
    lazy.__spec__ = None
    monkeypatch.setitem(sys.modules, "pytake_lazy_module", lazy)
    monkeypatch.setitem(EXTRA_MODULES, "celery", ("pytake_lazy_module",))

    require_extra("celery", "pytake worker")


def test_the_modules_checked_are_the_packages_pyproject_puts_in_each_extra() -> None:
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for extra, modules in EXTRA_MODULES.items():
        packages = {re.split(r"[\[<>=;]", requirement)[0] for requirement in extras[extra]}
        assert packages == set(modules), extra
