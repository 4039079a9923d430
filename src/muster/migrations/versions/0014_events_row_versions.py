"""14 row versions: the after-state of each write to an audited table, hash-chained

Revision ID: 0014_row_versions
Revises: 0013_checkpoints
Create Date: 2026-12-02 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_row_versions"
down_revision: str | Sequence[str] | None = "0013_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "row_versions",
        sa.Column("n", _SEQ, autoincrement=False, nullable=False),
        sa.Column("seq", _SEQ, nullable=True),
        sa.Column("table_name", sa.String(length=80), nullable=False),
        sa.Column("row_key", sa.String(length=400), nullable=False),
        sa.Column("image", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_row_versions")),
        sa.UniqueConstraint("hash", name=op.f("uq_row_versions_hash")),
    )
    with op.batch_alter_table("checkpoints") as batch:
        batch.add_column(sa.Column("rows_size", _SEQ, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("rows_head", sa.String(length=64), nullable=False, server_default="")
        )
    op.create_index(
        "ix_row_versions_table_key", "row_versions", ["table_name", "row_key"], unique=False
    )


def downgrade() -> None:
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("rows_head")
        batch.drop_column("rows_size")
    op.drop_index("ix_row_versions_table_key", table_name="row_versions")
    op.drop_table("row_versions")
