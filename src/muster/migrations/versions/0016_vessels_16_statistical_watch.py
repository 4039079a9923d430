"""16 vessels: the watch tests residuals statistically instead of fixed element limits

Revision ID: 0016_vessels
Revises: 0015_derived_transfers
Create Date: 2026-12-02 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_vessels"
down_revision: str | Sequence[str] | None = "0015_derived_transfers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIMITS = ("max_delta_a_km", "max_delta_e", "max_plane_deg", "max_position_km")
OBSERVATION_FLOATS = ("velocity_error_km_s", "chi_square", "test_statistic", "test_threshold")


def upgrade() -> None:
    with op.batch_alter_table("vessels") as batch:
        batch.add_column(
            sa.Column("false_alarm_probability", sa.Float(), nullable=False, server_default="1e-6")
        )
        batch.add_column(sa.Column("test_window", sa.Integer(), nullable=False, server_default="3"))
        batch.add_column(sa.Column("estimate", sa.JSON(), nullable=True))
        for name in LIMITS:
            batch.drop_column(name)
    with op.batch_alter_table("vessels") as batch:
        batch.alter_column("false_alarm_probability", server_default=None)
        batch.alter_column("test_window", server_default=None)
    with op.batch_alter_table("vessel_observations") as batch:
        batch.add_column(sa.Column("baseline_id", sa.String(length=36), nullable=True))
        for name in OBSERVATION_FLOATS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch.add_column(sa.Column("test_observations", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vessel_observations") as batch:
        for name in ("baseline_id", "test_observations", *OBSERVATION_FLOATS):
            batch.drop_column(name)
    with op.batch_alter_table("vessels") as batch:
        for name, default in zip(LIMITS, ("2.0", "4e-4", "0.02", "3.0"), strict=True):
            batch.add_column(sa.Column(name, sa.Float(), nullable=False, server_default=default))
        for name in ("estimate", "test_window", "false_alarm_probability"):
            batch.drop_column(name)
