"""22 door: a door controller's token is bound to its portals

Revision ID: 0022_door
Revises: 0021_posts
Create Date: 2026-12-03 14:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_door"
down_revision: str | Sequence[str] | None = "0021_posts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("door_portal_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("door_portal_ids")
