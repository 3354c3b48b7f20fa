"""sign-in throttle: failure counters per account and address, failed sign-in log

Revision ID: 0007_signin
Revises: 0004
Create Date: 2026-12-06 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_signin"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "key", name="uq_signin_counters_kind_key"),
    )
    op.create_index("ix_signin_counters_locked_until", "signin_counters", ["locked_until"])
    op.create_index("ix_signin_counters_last_failed_at", "signin_counters", ["last_failed_at"])
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signin_failures_at", "signin_failures", ["at"])
    op.create_index("ix_signin_failures_center_at", "signin_failures", ["center_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_signin_failures_center_at", table_name="signin_failures")
    op.drop_index("ix_signin_failures_at", table_name="signin_failures")
    op.drop_table("signin_failures")
    op.drop_index("ix_signin_counters_last_failed_at", table_name="signin_counters")
    op.drop_index("ix_signin_counters_locked_until", table_name="signin_counters")
    op.drop_table("signin_counters")
