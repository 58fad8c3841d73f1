"""Policy administration: the policy in force, and grants added and revoked by partnership
administrators, each change a new version recorded with who, when and why.

Who may call these is declared on the fields (``schema.permissions``, asking
``policies.admin``); no purpose of use is involved, as no child is touched.

A change, in the request's transaction: take the policy writers' lock (PostgreSQL; SQLite
has a single writer, and refuses a writer whose read snapshot went stale: VERSION_CONFLICT),
read the newest version, check ``expectedVersion``, apply the change, validate and write
the new version in full, and NOTIFY ``hub_policy`` (PostgreSQL delivers it on commit, to
every server process's ``policies.store.PolicyWatcher``). This process installs the new
table as soon as the server commits, from the session's ``after_commit`` event: not
before (a rolled-back change must never be in force) and without waiting for its own
notice. Nothing is installed when the operation fails, as the server then rolls back.
"""

import asyncio
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, bindparam, event, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db import PolicyVersion, User
from policies import store
from policies.admin import (
    Change,
    Policy,
    PolicyChangeError,
    apply_change,
    check_expected,
    check_note,
    parse_policy,
)
from policies.grants import Grant, GrantTable
from resolvers.context import RequestContext
from resolvers.errors import HubError
from resolvers.sql import fetch
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.roles import Role

#: The PostgreSQL advisory lock that serialises policy writers ("hubpolcy" in ASCII).
POLICY_LOCK_KEY: Final = 0x687562706F6C6379

#: SQLite's primary result code for a database locked by another writer.
SQLITE_BUSY: Final = 5

_NEWEST = (
    select(
        PolicyVersion.id,
        PolicyVersion.digest,
        PolicyVersion.lines,
        PolicyVersion.note,
        PolicyVersion.created_at,
        User.display_name,
    )
    .outerjoin(User, User.id == PolicyVersion.created_by)
    .order_by(PolicyVersion.id.desc())
    .limit(1)
)
_LOCK = select(func.pg_advisory_xact_lock(bindparam("key")))
_NOTIFY = select(func.pg_notify(bindparam("channel"), bindparam("payload")))
_INSERT = insert(PolicyVersion).returning(PolicyVersion.id)


@dataclass(frozen=True, slots=True)
class PolicyView:
    """A version of the policy: ``created_*`` and ``note`` are None for the default file."""

    version: str
    created_at: datetime | None
    created_by: str | None
    note: str | None
    grants: tuple[Grant, ...]


@functools.lru_cache(maxsize=4)
def _parsed(lines: str) -> Policy:
    """A stored version's policy, parsed once per process (versions never change)."""
    return parse_policy(lines)


@functools.lru_cache(maxsize=1)
def _default() -> Policy:
    return parse_policy(store.default_lines())


def _version(row: Row[Any] | None) -> tuple[Policy, PolicyView]:
    if row is None:
        policy = _default()
        return policy, PolicyView(policy.digest, None, None, None, policy.grants)
    policy = _parsed(row.lines)
    return policy, PolicyView(row.digest, row.created_at, row.display_name, row.note, policy.grants)


def _hub_error(error: PolicyChangeError) -> HubError:
    return HubError(error.code, error.message, field=error.field)


async def read_policy(ctx: RequestContext) -> PolicyView:
    """The policy in force: the newest version, or the default policy if none was written."""
    rows = await fetch(ctx, _NEWEST)
    try:
        return _version(rows[0] if rows else None)[1]
    except PolicyChangeError as exc:
        raise _hub_error(exc) from None


async def change_policy(
    ctx: RequestContext,
    *,
    change: Change,
    role: Role,
    agency_kind: AgencyKind,
    category: Category,
    action: Action,
    purpose: Purpose,
    note: str,
    expected_version: str | None,
) -> PolicyView:
    """Grant or revoke one grant, as a new version of the policy; the new version."""
    try:
        return await _change(
            ctx,
            change=change,
            grant=Grant(role, agency_kind, category, action, purpose),
            note=check_note(note),
            expected_version=expected_version,
        )
    except PolicyChangeError as exc:
        raise _hub_error(exc) from None


async def _change(
    ctx: RequestContext,
    *,
    change: Change,
    grant: Grant,
    note: str,
    expected_version: str | None,
) -> PolicyView:
    connection = await ctx.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        await fetch(ctx, _LOCK, key=POLICY_LOCK_KEY)  # until this transaction ends
    rows = await fetch(ctx, _NEWEST)
    base, _ = _version(rows[0] if rows else None)
    check_expected(expected_version, base.digest)
    new = apply_change(base, change, grant)
    # Compiled before writing: a version is only written if it can be put in force.
    table = await asyncio.to_thread(store.compile_policy, new.lines)
    try:
        (version_id,) = (
            await fetch(
                ctx,
                _INSERT,
                digest=new.digest,
                lines=new.lines,
                note=note,
                created_by=ctx.principal.user_id,
                created_at=ctx.now,
            )
        )[0]
    except OperationalError as exc:
        if not _sqlite_busy(exc):
            raise
        # SQLite: another writer committed since this transaction began reading, so what
        # it read may be stale; SQLite refuses the write rather than lose the other change.
        raise PolicyChangeError(
            "VERSION_CONFLICT",
            "expectedVersion: the policy changed while you were changing it; read it again",
            field="expectedVersion",
        ) from None
    if postgres:
        await fetch(ctx, _NOTIFY, channel=store.CHANNEL, payload=new.digest)
    _install_after_commit(ctx, table, version_id)
    return PolicyView(new.digest, ctx.now, ctx.principal.display_name, note, new.grants)


def _sqlite_busy(error: OperationalError) -> bool:
    """SQLITE_BUSY, or one of its extended codes (BUSY_SNAPSHOT: a stale read snapshot)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_BUSY


def _install_after_commit(ctx: RequestContext, table: GrantTable, version_id: int) -> None:
    """Install the new version when the operation commits; never once it was rolled back
    (the server then commits the operation's audit event on the same session)."""
    live = [True]

    def installed(_session: Session) -> None:
        if live[0]:
            live[0] = False
            store.install(table, version_id=version_id)

    def discarded(_session: Session, _previous: object) -> None:
        live[0] = False

    event.listen(ctx.session.sync_session, "after_commit", installed)
    event.listen(ctx.session.sync_session, "after_soft_rollback", discarded)
