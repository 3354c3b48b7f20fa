"""an index for a field's recent service times (the wait estimate of every issued ticket)

Revision ID: 0013_service_history
Revises: 0012_bookings
Create Date: 2026-12-07 11:55:00

``mean_service_minutes`` reads a field's 20 latest finished tickets at every issue and phone page
look-up. Without an index SQLite scanned the whole tickets table and sorted it: 21 ms at 200,000
tickets (a year of a busy center), growing with every day kept. With it, 20 index entries.
"""
from alembic import op


revision = "0013_service_history"
down_revision = "0012_bookings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_service_history", "tickets", ["service_id", "state", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_service_history", table_name="tickets")
