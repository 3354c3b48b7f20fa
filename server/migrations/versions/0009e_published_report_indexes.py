"""indexes for the periodic report (báo cáo định kỳ): a year of a province in well under a second

Revision ID: 0009e_published_indexes
Revises: 0008_floor_figures
Create Date: 2026-12-06 23:00:00

The published report counts dossiers received and returned per center × procedure × field over
a period, and per month for its charts; dossiers refused or stopped from their log; ratings per
field. Each index below covers one of those queries (every column it reads is in the index), so
the database reads the index alone, in the order the GROUP BY wants, instead of fetching 110,000
rows one by one (bench/bench_reports.py --published).
"""
from alembic import op


revision = "0009e_published_indexes"
down_revision = "0008_floor_figures"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_dossiers_pub_received", "dossiers", ["center_id", "procedure_id", "service_id", "received_at", "channel"]),
    ("ix_dossiers_pub_returned", "dossiers",
     ["center_id", "procedure_id", "service_id", "returned_at", "return_channel", "result_class"]),
    ("ix_dossiers_pub_received_month", "dossiers", ["center_id", "received_at", "channel"]),
    ("ix_dossiers_pub_returned_month", "dossiers", ["center_id", "returned_at", "return_channel", "result_class"]),
    ("ix_dossier_events_center_state_at", "dossier_events", ["center_id", "to_state", "at"]),
    ("ix_ratings_center_service_at", "ratings", ["center_id", "service_id", "created_at", "level"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
