"""20 medical: triage from findings (START, JumpSTART), merged casualties, date of birth

Revision ID: 0020_medical
Revises: 0019_consent_required
Create Date: 2026-12-03 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_medical"
down_revision: str | Sequence[str] | None = "0019_consent_required"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIAGE = ("immediate", "delayed", "minor", "expectant", "deceased")


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
    with op.batch_alter_table("casualties") as batch:
        batch.add_column(sa.Column("age_years", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_casualties_merged_into_id_casualties"),
            "casualties",
            ["merged_into_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_casualties_merged_into_id"), ["merged_into_id"])
    with op.batch_alter_table("triage_assessments") as batch:
        batch.add_column(sa.Column("findings", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("algorithm", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column(
                "computed",
                sa.Enum(*TRIAGE, name="triage", native_enum=False, length=20),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("rule", sa.String(length=60), nullable=False, server_default=""))
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("triage_assessments") as batch:
        for name in ("algorithm", "rule", "explanation", "override_reason"):
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("triage_assessments") as batch:
        for name in ("override_reason", "explanation", "rule", "computed", "algorithm", "findings"):
            batch.drop_column(name)
    with op.batch_alter_table("casualties") as batch:
        batch.drop_index(op.f("ix_casualties_merged_into_id"))
        batch.drop_constraint(op.f("fk_casualties_merged_into_id_casualties"), type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.drop_column("age_years")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("date_of_birth")
