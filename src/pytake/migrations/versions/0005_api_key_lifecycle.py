"""api key lifecycle: names, last use, sessions tied to their key

Revision ID: 0005_api_key_lifecycle
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pytake.core.db

revision: str = "0005_api_key_lifecycle"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("last_used_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True)
        )

    # Sessions opened before this revision do not know their key, so they could outlive its
    # revocation: they end here and their browsers sign in again.
    op.execute("DELETE FROM web_session")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_id", sa.Uuid(), nullable=False))
        batch_op.create_index(batch_op.f("ix_web_session_api_key_id"), ["api_key_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_web_session_api_key_id_api_key"),
            "api_key",
            ["api_key_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_web_session_api_key_id_api_key"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_web_session_api_key_id"))
        batch_op.drop_column("api_key_id")

    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("name")
