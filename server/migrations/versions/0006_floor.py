"""floor: a returned ticket's place at the head of its queue; when a counter's clerk was last seen

Revision ID: 0006_floor
Revises: 0004
Create Date: 2026-12-06 09:30:00

A counter counts as open only while a clerk holds it (or a supervisor opened it on purpose).
Databases seeded before this change had every demo counter open with nobody at it: those
counters close here, and held counters start their presence clock now.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = "0006_floor"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("at_head", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("counters") as batch:
        batch.add_column(sa.Column("clerk_seen_at", sa.DateTime(), nullable=True))
    counters = sa.table("counters", sa.column("is_open", sa.Boolean()), sa.column("clerk_id", sa.Integer()),
                        sa.column("clerk_seen_at", sa.DateTime()))
    op.execute(counters.update().where(counters.c.clerk_id.is_(None)).values(is_open=False))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.execute(counters.update().where(counters.c.clerk_id.is_not(None)).values(clerk_seen_at=now))


def downgrade() -> None:
    with op.batch_alter_table("counters") as batch:
        batch.drop_column("clerk_seen_at")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("at_head")
