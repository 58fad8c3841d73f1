"""The policy in force in a process: installed tables, loading the newest stored version,
keeping the last good table when a version does not compile, and the watcher that keeps a
process current (LISTEN/NOTIFY on PostgreSQL, polling on SQLite)."""

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import anyio.to_thread
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import PolicyVersion
from db.engine import create_engine
from db.migrate import upgrade
from policies import store
from policies.admin import canonical_lines
from policies.grants import Grant, GrantTable, policy_version, read_default_policy
from tests.conftest import scratch_database
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.roles import Role

DSL_READS_MISSING = Grant(
    Role.DESIGNATED_SAFEGUARDING_LEAD,
    AgencyKind.SCHOOL,
    Category.POLICE_MISSING_EPISODE,
    Action.READ,
    Purpose.EDUCATION_WELFARE,
)
DEFAULT_VERSION = policy_version(read_default_policy())
#: A version naming a role that does not exist (and nothing personal: the log must not
#: quote stored policy anyway).
BAD_LINES = "p, not_a_role, council:*, identity, read, safeguarding.mash\n"


def with_grant(grant: Grant) -> str:
    return canonical_lines([*store.default_table().grants, grant])


@pytest.fixture(autouse=True)
def default_policy() -> Iterator[None]:
    store.reset()
    yield
    store.reset()


async def add_version(connection: AsyncConnection, lines: str, note: str = "test") -> int:
    result = await connection.execute(
        insert(PolicyVersion).returning(PolicyVersion.id),
        {"digest": policy_version(lines.splitlines()), "lines": lines, "note": note},
    )
    return int(result.scalar_one())


def test_default_policy_is_in_force_until_another_is_installed() -> None:
    assert store.current().version == DEFAULT_VERSION
    assert store.installed_version_id() == store.DEFAULT_VERSION_ID

    table = GrantTable([DSL_READS_MISSING])
    assert store.install(table)

    assert store.current() is table


def test_install_never_goes_back_to_an_older_version() -> None:
    newer, older = GrantTable([DSL_READS_MISSING]), GrantTable([])
    assert store.install(newer, version_id=5)

    assert not store.install(older, version_id=4)

    assert store.current() is newer
    assert store.installed_version_id() == 5


def test_reset_puts_the_default_back() -> None:
    store.install(GrantTable([]), version_id=3)

    store.reset()

    assert store.current().version == DEFAULT_VERSION
    assert store.installed_version_id() == store.DEFAULT_VERSION_ID


@pytest.mark.parametrize("split", [False, True])
def test_compiled_policy_matches_its_digest(split: bool) -> None:
    lines = with_grant(DSL_READS_MISSING)

    table = store.compile_policy(lines.splitlines() if split else lines)

    assert table.version == policy_version(lines.splitlines())
    assert DSL_READS_MISSING in table.grants


async def test_without_versions_the_default_is_loaded_and_nothing_written(
    connection: AsyncConnection,
) -> None:
    loaded = await store.load_newest(connection)

    assert loaded.version_id == store.DEFAULT_VERSION_ID
    assert loaded.table.version == DEFAULT_VERSION
    assert not await store.refresh(connection)
    count = select(func.count()).select_from(PolicyVersion)
    assert (await connection.execute(count)).scalar_one() == 0


async def test_the_newest_version_is_loaded_and_installed(connection: AsyncConnection) -> None:
    # given two versions, the newer granting the DSL missing episodes
    await add_version(connection, canonical_lines(store.default_table().grants))
    newest = await add_version(connection, with_grant(DSL_READS_MISSING))

    # when the process refreshes
    installed = await store.refresh(connection)

    # then the newer is in force, and a second refresh has nothing to do
    assert installed
    assert store.installed_version_id() == newest
    assert DSL_READS_MISSING in store.current().grants
    assert store.current().version == policy_version(with_grant(DSL_READS_MISSING).splitlines())
    assert not await store.refresh(connection)


async def test_a_version_that_does_not_compile_keeps_the_old_table(
    connection: AsyncConnection, caplog: pytest.LogCaptureFixture
) -> None:
    good = await add_version(connection, with_grant(DSL_READS_MISSING))
    assert await store.refresh(connection)
    in_force = store.current()
    bad = await add_version(connection, BAD_LINES)

    with caplog.at_level(logging.ERROR, logger="hub.policy"):
        assert not await store.refresh(connection)
        assert not await store.refresh(connection)  # not tried (nor logged) again

    assert store.current() is in_force
    assert store.installed_version_id() == good
    (logged,) = [r for r in caplog.records if r.name == "hub.policy"]
    message = logged.getMessage()
    assert f"version {bad} does not compile (ValueError)" in message
    assert "not_a_role" not in message
    with pytest.raises(ValueError, match="not_a_role"):
        await store.refresh(connection, strict=True)


