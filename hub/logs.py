"""Logging that keeps personal data out: the hub's own messages carry none, and database
drivers, which log statement parameters (names, NHS numbers) at DEBUG, are held at WARNING."""

import logging

#: Loggers that would write query parameters or row values if let below WARNING.
DATA_BEARING_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")
#: Loggers too chatty for an operator at INFO.
QUIET_LOGGERS = ("alembic.runtime.plugins", "casbin")


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in DATA_BEARING_LOGGERS + QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
