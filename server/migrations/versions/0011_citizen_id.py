"""citizen ID card: the keyed hash a citizen is matched by, the ID number the receipt prints, the purge mark

Revision ID: 0011_citizen_id
Revises: 0010_voice_packs
Create Date: 2026-12-07 02:30:00

Columns only, all nullable or defaulted: existing rows stay valid. ``citizen_key`` is an
HMAC-SHA256 of the 12-digit number under the instance's secret (never the number itself).
"""
from alembic import op
import sqlalchemy as sa


revision = "0011_citizen_id"
down_revision = "0010_voice_packs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("citizen_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("applicant_id_number", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("personal_purged_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("citizen_key", sa.String(64), nullable=True))
    op.create_index("ix_dossiers_citizen_key", "dossiers", ["citizen_key"])
    op.create_index("ix_tickets_citizen_key", "tickets", ["citizen_key"])


def downgrade() -> None:
    op.drop_index("ix_tickets_citizen_key", table_name="tickets")
    op.drop_index("ix_dossiers_citizen_key", table_name="dossiers")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("citizen_key")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("personal_purged_at")
        batch.drop_column("applicant_id_number")
        batch.drop_column("citizen_key")
