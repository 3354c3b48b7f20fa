"""the bookings upkeep finds its bookings by index, not by reading every booking ever made

Revision ID: 0016_bookings_upkeep
Revises: 0015_tickets_at_counter
Create Date: 2026-12-07 23:00:00

Once a minute the upkeep marks no-shows, sends the day-before reminders and blanks the contacts of
bookings whose day is over. The only bookings index began with the center and service, so each of
the three read every booking the deployment had ever taken, two of them under the write lock: with
50,000 past bookings the job took 14 ms of CPU a minute, stalling calls meanwhile, and growing with
the history. ``ix_bookings_state_slot`` (state, slot start) answers the no-shows and reminders from
the bookings still booked; ``ix_bookings_with_contact`` (slot start, only for bookings still holding
a phone or an e-mail) answers the purge from the few not purged yet.
"""
import sqlalchemy as sa
from alembic import op


revision = "0016_bookings_upkeep"
down_revision = "0015_tickets_at_counter"
branch_labels = None
depends_on = None

# Written out, not bound: SQLite uses a partial index only for a query that repeats its condition.
HOLDS_CONTACT = "(contact_phone != '' OR contact_email != '')"


def upgrade() -> None:
    op.create_index("ix_bookings_state_slot", "bookings", ["state", "slot_start"])
    op.create_index("ix_bookings_with_contact", "bookings", ["slot_start"],
                    sqlite_where=sa.text(HOLDS_CONTACT), postgresql_where=sa.text(HOLDS_CONTACT))


def downgrade() -> None:
    op.drop_index("ix_bookings_with_contact", table_name="bookings")
    op.drop_index("ix_bookings_state_slot", table_name="bookings")
