"""bookings (lịch hẹn): booked slots, the ticket a check-in issues, a field's daily cap

Revision ID: 0012_bookings
Revises: 0011_citizen_id
Create Date: 2026-12-07 04:30:00

A new table and nullable columns only: existing rows stay valid. A booking keeps no name and no
ID number (``citizen_key`` / ``phone_key`` are keyed hashes); its plain phone / e-mail exist for
the reminder and are purged after its day.
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_bookings"
down_revision = "0011_citizen_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("center_id", sa.Integer(), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("slot_end", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("external_ref", sa.String(80), nullable=False, server_default=""),
        sa.Column("citizen_key", sa.String(64), nullable=True),
        sa.Column("phone_key", sa.String(64), nullable=True),
        sa.Column("contact_phone", sa.String(20), nullable=False, server_default=""),
        sa.Column("contact_email", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("moved_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reminder_sent_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        # The ticket a check-in issued; tickets.booking_id points back (both nullable, no cycle at insert).
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", name="fk_bookings_ticket_id"), nullable=True),
    )
    op.create_index("ix_bookings_slot", "bookings", ["center_id", "service_id", "slot_start", "state"])
    op.create_index("ix_bookings_citizen_key", "bookings", ["citizen_key"])
    op.create_index("ix_bookings_phone_key", "bookings", ["phone_key"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a referencing column in place; a batch "create_foreign_key" would copy the whole
        # tickets table (and every test database would pay for it).
        op.execute("ALTER TABLE tickets ADD COLUMN booking_id INTEGER REFERENCES bookings (id)")
        op.add_column("tickets", sa.Column("ahead_from", sa.DateTime(), nullable=True))
    else:
        op.add_column("tickets", sa.Column("booking_id", sa.Integer(), nullable=True))
        op.add_column("tickets", sa.Column("ahead_from", sa.DateTime(), nullable=True))
        op.create_foreign_key("fk_tickets_booking_id", "tickets", "bookings", ["booking_id"], ["id"])
    op.create_index("ix_tickets_ahead_from", "tickets", ["ahead_from"])
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("daily_cap", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("daily_cap")
    op.drop_index("ix_tickets_ahead_from", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        if op.get_bind().dialect.name != "sqlite":  # SQLite's constraint is the column's own: it goes with it
            batch.drop_constraint("fk_tickets_booking_id", type_="foreignkey")
        batch.drop_column("ahead_from")
        batch.drop_column("booking_id")
    op.drop_index("ix_bookings_phone_key", table_name="bookings")
    op.drop_index("ix_bookings_citizen_key", table_name="bookings")
    op.drop_index("ix_bookings_slot", table_name="bookings")
    op.drop_table("bookings")
