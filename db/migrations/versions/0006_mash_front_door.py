"""mash front door: enquiries, children, requests, decisions; relationships ending at an instant

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:21:33.251400
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mash_enquiries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "police",
                "health",
                "school",
                "district",
                "council",
                "public",
                "other",
                name="contact_source",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("source_agency_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "rag",
            sa.Enum(
                "red",
                "amber",
                "green",
                name="rag",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "closed_at IS NULL OR access_ends_at >= closed_at",
            name=op.f("ck_mash_enquiries_closing"),
        ),
        sa.ForeignKeyConstraint(
            ["council_id"], ["agencies.id"], name=op.f("fk_mash_enquiries_council_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["users.id"], name=op.f("fk_mash_enquiries_opened_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_agency_id"],
            ["agencies.id"],
            name=op.f("fk_mash_enquiries_source_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mash_enquiries")),
    )
    with op.batch_alter_table("mash_enquiries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mash_enquiries_council_open", ["council_id", "closed_at"], unique=False
        )
        batch_op.create_index(
            "ix_mash_enquiries_received", ["council_id", "received_at"], unique=False
        )

    op.create_table(
        "mash_decisions",
        sa.Column("enquiry_id", sa.Uuid(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "no_further_action",
                "early_help",
                "s17_assessment",
                "strategy_discussion",
                name="mash_outcome",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_mash_decisions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["enquiry_id"],
            ["mash_enquiries.id"],
            name=op.f("fk_mash_decisions_enquiry_id_mash_enquiries"),
        ),
        sa.PrimaryKeyConstraint("enquiry_id", name=op.f("pk_mash_decisions")),
    )
    op.create_table(
        "mash_enquiry_children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enquiry_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("previous_enquiry_id", sa.Uuid(), nullable=True),
        sa.Column(
            "consent_status",
            sa.Enum(
                "sought",
                "given",
                "refused",
                "not_sought",
                name="consent_status",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=True,
        ),
        sa.Column("consent_reason", sa.Text(), nullable=True),
        sa.Column("consent_recorded_by", sa.Integer(), nullable=True),
        sa.Column("consent_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "consent_status <> 'not_sought' OR consent_reason IS NOT NULL",
            name=op.f("ck_mash_enquiry_children_consent_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_mash_enquiry_children_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["consent_recorded_by"],
            ["users.id"],
            name=op.f("fk_mash_enquiry_children_consent_recorded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["enquiry_id"],
            ["mash_enquiries.id"],
            name=op.f("fk_mash_enquiry_children_enquiry_id_mash_enquiries"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_enquiry_id"],
            ["mash_enquiries.id"],
            name=op.f("fk_mash_enquiry_children_previous_enquiry_id_mash_enquiries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mash_enquiry_children")),
        sa.UniqueConstraint(
            "enquiry_id", "child_id", name=op.f("uq_mash_enquiry_children_enquiry_id_child_id")
        ),
    )
    with op.batch_alter_table("mash_enquiry_children", schema=None) as batch_op:
        batch_op.create_index("ix_mash_enquiry_children_child", ["child_id"], unique=False)

    op.create_table(
        "mash_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enquiry_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "response",
            sa.Enum(
                "records_shared",
                "nothing_known",
                "decision_not_to_share",
                name="response_kind",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=True,
        ),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column(
            "lawful_basis",
            sa.Enum(
                "statute.children_act_1989.s17",
                "statute.children_act_1989.s47",
                "statute.children_act_2004.s11",
                "statute.dpa_2018.sch1_para18",
                "statute.cws_act_2026.s4",
                "statute.victims_and_prisoners_act_2024",
                "gdpr.art6_1_e.public_task",
                "consent",
                name="lawful_basis",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=True,
        ),
        sa.Column(
            "not_sharing_reason",
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
            nullable=True,
        ),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "response <> 'decision_not_to_share' "
            "OR (not_sharing_reason IS NOT NULL AND justification IS NOT NULL)",
            name=op.f("ck_mash_requests_not_shared"),
        ),
        sa.CheckConstraint(
            "response <> 'records_shared' OR (lawful_basis IS NOT NULL AND summary IS NOT NULL)",
            name=op.f("ck_mash_requests_records_shared"),
        ),
        sa.CheckConstraint(
            "response IS NULL OR (responded_at IS NOT NULL AND responded_by IS NOT NULL)",
            name=op.f("ck_mash_requests_answered"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_mash_requests_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["enquiry_id"],
            ["mash_enquiries.id"],
            name=op.f("fk_mash_requests_enquiry_id_mash_enquiries"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_mash_requests_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by"], ["users.id"], name=op.f("fk_mash_requests_responded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mash_requests")),
        sa.UniqueConstraint(
            "enquiry_id", "agency_id", name=op.f("uq_mash_requests_enquiry_id_agency_id")
        ),
    )
    with op.batch_alter_table("mash_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mash_requests_agency", ["agency_id", "responded_at"], unique=False
        )
        batch_op.create_index(
            "ix_mash_requests_waiting",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("response IS NULL AND escalated_at IS NULL"),
            sqlite_where=sa.text("response IS NULL AND escalated_at IS NULL"),
        )

    with op.batch_alter_table("child_relationships", schema=None) as batch_op:
        # with kind, so the relationship check never walks all of an agency's relationships
        # (SQLite chose (agency_id, kind) for its ORDER BY; a council's enquiries made it slow)
        batch_op.drop_index("ix_child_relationships_child_agency")
        batch_op.create_index(
            "ix_child_relationships_child_agency", ["child_id", "agency_id", "kind"], unique=False
        )
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_child_relationships_kind_reference", ["kind", "reference"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("child_relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_child_relationships_kind_reference")
        batch_op.drop_column("ends_at")
        batch_op.drop_index("ix_child_relationships_child_agency")
        batch_op.create_index(
            "ix_child_relationships_child_agency", ["child_id", "agency_id"], unique=False
        )

    with op.batch_alter_table("mash_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_mash_requests_waiting")
        batch_op.drop_index("ix_mash_requests_agency")

    op.drop_table("mash_requests")
    with op.batch_alter_table("mash_enquiry_children", schema=None) as batch_op:
        batch_op.drop_index("ix_mash_enquiry_children_child")

    op.drop_table("mash_enquiry_children")
    op.drop_table("mash_decisions")
    with op.batch_alter_table("mash_enquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_mash_enquiries_received")
        batch_op.drop_index("ix_mash_enquiries_council_open")

    op.drop_table("mash_enquiries")
