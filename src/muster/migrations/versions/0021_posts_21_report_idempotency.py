"""21 posts: a report carries its Idempotency-Key, so a handset's retry records nothing new

Revision ID: 0021_posts
Revises: 0020_medical
Create Date: 2026-12-03 10:40:19.001718
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_posts"
down_revision: str | Sequence[str] | None = "0020_medical"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("post_reports") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("request_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch.create_unique_constraint("uq_post_reports_key", ["post_id", "idempotency_key"])
    with op.batch_alter_table("post_reports") as batch:
        batch.alter_column("request_hash", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("post_reports") as batch:
        batch.drop_constraint("uq_post_reports_key", type_="unique")
        batch.drop_column("request_hash")
        batch.drop_column("idempotency_key")