async def test_an_older_version_read_late_is_not_installed(connection: AsyncConnection) -> None:
    # given this process already installed a version newer than any it can read
    newer = GrantTable([DSL_READS_MISSING])
    store.install(newer, version_id=1_000_000)
    await add_version(connection, canonical_lines(store.default_table().grants))

    assert not await store.refresh(connection)

    assert store.current() is newer


async def test_a_newer_version_installed_while_loading_wins(
    connection: AsyncConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given this process commits (and installs) a newer version while it compiles one
    newer = GrantTable([DSL_READS_MISSING])
    compile_policy = store.compile_policy

    def compile_while_committing(lines: str) -> GrantTable:
        store.install(newer, version_id=1_000_000)
        return compile_policy(lines)

    monkeypatch.setattr(store, "compile_policy", compile_while_committing)
    await add_version(connection, canonical_lines(store.default_table().grants))

    assert not await store.refresh(connection)

    assert store.current() is newer


# --- The watcher, on a database of its own (it sees only committed versions) -----------


@pytest.fixture
async def own_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with scratch_database(tmp_path) as url:
        await anyio.to_thread.run_sync(upgrade, url)
        engine = create_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()


async def commit_version(engine: AsyncEngine, lines: str) -> int:
    """Write a version as policy administration does: NOTIFY on PostgreSQL, then commit."""
    async with engine.begin() as connection:
        version_id = await add_version(connection, lines)
        if connection.dialect.name == "postgresql":
            await connection.execute(
                select(func.pg_notify(store.CHANNEL, policy_version(lines.splitlines())))
            )
    return version_id


async def until_installed(version_id: int) -> None:
    """Wait (at most 3 s) for the watcher to install a version: the behaviour under test."""
    for _ in range(150):
        if store.installed_version_id() == version_id:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"version {version_id} was not installed within 3 s")


async def test_watcher_installs_each_committed_version(own_engine: AsyncEngine) -> None:
    first = await commit_version(own_engine, with_grant(DSL_READS_MISSING))
    watcher = store.PolicyWatcher(own_engine, poll_interval=0.05)

    # when it starts, the newest version is in force at once
    await watcher.start()
    try:
        assert store.installed_version_id() == first
        # and a version committed afterwards is installed by the watcher
        second = await commit_version(own_engine, canonical_lines(store.default_table().grants))
        await until_installed(second)
        assert DSL_READS_MISSING not in store.current().grants
    finally:
        await watcher.stop()
    await watcher.stop()  # stopping twice is harmless


async def test_watcher_refuses_to_start_on_a_version_that_does_not_compile(
    own_engine: AsyncEngine,
) -> None:
    await commit_version(own_engine, BAD_LINES)
    watcher = store.PolicyWatcher(own_engine)

    with pytest.raises(ValueError, match="not_a_role"):
        await watcher.start()

    assert store.current().version == DEFAULT_VERSION


