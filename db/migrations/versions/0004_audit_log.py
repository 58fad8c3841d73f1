"""audit log: append-only, hash-chained, partitioned by month on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:30:00

On PostgreSQL this also creates the application's role, ``hub_app`` (NOLOGIN: production
logins are made members of it, and the server runs ``SET ROLE hub_app``), with every
privilege the hub needs on its tables except UPDATE, DELETE and TRUNCATE on the audit log.
The role is cluster-wide and other databases may use it, so downgrade leaves it in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
APPEND_ONLY = ("audit_events", "audit_accesses", "audit_checkpoints")
PARTITIONED = ("audit_events", "audit_accesses")

_PG_APPEND_ONLY = r"""
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % rejected', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$
"""

_PG_PARTITIONS = r"""
-- Monthly partitions of the audit tables, in schema audit, from the month of `start` for
-- `months` months. Owned by the migrating role and SECURITY DEFINER, so the application's
-- role can keep partitions ahead of time without holding DDL privileges itself.
CREATE FUNCTION audit.ensure_partitions(start date, months integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  first date := date_trunc('month', start)::date;
  lower date;
  parent text;
  part text;
  created integer := 0;
BEGIN
  FOR i IN 0 .. months - 1 LOOP
    lower := (first + make_interval(months => i))::date;
    FOREACH parent IN ARRAY ARRAY['audit_events', 'audit_accesses'] LOOP
      part := format('%s_y%sm%s', parent, to_char(lower, 'YYYY'), to_char(lower, 'MM'));
      CONTINUE WHEN to_regclass('audit.' || part) IS NOT NULL;
      BEGIN
        EXECUTE format(
          'CREATE TABLE audit.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
          part, parent, lower::timestamptz,
          (lower + interval '1 month')::date::timestamptz);
      EXCEPTION WHEN check_violation THEN
        -- rows for this month already sit in the default partition: leave them there
        CONTINUE;
      END;
      EXECUTE format('REVOKE ALL ON audit.%I FROM PUBLIC, hub_app', part);
      EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON audit.%I '
                     'FOR EACH STATEMENT EXECUTE FUNCTION public.audit_append_only()',
                     part || '_no_truncate', part);
      created := created + 1;
    END LOOP;
  END LOOP;
  RETURN created;
END $$
"""


def _create_role() -> None:
    op.execute(
        """
        DO $$ BEGIN
          CREATE ROLE hub_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$;
        """
    )


def _grant() -> None:
    op.execute("GRANT USAGE ON SCHEMA public TO hub_app")
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hub_app")
    op.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO hub_app")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hub_app"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO hub_app"
    )
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM hub_app")
    op.execute("REVOKE DELETE, TRUNCATE ON audit_head FROM hub_app")
    op.execute("GRANT USAGE ON SCHEMA audit TO hub_app")
    op.execute("REVOKE ALL ON FUNCTION audit.ensure_partitions(date, integer) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION audit.ensure_partitions(date, integer) TO hub_app")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE SCHEMA audit")
        _create_role()
    partitioned = {"postgresql_partition_by": "RANGE (occurred_at)"}
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "audit_events",
        sa.Column("seq", big, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("operation", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("no_relationship", sa.Boolean(), nullable=False),
        sa.Column("break_glass", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_audit_events_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("seq", "occurred_at", name=op.f("pk_audit_events")),
        **partitioned,
    )
    op.create_index("ix_audit_events_user", "audit_events", ["user_id", "occurred_at"])
    op.create_index("ix_audit_events_agency", "audit_events", ["agency_id", "occurred_at"])
    op.create_index(
        "ix_audit_events_refused",
        "audit_events",
        ["agency_id", "occurred_at"],
        postgresql_where=sa.text("refused"),
        sqlite_where=sa.text("refused"),
    )
    op.create_index(
        "ix_audit_events_no_relationship",
        "audit_events",
        ["agency_id", "occurred_at"],
        postgresql_where=sa.text("no_relationship"),
        sqlite_where=sa.text("no_relationship"),
    )
    op.create_table(
        "audit_accesses",
        sa.Column("seq", big, nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(length=64), nullable=False),
        sa.Column("disclosed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_audit_accesses_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_audit_accesses_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_accesses_user_id_users")
        ),
        sa.PrimaryKeyConstraint("seq", "child_id", "occurred_at", name=op.f("pk_audit_accesses")),
        **partitioned,
    )
    op.create_index("ix_audit_accesses_child", "audit_accesses", ["child_id", "occurred_at"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')")  # noqa: S608 (a constant)
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoints")),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))

    if postgres:
        op.execute(_PG_APPEND_ONLY)
        op.execute(_PG_PARTITIONS)
        for table in PARTITIONED:
            op.execute(f"CREATE TABLE audit.{table}_default PARTITION OF {table} DEFAULT")
            # statement triggers are not cloned to partitions: guard each one itself
            op.execute(
                f"CREATE TRIGGER {table}_default_no_truncate BEFORE TRUNCATE ON "
                f"audit.{table}_default FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
            )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
            )
        op.execute(
            "CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
        _grant()
        for table in PARTITIONED:
            op.execute(f"REVOKE ALL ON audit.{table}_default FROM PUBLIC, hub_app")
        op.execute("SELECT audit.ensure_partitions((now() - interval '1 month')::date, 15)")
    else:
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {verb} on "
                    f"{table} rejected'); END"
                )
        op.execute(
            "CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head "
            "BEGIN SELECT RAISE(ABORT, 'the audit chain head is kept'); END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_column("review_note")
    if postgres:
        op.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM hub_app"
        )
        op.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES "
            "FROM hub_app"
        )
        op.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM hub_app")
        op.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM hub_app")
        op.execute("REVOKE ALL ON SCHEMA public FROM hub_app")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_head")
    op.drop_table("audit_accesses")
    op.drop_table("audit_events")
    if postgres:
        op.execute("DROP SCHEMA audit CASCADE")
        op.execute("DROP FUNCTION audit_append_only()")
