"""a counter's current ticket is found by an index, not by reading every ticket ever issued

Revision ID: 0015_tickets_at_counter
Revises: 0014_waiting_covering
Create Date: 2026-12-07 19:30:00

Every counter action (call-next, recall, start, finish, no-show, park, transfer, close) first looks
up the ticket called to or served at the counter. No index began with the ticket's counter, so
SQLite scanned the whole tickets table: the history a center keeps grows by thousands a month, and
with 100,000 past tickets a call-next and its finish took 52 ms of CPU instead of 7, holding the
one write lock meanwhile. ``ix_tickets_at_counter`` (counter, state, called time) answers it from
the few tickets at that counter in the called or serving state.
"""
from alembic import op


revision = "0015_tickets_at_counter"
down_revision = "0014_waiting_covering"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_at_counter", "tickets", ["counter_id", "state", "called_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_at_counter", table_name="tickets")
