"""device pairing: short codes a new device shows and an admin types

Revision ID: 0005_pairing
Revises: 0004
Create Date: 2026-12-06 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_pairing"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("wanted", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_device_pairings_code", "device_pairings", ["code"])
    op.create_index("ix_device_pairings_client", "device_pairings", ["client", "expires_at"])
    op.create_table(
        "device_pairing_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_pairing_attempts_actor_at", "device_pairing_attempts", ["actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_device_pairing_attempts_actor_at", table_name="device_pairing_attempts")
    op.drop_table("device_pairing_attempts")
    op.drop_index("ix_device_pairings_client", table_name="device_pairings")
    op.drop_index("ix_device_pairings_code", table_name="device_pairings")
    op.drop_table("device_pairings")