async def terminate_listener(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
        return len(result.all())


async def test_listener_catches_up_after_losing_its_connection(
    own_engine: AsyncEngine, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite is polled")
    watcher = store.PolicyWatcher(own_engine)
    await watcher.start()
    try:
        assert watcher.listens
        # given the listening connection is cut, and a version is written without a notice
        for _ in range(150):  # the listener connects in the background
            if terminated := await terminate_listener(own_engine):
                break
            await asyncio.sleep(0.02)
        assert terminated == 1
        async with own_engine.begin() as connection:
            version_id = await add_version(connection, with_grant(DSL_READS_MISSING))

        # then the listener reconnects and installs what it missed
        await until_installed(version_id)
    finally:
        await watcher.stop()


def test_listener_connects_as_the_engine_does() -> None:
    engine = create_engine(
        "postgresql+asyncpg://hub:secret@db.example:6543/hub?prepared_statement_cache_size=0"
    )

    args, kwargs = store.asyncpg_connect_args(engine)

    assert store.PolicyWatcher(engine).listens
    assert args == []
    assert kwargs == {
        "host": "db.example",
        "port": 6543,
        "user": "hub",
        "password": "secret",
        "database": "hub",
    }


async def test_listener_connection_goes_outside_the_pool() -> None:
    # a port nothing listens on: the connector really dials, and the failure surfaces
    port = free_port()
    engine = create_engine(f"postgresql+asyncpg://hub@127.0.0.1:{port}/hub")
    connect = store.asyncpg_connector(engine)

    with pytest.raises(ConnectionRefusedError):
        await connect()
    await engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- The listening loop, driven through a stand-in for the asyncpg connection ----------


class FakeListener:
    """What the watcher uses of an asyncpg connection; the test notifies and drops it."""

    def __init__(self, *, close_fails: bool = False) -> None:
        self.notice: Callable[..., None] | None = None
        self.on_termination: list[Callable[..., None]] = []
        self.closed = False
        self.terminated = False
        self.pings = 0
        self.ping_fails = False
        self.close_fails = close_fails

    async def add_listener(self, channel: str, callback: Callable[..., None]) -> None:
        assert channel == store.CHANNEL
        self.notice = callback

    def add_termination_listener(self, callback: Callable[..., None]) -> None:
        self.on_termination.append(callback)

    def is_closed(self) -> bool:
        return self.closed

    async def execute(self, query: str) -> None:
        self.pings += 1
        if self.ping_fails:
            raise ConnectionResetError

    async def close(self) -> None:
        if self.close_fails:
            raise ConnectionResetError
        self.closed = True

    def terminate(self) -> None:
        self.terminated = self.closed = True

    def notify(self, digest: str) -> None:
        assert self.notice is not None
        self.notice(self, 1234, store.CHANNEL, digest)

    def drop(self) -> None:
        self.closed = True
        for callback in self.on_termination:
            callback(self)


class Connections:
    """Hands out listeners, failing the first ``failures`` attempts."""

    def __init__(self, failures: int = 0, **options: bool) -> None:
        self.failures = failures
        self.options = options
        self.attempts = 0
        self.opened: list[FakeListener] = []

    async def __call__(self) -> FakeListener:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionRefusedError
        self.opened.append(FakeListener(**self.options))
        return self.opened[-1]

    async def listening(self, count: int = 1) -> FakeListener:
        for _ in range(150):
            if len(self.opened) >= count and self.opened[count - 1].notice is not None:
                return self.opened[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"listener {count} was not opened within 3 s")


def listening_watcher(
    engine: AsyncEngine, connections: Connections, *, check_interval: float = 30
) -> store.PolicyWatcher:
    return store.PolicyWatcher(
        engine, connect=connections, check_interval=check_interval, reconnect_delay=0.01
    )


async def test_listener_reloads_on_each_notice(own_engine: AsyncEngine) -> None:
    connections = Connections()
    watcher = listening_watcher(own_engine, connections)
    await watcher.start()
    try:
        assert watcher.listens
        listener = await connections.listening()
        version_id = await commit_version(own_engine, with_grant(DSL_READS_MISSING))

        listener.notify(policy_version(with_grant(DSL_READS_MISSING).splitlines()))

        await until_installed(version_id)
    finally:
        await watcher.stop()
    assert listener.closed


async def test_listener_reconnects_and_catches_up(
    own_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # given the listener cannot connect at first, then connects
    connections = Connections(failures=2, close_fails=True)
    watcher = listening_watcher(own_engine, connections)
    await watcher.start()
    try:
        first = await connections.listening()
        assert connections.attempts == 3

        # when its connection drops and a version is written meanwhile (its notice lost)
        first.drop()
        version_id = await commit_version(own_engine, with_grant(DSL_READS_MISSING))

        # then it connects again and installs what it missed
        await connections.listening(2)
        await until_installed(version_id)
    finally:
        await watcher.stop()
    assert connections.opened[-1].terminated  # could not be closed gracefully: dropped
    logged = [r.getMessage() for r in caplog.records if r.name == "hub.policy"]
    assert "policy listener cannot connect (ConnectionRefusedError); retrying" in logged
    assert "policy listener lost its connection (ConnectionError)" in logged


async def test_listener_checks_its_connection_and_rereads(own_engine: AsyncEngine) -> None:
    connections = Connections()
    watcher = listening_watcher(own_engine, connections, check_interval=0.05)
    await watcher.start()
    try:
        listener = await connections.listening()

        # a version whose notice never came is read at the next check
        version_id = await commit_version(own_engine, with_grant(DSL_READS_MISSING))
        await until_installed(version_id)
        assert listener.pings >= 1

        # and a connection that died silently fails its check and is replaced
        listener.ping_fails = True
        await connections.listening(2)
    finally:
        await watcher.stop()


async def test_watcher_outlives_a_failed_reload(
    own_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given the database cannot be read for a while
    watcher = store.PolicyWatcher(own_engine, connect=None, poll_interval=0.02)
    if watcher.listens:
        watcher = listening_watcher(own_engine, Connections(), check_interval=0.02)
    await watcher.start()
    refresh = store.refresh
    failures = 0

    async def unreadable(connection: AsyncConnection, *, strict: bool = False) -> bool:
        nonlocal failures
        failures += 1
        if failures <= 2:
            raise ConnectionResetError
        return await refresh(connection, strict=strict)

    monkeypatch.setattr(store, "refresh", unreadable)
    try:
        # when a version is written, it is still installed once the database is back
        version_id = await commit_version(own_engine, with_grant(DSL_READS_MISSING))
        await until_installed(version_id)
    finally:
        await watcher.stop()
    logged = [r.getMessage() for r in caplog.records if r.name == "hub.policy"]
    assert "policy reload failed (ConnectionResetError); will retry" in logged
