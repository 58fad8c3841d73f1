"""operation encompass: incidents, children, notifications, school terms and closures

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:36:22.978475
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school_closures",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_school_closures_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("agency_id", "closed_on", name=op.f("pk_school_closures")),
    )
    op.create_table(
        "school_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_school_terms_period")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_school_terms_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_terms")),
    )
    with op.batch_alter_table("school_terms", schema=None) as batch_op:
        batch_op.create_index("ix_school_terms_agency", ["agency_id", "starts_on"], unique=False)

    op.create_table(
        "encompass_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("police_agency_id", sa.Integer(), nullable=False),
        sa.Column("police_reference", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_telephone", sa.String(length=32), nullable=False),
        sa.Column("contact_email", sa.String(length=200), nullable=True),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["agencies.id"], name=op.f("fk_encompass_incidents_council_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["police_agency_id"],
            ["agencies.id"],
            name=op.f("fk_encompass_incidents_police_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_encompass_incidents_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encompass_incidents")),
        sa.UniqueConstraint(
            "police_agency_id",
            "police_reference",
            name=op.f("uq_encompass_incidents_police_agency_id_police_reference"),
        ),
    )
    op.create_table(
        "encompass_children",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column(
            "match_method",
            sa.Enum(
                "nhs_number",
                "demographics",
                "manual",
                "none",
                name="match_method",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("match_confidence", sa.Float(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("voice_of_child", sa.Text(), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "match_confidence >= 0 AND match_confidence <= 1",
            name=op.f("ck_encompass_children_confidence"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_encompass_children_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["encompass_incidents.id"],
            name=op.f("fk_encompass_children_incident_id_encompass_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encompass_children")),
        sa.UniqueConstraint(
            "incident_id", "position", name=op.f("uq_encompass_children_incident_id_position")
        ),
    )
    with op.batch_alter_table("encompass_children", schema=None) as batch_op:
        batch_op.create_index("ix_encompass_children_child", ["child_id"], unique=False)
        batch_op.create_index("ix_encompass_children_incident", ["incident_id"], unique=False)

    op.create_table(
        "encompass_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_child_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "route",
            sa.Enum(
                "school",
                "social_care",
                "mash_queue",
                name="encompass_route",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "on_roll",
                "no_school",
                "unmatched",
                "uncertain",
                "nhs_number_unknown",
                name="encompass_route_reason",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_late", sa.Boolean(), nullable=False),
        sa.Column("first_viewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("routed_to_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_encompass_notifications_acknowledged_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_encompass_notifications_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_child_id"],
            ["encompass_children.id"],
            name=op.f("fk_encompass_notifications_incident_child_id_encompass_children"),
        ),
        sa.ForeignKeyConstraint(
            ["routed_to_id"],
            ["encompass_notifications.id"],
            name=op.f("fk_encompass_notifications_routed_to_id_encompass_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encompass_notifications")),
    )
    with op.batch_alter_table("encompass_notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_encompass_notifications_agency", ["agency_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_encompass_notifications_child", ["incident_child_id"], unique=False
        )
        batch_op.create_index(
            "ix_encompass_notifications_open", ["acknowledged_at", "deadline"], unique=False
        )

    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index("ix_children_date_of_birth", ["date_of_birth"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index("ix_children_date_of_birth")

    with op.batch_alter_table("encompass_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_encompass_notifications_open")
        batch_op.drop_index("ix_encompass_notifications_child")
        batch_op.drop_index("ix_encompass_notifications_agency")

    op.drop_table("encompass_notifications")
    with op.batch_alter_table("encompass_children", schema=None) as batch_op:
        batch_op.drop_index("ix_encompass_children_incident")
        batch_op.drop_index("ix_encompass_children_child")

    op.drop_table("encompass_children")
    op.drop_table("encompass_incidents")
    with op.batch_alter_table("school_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_school_terms_agency")

    op.drop_table("school_terms")
    op.drop_table("school_closures")
