"""19 people: a resident's consent requirement follows the person

Revision ID: 0019_consent_required
Revises: 0018_logistics
Create Date: 2026-12-03 09:50:00.000000

``persons.consent_required`` is set when a person is registered as, or becomes, a
resident, and stays set through any later change of affiliation or party, so a registry
edit cannot turn a resident into someone who leaves with a visiting party without an
approved consent case (P2). Every person registered as a resident now starts with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_consent_required"
down_revision: str | Sequence[str] | None = "0018_logistics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(
            sa.Column("consent_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE persons SET consent_required = TRUE WHERE affiliation = 'resident'")
    with op.batch_alter_table("persons") as batch:
        batch.alter_column("consent_required", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("consent_required")
