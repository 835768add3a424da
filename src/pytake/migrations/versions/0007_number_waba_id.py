"""number waba id: the WhatsApp Business Account a number belongs to

Revision ID: 0007_number_waba_id
Revises: 0005_api_key_lifecycle
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_number_waba_id"
down_revision: str | None = "0006_encrypt_access_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("whatsapp_number", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waba_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("whatsapp_number", schema=None) as batch_op:
        batch_op.drop_column("waba_id")
