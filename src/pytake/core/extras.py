"""The optional parts of PyTake: which extra installs which packages, and the check made first.

A plain `pip install pytake` serves on SQLite with the in-process engine. PostgreSQL needs the
`postgres` extra, Redis and Celery the `celery` extra; code that needs one calls
`require_extra` before importing the extra's packages, so a missing one is named in a sentence
instead of surfacing as a `ModuleNotFoundError`.
"""

import importlib.util
import sys
from typing import Final, Literal

from pytake.core.errors import PytakeError

Extra = Literal["postgres", "celery"]

# The modules each extra provides (pyproject.toml's [project.optional-dependencies]).
EXTRA_MODULES: Final[dict[Extra, tuple[str, ...]]] = {
    "postgres": ("asyncpg",),
    "celery": ("celery", "kombu", "redis"),
}


class MissingExtraError(PytakeError):
    """A configured feature whose extra is not installed; the message says how to install it."""

    status_code = 500

    def __init__(self, what: str, extra: Extra) -> None:
        super().__init__(f"{what} needs the {extra} extra: pip install 'pytake[{extra}]'")
        self.extra = extra


def require_extra(extra: Extra, what: str) -> None:
    """Raises MissingExtraError saying that `what` needs `extra`, unless every module of the
    extra is installed (looked up, not imported: the caller imports what it uses)."""
    if not all(_installed(module) for module in EXTRA_MODULES[extra]):
        raise MissingExtraError(what, extra)


def _installed(module: str) -> bool:
    # An imported module counts as is: find_spec raises on one whose __spec__ is None, as
    # kombu's and celery's are once their lazy module objects replace themselves.
    return module in sys.modules or importlib.util.find_spec(module) is not None
