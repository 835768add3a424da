"""The SecretBox and where its keys come from: PYTAKE_SECRET_KEY (several keys for rotation),
SQLite's key file beside the database (0600, announced once), PostgreSQL's required setting."""

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr, ValidationError

from pytake.core.secrets import (
    MAKE_A_KEY,
    WRONG_KEY,
    MissingSecretKeyError,
    SecretBox,
    SecretsError,
    WrongSecretKeyError,
    generate_key,
    is_encrypted,
    key_file_path,
    optional_secret_box,
    parse_secret_keys,
    secret_box,
)
from pytake.core.settings import Settings

pytestmark = pytest.mark.unit

TOKEN = "EAAGm0PX4ZCpsBAFakeMetaAccessToken0123456789"
NEW, OLD = generate_key(), generate_key()
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def box(*keys: str) -> SecretBox:
    return SecretBox(parse_secret_keys(",".join(keys)))


def test_a_token_comes_back_from_its_encryption_which_does_not_show_it() -> None:
    sealed = box(NEW).encrypt(TOKEN)

    assert TOKEN not in sealed
    assert is_encrypted(sealed)
    assert not is_encrypted(TOKEN)
    assert box(NEW).decrypt(sealed) == TOKEN


@pytest.mark.parametrize("value", ["", "sim-token", "gAAAAA", "gAAAAAB" + "A" * 100 + "?"])
def test_values_that_are_no_fernet_token_are_not_taken_for_encrypted(value: str) -> None:
    assert not is_encrypted(value)


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old_token = box(OLD).encrypt(TOKEN)
    both = box(NEW, OLD)

    assert both.decrypt(old_token) == TOKEN
    assert box(NEW).decrypt(both.encrypt(TOKEN)) == TOKEN


def test_rotation_encrypts_again_under_the_first_key() -> None:
    rotated = box(NEW, OLD).rotate(box(OLD).encrypt(TOKEN))

    assert box(NEW).decrypt(rotated) == TOKEN
    assert not box(OLD).can_decrypt(rotated)


@pytest.mark.parametrize("stored", ["sealed by another key", "in clear"])
def test_a_wrong_key_says_so_in_one_line_without_the_token_or_ciphertext(stored: str) -> None:
    value = box(OLD).encrypt(TOKEN) if stored == "sealed by another key" else TOKEN

    with pytest.raises(WrongSecretKeyError) as raised:
        box(NEW).decrypt(value)
    with pytest.raises(WrongSecretKeyError):
        box(NEW).rotate(value)

    message = str(raised.value)
    assert message == WRONG_KEY
    assert message.startswith("PYTAKE_SECRET_KEY cannot decrypt the stored access tokens")
    assert "\n" not in message
    assert TOKEN not in message
    assert value not in message


def test_keys_are_read_comma_separated_in_order() -> None:
    assert parse_secret_keys(f" {NEW} ,{OLD},") == [NEW.encode(), OLD.encode()]


@pytest.mark.parametrize(
    ("text", "position"),
    [("not-a-key", "entry 1 of 1"), (f"{NEW},{NEW[:-4]}", "entry 2 of 2"), (",", None)],
)
def test_a_setting_that_is_not_fernet_keys_is_refused_naming_it_never_echoing_it(
    monkeypatch: pytest.MonkeyPatch, text: str, position: str | None
) -> None:
    monkeypatch.setenv("PYTAKE_SECRET_KEY", text)

    with pytest.raises(ValidationError) as raised:
        Settings()

    (error,) = raised.value.errors()
    assert error["loc"] == ("secret_key",)
    assert (position or "at least one Fernet key") in error["msg"]
    assert "input_value" not in str(raised.value)
    assert all(entry not in str(raised.value) for entry in text.split(",") if entry)


def test_an_empty_setting_is_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTAKE_SECRET_KEY", " ")

    assert Settings().secret_key is None


def test_the_setting_is_used_when_set_and_no_key_file_is_made(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'pytake.db'}",
        secret_key=SecretStr(f"{NEW},{OLD}"),
    )

    assert box(NEW).decrypt(secret_box(settings).encrypt(TOKEN)) == TOKEN
    assert list(tmp_path.iterdir()) == []


def sqlite_settings(directory: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{directory / 'pytake.db'}", secret_key=None)


def test_sqlite_without_the_setting_makes_a_private_key_file_once_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = sqlite_settings(tmp_path)

    sealed = secret_box(settings).encrypt(TOKEN)
    first_start = [record.getMessage() for record in caplog.records]
    caplog.clear()
    again = secret_box(settings)

    key_file = tmp_path / "pytake.db.key"
    assert key_file_path(settings.database_url) == key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert again.decrypt(sealed) == TOKEN
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pytake.db.key"]
    (message,) = first_start
    assert str(key_file) in message
    assert "back it up with the database" in message
    key = key_file.read_text().strip()
    Fernet(key)
    assert key not in message
    assert caplog.records == []


def test_a_key_file_that_holds_no_key_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "pytake.db.key").write_text("garbage\n")

    with pytest.raises(SecretsError) as raised:
        secret_box(sqlite_settings(tmp_path))

    assert str(raised.value).startswith(f"the key file {tmp_path / 'pytake.db.key'} does not")
    assert "garbage" not in str(raised.value)


def test_a_key_file_that_cannot_be_made_is_one_line_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(SecretsError) as raised:
        secret_box(sqlite_settings(tmp_path / "absent"))

    assert str(raised.value) == (
        f"cannot create the key file {tmp_path / 'absent' / 'pytake.db.key'}: "
        "No such file or directory"
    )


def test_postgresql_needs_the_setting_and_says_how_to_make_a_key() -> None:
    settings = Settings(database_url=POSTGRES_URL, secret_key=None)

    with pytest.raises(MissingSecretKeyError) as raised:
        secret_box(settings)

    assert optional_secret_box(settings) is None
    assert "PYTAKE_SECRET_KEY" in str(raised.value)
    assert MAKE_A_KEY in str(raised.value)
    assert "\n" not in str(raised.value)
