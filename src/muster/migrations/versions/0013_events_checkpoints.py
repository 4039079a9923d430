"""13 signed checkpoints of the event log

Revision ID: 0013_checkpoints
Revises: 0012_medical
Create Date: 2026-12-02 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.db

revision: str = "0013_checkpoints"
down_revision: str | Sequence[str] | None = "0012_medical"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("size", _ID, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    op.create_index(op.f("ix_checkpoints_size"), "checkpoints", ["size"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_checkpoints_size"), table_name="checkpoints")
    op.drop_table("checkpoints")
