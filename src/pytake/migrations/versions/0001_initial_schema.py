"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pytake.core.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("name", name=op.f("uq_organization_name")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_api_key_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_key_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "contact",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contact_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint(
            "organization_id", "phone", name=op.f("uq_contact_organization_id_phone")
        ),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_org_created", ["organization_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "whatsapp_number",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("display_phone_number", sa.String(length=32), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("throughput_mps", sa.Integer(), nullable=False),
        sa.Column("messaging_limit_24h", sa.Integer(), nullable=True),
        sa.Column("api_base_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_whatsapp_number_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_number")),
        sa.UniqueConstraint(
            "organization_id",
            "phone_number_id",
            name=op.f("uq_whatsapp_number_organization_id_phone_number_id"),
        ),
    )
    with op.batch_alter_table("whatsapp_number", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_whatsapp_number_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "campaign",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("whatsapp_number_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("contact_ids", sa.JSON(), nullable=False),
        sa.Column("contact_tags", sa.JSON(), nullable=False),
        sa.Column("retry_max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_base_delay", sa.Integer(), nullable=False),
        sa.Column("retry_max_delay", sa.Integer(), nullable=False),
        sa.Column("retry_jitter", sa.String(length=8), nullable=False),
        sa.Column("scheduled_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pause_reason", sa.String(length=16), nullable=True),
        sa.Column("pause_detail", sa.Text(), nullable=True),
        sa.Column("resume_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total_contacts", sa.Integer(), nullable=False),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_campaign_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["whatsapp_number_id"],
            ["whatsapp_number.id"],
            name=op.f("fk_campaign_whatsapp_number_id_whatsapp_number"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_org_created", ["organization_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaign_status"), ["status"], unique=False)

    op.create_table(
        "contact_tag",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_tag_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "tag", name=op.f("pk_contact_tag")),
    )
    with op.batch_alter_table("contact_tag", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_tag_org_tag", ["organization_id", "tag", "contact_id"], unique=False
        )

    op.create_table(
        "message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("contact_attributes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("retries_used", sa.Integer(), nullable=False),
        sa.Column("first_attempt_succeeded", sa.Boolean(), nullable=False),
        sa.Column("next_attempt_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_expires_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("wamid", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_code", sa.Integer(), nullable=True),
        sa.Column("last_error_class", sa.String(length=16), nullable=True),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", pytake.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_message_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint(
            "campaign_id", "contact_id", name=op.f("uq_message_campaign_id_contact_id")
        ),
        sa.UniqueConstraint("wamid", name=op.f("uq_message_wamid")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_due", ["campaign_id", "status", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_message_lease", ["status", "lease_expires_at"], unique=False)

    op.create_table(
        "attempt",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_number", sa.Integer(), nullable=False),
        sa.Column("created_at", pytake.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("wamid", sa.String(length=128), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_class", sa.String(length=16), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_attempt_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt")),
    )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempt_campaign_errors",
            ["campaign_id", "success", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_attempt_message", ["message_id", "attempt_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_message")
        batch_op.drop_index("ix_attempt_campaign_errors")

    op.drop_table("attempt")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_lease")
        batch_op.drop_index("ix_message_due")

    op.drop_table("message")
    with op.batch_alter_table("contact_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_tag_org_tag")

    op.drop_table("contact_tag")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_status"))
        batch_op.drop_index("ix_campaign_org_created")

    op.drop_table("campaign")
    with op.batch_alter_table("whatsapp_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whatsapp_number_organization_id"))

    op.drop_table("whatsapp_number")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_org_created")

    op.drop_table("contact")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_organization_id"))

    op.drop_table("api_key")
    op.drop_table("organization")
