"""The sharing policy in force in this process, as a compiled ``GrantTable``, kept current.

A request takes the table once, at its start (``current``), so it is decided under one
policy version from beginning to end; the request path does nothing else here.

Policy is data (DESIGN §6.1): the policy in force is the newest row of ``policy_versions``,
or the default policy file while that table is empty. ``install`` swaps in a new table;
``refresh`` installs the newest version if it is not the one installed; ``PolicyWatcher``
runs in the server's lifespan and keeps every process current without a restart
(DESIGN §9: never process memory alone):

- PostgreSQL: a dedicated asyncpg connection LISTENs on ``hub_policy``; policy
  administration NOTIFYs in its own transaction, so the notice arrives on commit. On every
  notice, and on every (re)connection (notices sent while not listening are lost), the
  newest version is read and installed. Every ``check_interval`` the listening connection
  is pinged and the newest version re-read, in case a connection died silently.
- SQLite (one host, possibly several processes): the newest version's id is polled every
  ``poll_interval`` (0.5 s); a change is read and installed.

Tables are installed by the id of the version they were built from, never going back to an
older one, so a late reload cannot undo a newer change (the process that commits a change
installs it at once, without waiting for its own notice). A version that does not compile
is not installed: the old table stays in force and the failure is logged by type only.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import PolicyVersion
from policies.grants import GrantTable, load_enforcer, read_default_policy

logger = logging.getLogger("hub.policy")

#: The PostgreSQL channel policy administration notifies; the payload is the new digest.
CHANNEL: Final = "hub_policy"
#: Seconds between looks at the newest version on SQLite.
POLL_INTERVAL: Final = 0.5
#: Seconds between checks of the listening connection (and re-reads) on PostgreSQL.
CHECK_INTERVAL: Final = 30.0
#: Seconds to wait before reconnecting the listener, doubling up to the maximum.
RECONNECT_DELAY: Final = 0.5
MAX_RECONNECT_DELAY: Final = 10.0
#: Seconds a graceful close of the listening connection may take.
CLOSE_TIMEOUT: Final = 2.0
#: The version id of the default policy file (``policy_versions`` ids start at 1).
DEFAULT_VERSION_ID: Final = 0

#: SQLAlchemy's own connection options, which ``asyncpg.connect`` does not take.
_SQLALCHEMY_ONLY_OPTIONS: Final = (
    "async_fallback",
    "async_creator_fn",
    "prepared_statement_cache_size",
    "prepared_statement_name_func",
)

NEWEST_ID = select(PolicyVersion.id).order_by(PolicyVersion.id.desc()).limit(1)
_LINES = select(PolicyVersion.lines).where(PolicyVersion.id == bindparam("id"))

_current: GrantTable | None = None
_version_id: int = DEFAULT_VERSION_ID
#: The newest version that failed to compile, so a poll does not retry (and re-log) it.
_failed_id: int | None = None
_default: GrantTable | None = None


# --- The table in force ------------------------------------------------------------------


def compile_policy(lines: str | Iterable[str]) -> GrantTable:
    """The table for a policy, through Casbin (the source of truth); ``ValueError`` names
    the first bad line and field."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    return GrantTable.from_enforcer(load_enforcer(lines))


def default_table() -> GrantTable:
    """The default policy file, compiled once."""
    global _default
    if _default is None:
        _default = GrantTable.from_enforcer(load_enforcer())
    return _default


def default_lines() -> list[str]:
    return read_default_policy()


def current() -> GrantTable:
    """The table in force; the default policy until another is installed."""
    global _current
    if _current is None:
        _current = default_table()
    return _current


def installed_version_id() -> int:
    """The id of the ``policy_versions`` row the table in force was built from (0: default)."""
    return _version_id


def install(table: GrantTable, *, version_id: int | None = None) -> bool:
    """Swap in ``table``. Given the id of the version it was built from, only if that is not
    older than the version installed (False then, and nothing changes)."""
    global _current, _version_id
    if version_id is not None:
        if version_id < _version_id:
            return False
        _version_id = version_id
    _current = table
    return True


def reset() -> None:
    """Put the default policy back in force, forgetting any installed version (tests)."""
    global _current, _version_id, _failed_id
    _current = None
    _version_id = DEFAULT_VERSION_ID
    _failed_id = None


# --- Loading from the database -----------------------------------------------------------


async def newest_version_id(connection: AsyncConnection) -> int:
    """The id of the newest policy version, or 0 when none was ever written."""
    found = (await connection.execute(NEWEST_ID)).scalar_one_or_none()
    return DEFAULT_VERSION_ID if found is None else int(found)


@dataclass(frozen=True, slots=True)
class Loaded:
    """The newest version, read and compiled."""

    version_id: int
    table: GrantTable


async def load_newest(connection: AsyncConnection) -> Loaded:
    """The newest version compiled, or the default policy when there is none; ``ValueError``
    when the newest version does not compile."""
    version_id = await newest_version_id(connection)
    return await _load(connection, version_id)


