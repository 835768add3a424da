"""Secrets at rest: the Fernet keys (PYTAKE_SECRET_KEY, or SQLite's key file beside the
database) and the box that encrypts and decrypts stored access tokens with them.

No message here ever holds a key, a token or a ciphertext.
"""

import base64
import binascii
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from pytake.core.settings import Settings

logger = logging.getLogger(__name__)

MAKE_A_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
WRONG_KEY = (
    "PYTAKE_SECRET_KEY cannot decrypt the stored access tokens: "
    "wrong key, or the key file of another database?"
)
KEY_FILE_SUFFIX = ".key"
# The alembic `config.attributes` entry where migrations find the SecretBox (or None).
MIGRATION_ATTRIBUTE = "secret_box"
# A Fernet token: version byte 0x80, 8-byte timestamp, 16-byte IV, AES blocks, 32-byte HMAC.
_TOKEN_OVERHEAD = 1 + 8 + 16 + 32
_AES_BLOCK = 16


class SecretsError(Exception):
    """Keys that cannot work: the process stops with this one-line message (exit 2)."""


class WrongSecretKeyError(SecretsError):
    def __init__(self) -> None:
        super().__init__(WRONG_KEY)


class MissingSecretKeyError(SecretsError):
    pass


def parse_secret_keys(text: str) -> list[bytes]:
    """The comma-separated Fernet keys of PYTAKE_SECRET_KEY, in order; ValueError names the
    entry (by position) that is not a key, never its value."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        raise ValueError("must hold at least one Fernet key")
    for position, entry in enumerate(entries, start=1):
        try:
            Fernet(entry)
        except (ValueError, binascii.Error):
            raise ValueError(
                f"entry {position} of {len(entries)} is not a Fernet key (32 url-safe "
                f"base64-encoded bytes; make one with: {MAKE_A_KEY})"
            ) from None
    return [entry.encode("ascii") for entry in entries]


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def is_encrypted(value: str) -> bool:
    """Whether `value` has the shape of a Fernet token (an access token in clear has not)."""
    try:
        raw = base64.b64decode(value.encode("ascii"), altchars=b"-_", validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return False
    length = len(raw)
    return (
        length > _TOKEN_OVERHEAD and raw[0] == 0x80 and (length - _TOKEN_OVERHEAD) % _AES_BLOCK == 0
    )


class SecretBox:
    """Encrypts with the first key; decrypts with any of them (key rotation)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a SecretBox needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """WrongSecretKeyError when no key decrypts `token` (or it is no Fernet token)."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise WrongSecretKeyError() from None

    def can_decrypt(self, token: str) -> bool:
        try:
            self.decrypt(token)
        except WrongSecretKeyError:
            return False
        return True

    def rotate(self, token: str) -> str:
        """`token` encrypted again under the first key; WrongSecretKeyError as decrypt."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise WrongSecretKeyError() from None


def key_file_path(database_url: str) -> Path:
    """Where a SQLite database's key file lives: beside it, `pytake.db` → `pytake.db.key`."""
    database = make_url(database_url).database
    assert database, "a SQLite URL names its file (the settings check it)"
    return Path(database + KEY_FILE_SUFFIX)


def secret_box(settings: "Settings") -> SecretBox:
    """The deployment's keys: PYTAKE_SECRET_KEY when set; else, on SQLite, the key file
    beside the database (made, 0600, on first use); PostgreSQL needs the setting."""
    box = optional_secret_box(settings)
    if box is None:
        raise MissingSecretKeyError(
            "PostgreSQL needs PYTAKE_SECRET_KEY to encrypt the stored access tokens "
            f"(make one with: {MAKE_A_KEY})"
        )
    return box


def optional_secret_box(settings: "Settings") -> SecretBox | None:
    """As secret_box, but None on PostgreSQL without PYTAKE_SECRET_KEY."""
    if settings.secret_key is not None:
        return SecretBox(parse_secret_keys(settings.secret_key.get_secret_value()))
    if settings.is_sqlite:
        return SecretBox([_key_file_key(key_file_path(settings.database_url))])
    return None


def _key_file_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return _create_key_file(path)
    except (OSError, UnicodeError) as exc:
        raise SecretsError(f"cannot read the key file {path}: {_reason(exc)}") from None
    try:
        (key,) = parse_secret_keys(text)
    except ValueError:
        raise SecretsError(
            f"the key file {path} does not hold one Fernet key (restore it from the backup "
            "of this database, or set PYTAKE_SECRET_KEY)"
        ) from None
    return key


def _create_key_file(path: Path) -> bytes:
    """A new key, written whole to a private file then linked into place: a process starting
    at the same moment either sees no file or the whole key, and one of them wins."""
    key = Fernet.generate_key()
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(key + b"\n")
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)
        finally:
            os.unlink(temporary)
    except FileExistsError:
        return _key_file_key(path)
    except OSError as exc:
        raise SecretsError(f"cannot create the key file {path}: {_reason(exc)}") from None
    logger.warning(
        "PYTAKE_SECRET_KEY is unset: the access tokens are encrypted with the new key file %s "
        "(mode 0600); back it up with the database, which cannot be read without it",
        path,
    )
    return key


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
