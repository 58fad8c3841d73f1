"""statutory sharing without consent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:18:46.621910
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statutory_sharing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column(
            "basis",
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
            nullable=False,
        ),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_statutory_sharing_period")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_statutory_sharing_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_statutory_sharing_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_statutory_sharing_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statutory_sharing")),
    )
    with op.batch_alter_table("statutory_sharing", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statutory_sharing_child_agency", ["child_id", "agency_id"], unique=False
        )

    # A new kind of notification: widen the CHECK constraint the enum column carries.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_notification_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notifications_notification_kind"),
            "kind IN ('cp_is.view', 'break_glass.owner', 'break_glass.dpo', "
            "'statutory_sharing.owner')",
        )


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE kind = 'statutory_sharing.owner'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_notification_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notifications_notification_kind"),
            "kind IN ('cp_is.view', 'break_glass.owner', 'break_glass.dpo')",
        )
    with op.batch_alter_table("statutory_sharing", schema=None) as batch_op:
        batch_op.drop_index("ix_statutory_sharing_child_agency")

    op.drop_table("statutory_sharing")
