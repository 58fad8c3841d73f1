"""The async engine and session factory, configured the same way for the server, CLI and tests."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

#: ``Connection.info`` key: the SQLite transaction in progress has written.
WROTE = "hub.wrote"
SQLITE_BEGIN_MODES = frozenset({"IMMEDIATE", "EXCLUSIVE"})


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, role: str | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine for ``url``. On SQLite: foreign keys enforced, WAL, a busy timeout. On
    PostgreSQL, ``role``: ``SET ROLE`` on every new connection (the server runs as
    ``hub_app``, which may not change or delete audit events)."""
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so
            # that SAVEPOINTs and transactional DDL work (SQLAlchemy's documented recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # ``sqlite_begin="IMMEDIATE"`` takes the write lock at once (the audit append
            # after a read-only operation), so it waits its turn instead of failing.
            mode = connection.get_execution_options().get("sqlite_begin", "")
            connection.exec_driver_sql(f"BEGIN {mode}" if mode in SQLITE_BEGIN_MODES else "BEGIN")
            connection.info[WROTE] = False

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _sqlite_wrote(
            connection: Any, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
        ) -> None:
            if context is not None and (context.isinsert or context.isupdate or context.isdelete):
                connection.info[WROTE] = True

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if role:
        if not role.isidentifier():
            raise ValueError("the database role must be a plain identifier")

        @event.listens_for(engine.sync_engine, "connect")
        def _set_role(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET ROLE {role}")
            cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
