"""voice packs: a center's own recorded human voice (named packs of short clips, kept in the database)

Revision ID: 0010_voice_packs
Revises: 0009e_published_indexes
Create Date: 2026-12-07 01:30:00

Two new tables only; nothing existing changes. A center without ``voice_pack_id`` in its
announcement settings keeps the synthesizer's voice.
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_voice_packs"
down_revision = "0009e_published_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_packs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "voice_clips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pack_id", sa.Integer(), sa.ForeignKey("voice_packs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("wav", sa.LargeBinary(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("pack_id", "lang", "key", name="uq_voice_clips_pack_lang_key"),
    )
    op.create_index("ix_voice_clips_pack_id", "voice_clips", ["pack_id"])


def downgrade() -> None:
    op.drop_index("ix_voice_clips_pack_id", table_name="voice_clips")
    op.drop_table("voice_clips")
    op.drop_table("voice_packs")
