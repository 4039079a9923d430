"""17 posts: post reports, force used, help requests, status checks of quiet posts

Revision ID: 0017_posts
Revises: 0016_vessels
Create Date: 2026-12-03 09:40:22.627356
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muster.db

revision: str = "0017_posts"
down_revision: str | Sequence[str] | None = "0016_vessels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_help_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["comms_messages.id"],
            name=op.f("fk_post_help_requests_message_id_comms_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_help_requests_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_help_requests")),
    )
    op.create_index(
        op.f("ix_post_help_requests_post_id"), "post_help_requests", ["post_id"], unique=False
    )
    op.create_table(
        "post_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("portal_id", sa.String(length=36), nullable=True),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "quiet",
                "crowd_gathering",
                "standoff",
                "force_used",
                "casualties",
                "under_control",
                "post_abandoned",
                name="poststatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("visitors_seen", sa.Integer(), nullable=False),
        sa.Column("residents_seen", sa.Integer(), nullable=False),
        sa.Column("armed_seen", sa.Integer(), nullable=False),
        sa.Column("station_dead", sa.Integer(), nullable=False),
        sa.Column("station_wounded", sa.Integer(), nullable=False),
        sa.Column("visitors_dead", sa.Integer(), nullable=False),
        sa.Column("visitors_wounded", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("reporter_person_id", sa.String(length=36), nullable=True),
        sa.Column("reported_at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_post_reports_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_post_reports_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_reports_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_reports")),
    )
    op.create_index(
        op.f("ix_post_reports_incident_id"), "post_reports", ["incident_id"], unique=False
    )
    op.create_index(
        "ix_post_reports_post_at", "post_reports", ["post_id", "reported_at"], unique=False
    )
    op.create_table(
        "post_status_checks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("asked_at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", muster.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_post_status_checks_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["comms_messages.id"],
            name=op.f("fk_post_status_checks_message_id_comms_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_status_checks_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_status_checks")),
    )
    op.create_index(
        op.f("ix_post_status_checks_post_id"), "post_status_checks", ["post_id"], unique=False
    )
    op.create_table(
        "post_force_uses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("used_by_person_id", sa.String(length=36), nullable=False),
        sa.Column("against_person_ids", sa.JSON(), nullable=False),
        sa.Column("against_count", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("custody_id", sa.String(length=36), nullable=True),
        sa.Column("means", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("used_at", muster.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_force_uses_post_id_posts")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["post_reports.id"],
            name=op.f("fk_post_force_uses_report_id_post_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["logistics_units.id"],
            name=op.f("fk_post_force_uses_unit_id_logistics_units"),
        ),
        sa.ForeignKeyConstraint(
            ["used_by_person_id"],
            ["persons.id"],
            name=op.f("fk_post_force_uses_used_by_person_id_persons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_force_uses")),
    )
    op.create_index(
        op.f("ix_post_force_uses_incident_id"), "post_force_uses", ["incident_id"], unique=False
    )
    op.create_index(
        op.f("ix_post_force_uses_post_id"), "post_force_uses", ["post_id"], unique=False
    )
    op.create_index(
        op.f("ix_post_force_uses_report_id"), "post_force_uses", ["report_id"], unique=False
    )
    op.create_index(
        op.f("ix_post_force_uses_unit_id"), "post_force_uses", ["unit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_post_force_uses_unit_id"), table_name="post_force_uses")
    op.drop_index(op.f("ix_post_force_uses_report_id"), table_name="post_force_uses")
    op.drop_index(op.f("ix_post_force_uses_post_id"), table_name="post_force_uses")
    op.drop_index(op.f("ix_post_force_uses_incident_id"), table_name="post_force_uses")
    op.drop_table("post_force_uses")
    op.drop_index(op.f("ix_post_status_checks_post_id"), table_name="post_status_checks")
    op.drop_table("post_status_checks")
    op.drop_index("ix_post_reports_post_at", table_name="post_reports")
    op.drop_index(op.f("ix_post_reports_incident_id"), table_name="post_reports")
    op.drop_table("post_reports")
    op.drop_index(op.f("ix_post_help_requests_post_id"), table_name="post_help_requests")
    op.drop_table("post_help_requests")
