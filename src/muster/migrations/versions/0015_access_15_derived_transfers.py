"""15 transfers derived from consent cases: no stored transfer authorizations

Revision ID: 0015_derived_transfers
Revises: 0014_row_versions
Create Date: 2026-12-02 18:40:00.000000

A transfer to a vessel is computed from its consent case at each airlock decision, so the
table of granted transfers and the case's link to its grant go. Rows kept in the event log
(``access.transfer.granted``) stay there as history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.db

revision: str = "0015_derived_transfers"
down_revision: str | Sequence[str] | None = "0014_row_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_transfer_auth_person_until", table_name="transfer_authorizations")
    op.drop_table("transfer_authorizations")
    with op.batch_alter_table("consent_cases") as batch:
        batch.drop_column("transfer_id")


def downgrade() -> None:
    with op.batch_alter_table("consent_cases") as batch:
        batch.add_column(sa.Column("transfer_id", sa.String(length=36), nullable=True))
    op.create_table(
        "transfer_authorizations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("vessel_party_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("valid_from", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", muster.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_transfer_authorizations_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["vessel_party_id"],
            ["parties.id"],
            name=op.f("fk_transfer_authorizations_vessel_party_id_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_authorizations")),
    )
    op.create_index(
        "ix_transfer_auth_person_until",
        "transfer_authorizations",
        ["person_id", "valid_until"],
        unique=False,
    )
