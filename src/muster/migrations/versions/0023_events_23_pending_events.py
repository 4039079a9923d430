"""23 events: pending_events, where writers leave events for the sealer to sequence and chain

Revision ID: 0023_events
Revises: 0022_door
Create Date: 2026-12-03 14:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.db

revision: str = "0023_events"
down_revision: str | Sequence[str] | None = "0022_door"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_events")),
    )


def downgrade() -> None:
    op.drop_table("pending_events")