async def _load(connection: AsyncConnection, version_id: int) -> Loaded:
    if version_id == DEFAULT_VERSION_ID:
        return Loaded(version_id, default_table())
    lines = (await connection.execute(_LINES, {"id": version_id})).scalar_one()
    # Compiling through Casbin takes some milliseconds: off the event loop, so requests
    # being served meanwhile do not wait for it.
    table = await asyncio.to_thread(compile_policy, lines)
    return Loaded(version_id, table)


async def refresh(connection: AsyncConnection, *, strict: bool = False) -> bool:
    """Install the newest version if it is not the one installed; True if one was.

    A newest version that does not compile is not installed: the table in force stays,
    the failure is logged by type only (its message could quote the stored policy), and
    the same version is not tried again. ``strict`` raises instead (at start-up, where
    the table in force would be the default policy, not the last good version).
    """
    global _failed_id
    version_id = await newest_version_id(connection)
    if version_id <= _version_id or (version_id == _failed_id and not strict):
        # Older: read before this process installed a change it committed itself (the
        # versions are append-only, ids only grow).
        return False
    try:
        loaded = await _load(connection, version_id)
    except ValueError as exc:
        if strict:
            raise
        _failed_id = version_id
        logger.error(
            "policy version %d does not compile (%s); version %d stays in force",
            version_id,
            type(exc).__name__,
            _version_id,
        )
        return False
    installed = install(loaded.table, version_id=version_id)
    if installed:
        logger.info("policy version %d in force (%s)", version_id, loaded.table.version[:12])
    return installed


# --- Keeping every process current ------------------------------------------------------

#: Opens the connection to listen on: an asyncpg ``Connection``, or anything with its
#: ``add_listener``, ``add_termination_listener``, ``is_closed``, ``execute``, ``close``
#: and ``terminate``.
Connect = Callable[[], Awaitable[Any]]


def asyncpg_connect_args(engine: AsyncEngine) -> tuple[list[Any], dict[str, Any]]:
    """``asyncpg.connect`` arguments for the engine's database, as SQLAlchemy derives them."""
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    options = dict(kwargs)
    for name in _SQLALCHEMY_ONLY_OPTIONS:
        options.pop(name, None)
    return list(args), options


def asyncpg_connector(engine: AsyncEngine) -> Connect:
    """A dedicated asyncpg connection to the engine's database, outside its pool."""
    import asyncpg

    args, kwargs = asyncpg_connect_args(engine)

    async def connect() -> Any:
        return await asyncpg.connect(*args, **kwargs)

    return connect


class PolicyWatcher:
    """Keeps this process's table the newest version, from ``start`` until ``stop``.

    On PostgreSQL it listens (``connect`` defaults to a dedicated asyncpg connection);
    elsewhere, unless given ``connect``, it polls.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        connect: Connect | None = None,
        poll_interval: float = POLL_INTERVAL,
        check_interval: float = CHECK_INTERVAL,
        reconnect_delay: float = RECONNECT_DELAY,
    ) -> None:
        if connect is None and engine.dialect.name == "postgresql":
            connect = asyncpg_connector(engine)
        self._engine = engine
        self._connect = connect
        self._poll_interval = poll_interval
        self._check_interval = check_interval
        self._reconnect_delay = reconnect_delay
        self._task: asyncio.Task[None] | None = None

    @property
    def listens(self) -> bool:
        """True when it listens for notices; False means polling."""
        return self._connect is not None

    async def start(self) -> None:
        """Install the newest version, then keep watching in the background. Raises if the
        policy cannot be read or does not compile: a process must not serve without it."""
        async with self._engine.connect() as connection:
            await refresh(connection, strict=True)
        watch = self._poll() if self._connect is None else self._listen(self._connect)
        self._task = asyncio.create_task(watch, name="policy-watcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _refresh(self) -> None:
        try:
            async with self._engine.connect() as connection:
                await refresh(connection)
        except Exception as exc:  # the watcher must outlive a database outage
            logger.warning("policy reload failed (%s); will retry", type(exc).__name__)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            await self._refresh()

    async def _listen(self, connect: Connect) -> None:
        delay = self._reconnect_delay
        while True:
            try:
                connection = await connect()
            except Exception as exc:
                logger.warning("policy listener cannot connect (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY)
                continue
            delay = self._reconnect_delay
            try:
                await self._listen_on(connection)
            except Exception as exc:
                logger.warning("policy listener lost its connection (%s)", type(exc).__name__)
            finally:
                await close_listener(connection)
            await asyncio.sleep(delay)

    async def _listen_on(self, connection: Any) -> None:
        """Until the connection is lost: reload on every notice, and every check interval."""
        wake = asyncio.Event()

        def notified(*_: object) -> None:
            wake.set()

        await connection.add_listener(CHANNEL, notified)
        connection.add_termination_listener(notified)
        await self._refresh()  # whatever changed while this process was not listening
        while True:
            try:
                await asyncio.wait_for(wake.wait(), self._check_interval)
            except TimeoutError:
                await connection.execute("SELECT 1")  # raises if the connection died silently
            wake.clear()
            if connection.is_closed():
                raise ConnectionError("the listening connection was closed")
            await self._refresh()


async def close_listener(connection: Any) -> None:
    """Close gracefully if it can be; a broken connection is dropped either way."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(connection.close(), CLOSE_TIMEOUT)
    if not connection.is_closed():
        connection.terminate()
