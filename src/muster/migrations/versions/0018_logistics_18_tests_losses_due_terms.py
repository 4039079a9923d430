"""18 logistics and agreements: a work order's required tests, units lost while out,
terms alerted past due

Revision ID: 0018_logistics
Revises: 0017_posts
Create Date: 2026-12-03 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.db

revision: str = "0018_logistics"
down_revision: str | Sequence[str] | None = "0017_posts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("logistics_workorders") as batch:
        batch.add_column(
            sa.Column("required_tests", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("logistics_workorders") as batch:
        batch.alter_column("required_tests", server_default=None)
    with op.batch_alter_table("logistics_custody") as batch:
        batch.add_column(sa.Column("lost_at", muster.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lost_actor", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lost_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("witness_person_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_logistics_custody_witness_person_id_persons",
            "persons",
            ["witness_person_id"],
            ["id"],
        )
    with op.batch_alter_table("logistics_custody") as batch:
        batch.alter_column("lost_reason", server_default=None)
    with op.batch_alter_table("agreement_terms") as batch:
        batch.add_column(
            sa.Column("overdue_alerted_at", muster.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("agreement_terms") as batch:
        batch.drop_column("overdue_alerted_at")
    with op.batch_alter_table("logistics_custody") as batch:
        batch.drop_constraint("fk_logistics_custody_witness_person_id_persons", type_="foreignkey")
        for name in ("witness_person_id", "lost_reason", "lost_actor", "lost_at"):
            batch.drop_column(name)
    with op.batch_alter_table("logistics_workorders") as batch:
        batch.drop_column("required_tests")
