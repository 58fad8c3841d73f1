"""consent, decisions not to share, break-glass, notifications, policy versions, record restrictions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:40:45.774874
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cp_is.view",
                "break_glass.owner",
                "break_glass.dpo",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_notifications_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_notifications_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_agency", ["agency_id", "created_at"], unique=False)

    op.create_table(
        "break_glass",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "safeguarding.mash",
                "safeguarding.s47",
                "safeguarding.encompass",
                "early_help",
                "direct_care",
                "education.welfare",
                "audit.dpo",
                "inspection",
                "statistics",
                name="purpose",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("review_outcome", sa.String(length=32), nullable=True),
        sa.CheckConstraint("expires_at > started_at", name=op.f("ck_break_glass_period")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_break_glass_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_break_glass_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_break_glass_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass")),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index("ix_break_glass_review", ["reviewed_at"], unique=False)
        batch_op.create_index(
            "ix_break_glass_user_child", ["user_id", "child_id", "expires_at"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column(
            "given_by",
            sa.Enum(
                "parent_with_parental_responsibility",
                "competent_child",
                name="consent_giver",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("given_by_adult_id", sa.Integer(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("agency_ids", sa.JSON(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expires_on IS NULL OR expires_on >= starts_on", name=op.f("ck_consents_period")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_consents_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["given_by_adult_id"], ["adults.id"], name=op.f("fk_consents_given_by_adult_id_adults")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_consents_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_child", ["child_id"], unique=False)

    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_policy_versions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
    )
    op.create_table(
        "sharing_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "identity",
                "council.child_in_need",
                "council.child_protection_plan",
                "council.looked_after",
                "council.care_leaver",
                "council.early_help",
                "council.allocated_worker",
                "police.domestic_abuse_incident",
                "police.missing_episode",
                "police.exploitation_intelligence",
                "health.gp_registration",
                "health.unscheduled_care_attendance",
                "health.exploitation_risk_flag",
                "health.mental_health",
                "education.enrolment",
                "education.attendance",
                "education.exclusion",
                "education.ehcp",
                "education.not_in_school",
                "district.housing",
                "district.anti_social_behaviour",
                "mash.enquiry",
                "mash.response",
                "mash.decision",
                "encompass.notification",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "more_detrimental_to_child",
                "no_lawful_basis",
                "would_prejudice_investigation",
                "consent_refused",
                name="not_sharing_reason",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_sharing_decisions_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_sharing_decisions_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_sharing_decisions_decided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_decisions")),
    )
    with op.batch_alter_table("sharing_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sharing_decisions_child_agency", ["child_id", "agency_id"], unique=False
        )

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "restriction",
                sa.Enum(
                    "none",
                    "sealed",
                    "covert",
                    name="restriction",
                    native_enum=False,
                    create_constraint=True,
                    length=64,
                ),
                nullable=False,
                server_default="none",
            )
        )
        batch_op.add_column(sa.Column("disclose_from", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        # The enum's CHECK constraint names the column: drop it with the column (SQLite
        # rebuilds the table from its reflected constraints).
        batch_op.drop_constraint(op.f("ck_records_restriction"), type_="check")
        batch_op.drop_column("disclose_from")
        batch_op.drop_column("restriction")

    with op.batch_alter_table("sharing_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_sharing_decisions_child_agency")

    op.drop_table("sharing_decisions")
    op.drop_table("policy_versions")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_child")

    op.drop_table("consents")
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index("ix_break_glass_user_child")
        batch_op.drop_index("ix_break_glass_review")

    op.drop_table("break_glass")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_agency")

    op.drop_table("notifications")
