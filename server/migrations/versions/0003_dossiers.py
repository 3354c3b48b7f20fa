"""dossiers: procedures, dossiers, dossier events, notice outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("name_en", sa.String(length=400), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("processing_days", sa.Float(), nullable=False),
        sa.Column("fee", sa.String(length=300), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "code"),
    )
    op.create_index("ix_procedures_center_id", "procedures", ["center_id"])

    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_phone", sa.String(length=40), nullable=False),
        sa.Column("applicant_email", sa.String(length=200), nullable=False),
        sa.Column("applicant_address", sa.String(length=300), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("appointment_at", sa.DateTime(), nullable=True),
        sa.Column("extended_to", sa.DateTime(), nullable=True),
        sa.Column("apology", sa.JSON(), nullable=True),
        sa.Column("result_ready_at", sa.DateTime(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("result_class", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("received_by_name", sa.String(length=200), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("prereg_code", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"]),
        sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"]),
        sa.ForeignKeyConstraint(["received_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("prereg_code"),
    )
    op.create_index("ix_dossiers_center_state", "dossiers", ["center_id", "state"])
    op.create_index("ix_dossiers_center_received", "dossiers", ["center_id", "received_at"])
    op.create_index("ix_dossiers_ticket_id", "dossiers", ["ticket_id"])

    op.create_table(
        "dossier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dossier_events_dossier_id", "dossier_events", ["dossier_id"])
    op.create_index("ix_dossier_events_center_at", "dossier_events", ["center_id", "at"])

    op.create_table(
        "notice_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("gateway", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"]),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notice_outbox_center_id", "notice_outbox", ["center_id"])
    op.create_index("ix_notice_outbox_dossier_id", "notice_outbox", ["dossier_id"])
    op.create_index("ix_notice_outbox_status", "notice_outbox", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_notice_outbox_status", table_name="notice_outbox")
    op.drop_index("ix_notice_outbox_dossier_id", table_name="notice_outbox")
    op.drop_index("ix_notice_outbox_center_id", table_name="notice_outbox")
    op.drop_table("notice_outbox")
    op.drop_index("ix_dossier_events_center_at", table_name="dossier_events")
    op.drop_index("ix_dossier_events_dossier_id", table_name="dossier_events")
    op.drop_table("dossier_events")
    op.drop_index("ix_dossiers_ticket_id", table_name="dossiers")
    op.drop_index("ix_dossiers_center_received", table_name="dossiers")
    op.drop_index("ix_dossiers_center_state", table_name="dossiers")
    op.drop_table("dossiers")
    op.drop_index("ix_procedures_center_id", table_name="procedures")
    op.drop_table("procedures")
