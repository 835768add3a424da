"""encrypt access tokens: the column keeps a Fernet token instead of the token in clear

Revision ID: 0006_encrypt_access_tokens
Revises: 0005_api_key_lifecycle
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from pytake.core.secrets import (
    MIGRATION_ATTRIBUTE,
    MissingSecretKeyError,
    SecretBox,
    is_encrypted,
)

revision: str = "0006_encrypt_access_tokens"
down_revision: str | None = "0005_api_key_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_number = sa.table("whatsapp_number", sa.column("id", sa.Uuid()), sa.column("access_token"))


def _secret_box(rows: int, what: str) -> SecretBox:
    box: SecretBox | None = context.config.attributes.get(MIGRATION_ATTRIBUTE)
    if box is None:
        raise MissingSecretKeyError(
            f"{rows} stored access tokens must be {what}, and no key is given: "
            "set PYTAKE_SECRET_KEY (run through pytake migrate or pytake serve)"
        )
    return box


def _rewrite(rewritten: list[dict[str, object]]) -> None:
    if rewritten:
        op.get_bind().execute(
            sa.update(_number)
            .where(_number.c.id == sa.bindparam("b_id"))
            .values(access_token=sa.bindparam("b_token")),
            rewritten,
        )


def _tokens() -> list[tuple[object, str]]:
    rows = op.get_bind().execute(sa.select(_number.c.id, _number.c.access_token))
    return [(number_id, token) for number_id, token in rows]


def upgrade() -> None:
    clear = [(number_id, token) for number_id, token in _tokens() if not is_encrypted(token)]
    if clear:
        box = _secret_box(len(clear), "encrypted")
        _rewrite([{"b_id": number_id, "b_token": box.encrypt(token)} for number_id, token in clear])


def downgrade() -> None:
    sealed = [(number_id, token) for number_id, token in _tokens() if is_encrypted(token)]
    if sealed:
        box = _secret_box(len(sealed), "decrypted")
        _rewrite(
            [{"b_id": number_id, "b_token": box.decrypt(token)} for number_id, token in sealed]
        )
