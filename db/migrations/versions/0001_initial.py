"""initial schema: agencies, users, children, households, relationships, records

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:54:59.419345
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
        sa.UniqueConstraint("uprn", name=op.f("uq_addresses_uprn")),
    )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addresses_postcode"), ["postcode"], unique=False)

    op.create_table(
        "adults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adults")),
    )
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "council",
                "police",
                "health",
                "school",
                "district",
                name="agency_kind",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("la_number", sa.String(length=3), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("school_day_start", sa.Time(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["agencies.id"], name=op.f("fk_agencies_parent_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("kind", "code", name=op.f("uq_agencies_kind_code")),
        sa.UniqueConstraint("la_number", name=op.f("uq_agencies_la_number")),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencies_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_id", sa.String(length=10), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "indeterminate",
                "not_known",
                name="sex",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["children.id"], name=op.f("fk_children_merged_into_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
        sa.UniqueConstraint("hub_id", name=op.f("uq_children_hub_id")),
        sa.UniqueConstraint("nhs_number", name=op.f("uq_children_nhs_number")),
    )
    op.create_table(
        "agency_successions",
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "predecessor_id <> successor_id", name=op.f("ck_agency_successions_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["agencies.id"],
            name=op.f("fk_agency_successions_predecessor_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["agencies.id"],
            name=op.f("fk_agency_successions_successor_id_agencies"),
        ),
        sa.PrimaryKeyConstraint(
            "predecessor_id", "successor_id", name=op.f("pk_agency_successions")
        ),
    )
    with op.batch_alter_table("agency_successions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_successions_successor_id"), ["successor_id"], unique=False
        )

    op.create_table(
        "child_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "scheme IN ('upn', 'agency_ref')", name=op.f("ck_child_identifiers_scheme")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_child_identifiers_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_identifiers_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_identifiers")),
        sa.UniqueConstraint(
            "scheme", "agency_id", "value", name=op.f("uq_child_identifiers_scheme_agency_id_value")
        ),
    )
    with op.batch_alter_table("child_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_identifiers_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("address_shielded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"], ["addresses.id"], name=op.f("fk_households_address_id_addresses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_address_id"), ["address_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_users_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_users_issuer_subject")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "child_relationships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "enrolment",
                "allocation",
                "registration",
                "incident",
                "enquiry",
                "housing_case",
                name="relationship_kind",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_child_relationships_period")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_child_relationships_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_relationships_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_child_relationships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_relationships")),
    )
    with op.batch_alter_table("child_relationships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_child_relationships_agency_kind", ["agency_id", "kind"], unique=False
        )
        batch_op.create_index(
            "ix_child_relationships_child_agency", ["child_id", "agency_id"], unique=False
        )

    op.create_table(
        "household_adults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("adult_id", sa.Integer(), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_household_adults_period")
        ),
        sa.ForeignKeyConstraint(
            ["adult_id"], ["adults.id"], name=op.f("fk_household_adults_adult_id_adults")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_adults_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_adults")),
    )
    with op.batch_alter_table("household_adults", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_adults_adult_id"), ["adult_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_household_adults_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "household_children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_household_children_period")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_household_children_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_children_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_children")),
    )
    with op.batch_alter_table("household_children", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_children_child", ["child_id", "valid_from"], unique=False
        )
        batch_op.create_index("ix_household_children_household", ["household_id"], unique=False)

    op.create_table(
        "records",
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
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_records_period")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_records_version")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_records_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_records_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_records_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_records_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_records_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index("ix_records_child_category", ["child_id", "category"], unique=False)

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "mash_practitioner",
                "mash_manager",
                "social_worker",
                "early_help_worker",
                "education_safeguarding_officer",
                "police_public_protection",
                "encompass_coordinator",
                "police_officer",
                "gp",
                "unscheduled_care_clinician",
                "safeguarding_nurse",
                "designated_safeguarding_lead",
                "district_housing_officer",
                "district_asb_officer",
                "dpo",
                "caldicott_guardian",
                "partnership_admin",
                "inspector",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=64,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "record_versions",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
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
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_versions_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_record_versions_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("record_id", "version", name=op.f("pk_record_versions")),
    )


def downgrade() -> None:
    op.drop_table("record_versions")
    op.drop_table("user_roles")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_child_category")
        batch_op.drop_index(batch_op.f("ix_records_agency_id"))

    op.drop_table("records")
    with op.batch_alter_table("household_children", schema=None) as batch_op:
        batch_op.drop_index("ix_household_children_household")
        batch_op.drop_index("ix_household_children_child")

    op.drop_table("household_children")
    with op.batch_alter_table("household_adults", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_adults_household_id"))
        batch_op.drop_index(batch_op.f("ix_household_adults_adult_id"))

    op.drop_table("household_adults")
    with op.batch_alter_table("child_relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_child_relationships_child_agency")
        batch_op.drop_index("ix_child_relationships_agency_kind")

    op.drop_table("child_relationships")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_agency_id"))

    op.drop_table("users")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_address_id"))

    op.drop_table("households")
    with op.batch_alter_table("child_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_identifiers_child_id"))

    op.drop_table("child_identifiers")
    with op.batch_alter_table("agency_successions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_successions_successor_id"))

    op.drop_table("agency_successions")
    op.drop_table("children")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencies_parent_id"))

    op.drop_table("agencies")
    op.drop_table("adults")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addresses_postcode"))

    op.drop_table("addresses")
