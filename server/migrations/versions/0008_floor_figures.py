"""floor and figures: parked tickets, paused counters, per-counter call policy, service ranges,
aging and wait targets, the counter log, supervisors' floor messages, and dossiers' return channel

Revision ID: 0008_floor_figures
Revises: 0003, 0005_pairing, 0006_floor, 0007_signin
Create Date: 2026-12-06 22:45:00

Every new column has a server default or is nullable, so a center's existing rows keep working:
counters keep calling the longest wait first, services keep their numbering, dossiers are
returned at the counter.
"""
from alembic import op
import sqlalchemy as sa


revision = "0008_floor_figures"
down_revision = ("0003", "0005_pairing", "0006_floor", "0007_signin")  # merges every earlier branch
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("parked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("number_end", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("aging_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("wait_target_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("counters") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pause_reason", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("call_policy", sa.String(20), nullable=False, server_default="longest_wait"))
        batch.add_column(sa.Column("call_state", sa.JSON(), nullable=True))
    with op.batch_alter_table("counter_services") as batch:
        batch.add_column(sa.Column("weight", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("return_channel", sa.String(12), nullable=False, server_default="counter"))
        batch.add_column(sa.Column("delivery_address", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("posted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(), nullable=True))
    op.create_table(
        "counter_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("center_id", sa.Integer(), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("counter_id", sa.Integer(), sa.ForeignKey("counters.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_counter_events_center_at", "counter_events", ["center_id", "at"])
    op.create_index("ix_counter_events_counter_id", "counter_events", ["counter_id"])
    op.create_table(
        "floor_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("center_id", sa.Integer(), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("text_vi", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
    )
    op.create_index("ix_floor_messages_center_id", "floor_messages", ["center_id"])
    # Dossiers that came by post go back by post (what reports assumed until the return channel was kept).
    dossiers = sa.table("dossiers", sa.column("channel", sa.String()), sa.column("return_channel", sa.String()))
    op.execute(dossiers.update().where(dossiers.c.channel == "post").values(return_channel="post"))


def downgrade() -> None:
    op.drop_table("floor_messages")
    op.drop_table("counter_events")
    with op.batch_alter_table("dossiers") as batch:
        for name in ("delivered_at", "posted_at", "delivery_address", "return_channel"):
            batch.drop_column(name)
    with op.batch_alter_table("counter_services") as batch:
        batch.drop_column("weight")
    with op.batch_alter_table("counters") as batch:
        for name in ("call_state", "call_policy", "pause_reason", "paused_at"):
            batch.drop_column(name)
    with op.batch_alter_table("services") as batch:
        for name in ("wait_target_minutes", "aging_minutes", "number_end"):
            batch.drop_column(name)
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("parked_at")
