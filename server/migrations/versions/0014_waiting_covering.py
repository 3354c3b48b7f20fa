"""the waiting line's index covers what its counts read (people ahead, waiting per field)

Revision ID: 0014_waiting_covering
Revises: 0013_service_history
Create Date: 2026-12-07 17:00:00

Every issue counts the people ahead of its ticket and every call and issue counts who waits per
field. With ``ix_tickets_queue`` (center, state, field, sort time) SQLite found the waiting tickets
of a field in the index but read each one's row for its day, put-back flag, priority and booked
start. ``ix_tickets_waiting`` holds those too, so both counts read the index alone: at a line of
2,500 people ahead took 0.49 → 0.24 ms and the counts per field 0.82 → 0.38 ms. It replaces
``ix_tickets_queue``, whose leading columns it keeps for every other look-up of the line.
"""
from alembic import op


revision = "0014_waiting_covering"
down_revision = "0013_service_history"
branch_labels = None
depends_on = None

COLUMNS = ["center_id", "state", "service_id", "day", "at_head", "sort_at", "priority", "ahead_from"]


def upgrade() -> None:
    op.create_index("ix_tickets_waiting", "tickets", COLUMNS)
    op.drop_index("ix_tickets_queue", table_name="tickets")


def downgrade() -> None:
    op.create_index("ix_tickets_queue", "tickets", ["center_id", "state", "service_id", "sort_at"])
    op.drop_index("ix_tickets_waiting", table_name="tickets")
