"""Waking subscriptions in every process when notifications are committed (DESIGN §9:
subscriptions across processes use PostgreSQL LISTEN/NOTIFY, never process memory alone).

- PostgreSQL: one dedicated asyncpg connection per process LISTENs on ``hub_encompass``; a
  submission NOTIFYs the recipient agency ids in its transaction, delivered on commit. A
  lost connection is reopened, and every subscriber is woken then (notices sent while not
  listening are lost, so each looks for itself).
- SQLite (one host, possibly several processes): every subscriber is woken every
  ``poll_interval`` and looks for itself.

A wake-up carries no data: the subscription reads what is new from the database, in an
audited unit of work. Take a ``ticket`` before looking, then ``wait`` on it, so a ring
between the two is not missed.
"""

import asyncio
import contextlib
import logging
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncEngine

from policies.store import Connect, asyncpg_connector, close_listener

logger = logging.getLogger("hub.doorbell")

CHANNEL: Final = "hub_encompass"
POLL_INTERVAL: Final = 0.5
RECONNECT_DELAY: Final = 0.5
MAX_RECONNECT_DELAY: Final = 10.0


class Doorbell:
    def __init__(
        self,
        engine: AsyncEngine | None,
        *,
        connect: Connect | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        if connect is None and engine is not None and engine.dialect.name == "postgresql":
            connect = asyncpg_connector(engine)
        self._connect = connect
        self._poll_interval = poll_interval
        self._tickets: dict[int, asyncio.Event] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def listens(self) -> bool:
        return self._connect is not None

    async def start(self) -> None:
        watch = self._poll() if self._connect is None else self._listen(self._connect)
        self._task = asyncio.create_task(watch, name="doorbell")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.ring_all()

    def ticket(self, agency_id: int) -> asyncio.Event:
        """The event the next ring for ``agency_id`` sets."""
        return self._tickets.setdefault(agency_id, asyncio.Event())

    async def wait(self, ticket: asyncio.Event, seconds: float) -> None:
        """Until the ticket's ring, or ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ticket.wait(), seconds)

    def ring(self, agency_ids: list[int]) -> None:
        for agency_id in agency_ids:
            event = self._tickets.pop(agency_id, None)
            if event is not None:
                event.set()

    def ring_all(self) -> None:
        self.ring(list(self._tickets))

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            self.ring_all()

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            agency_ids = [int(part) for part in payload.split(",") if part]
        except ValueError:
            self.ring_all()
            return
        self.ring(agency_ids)

    async def _listen(self, connect: Connect) -> None:
        delay = RECONNECT_DELAY
        while True:
            try:
                connection = await connect()
            except Exception as exc:
                logger.warning("doorbell cannot connect (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY)
                continue
            delay = RECONNECT_DELAY
            lost = asyncio.Event()
            try:
                await connection.add_listener(CHANNEL, self._notified)
                connection.add_termination_listener(lambda *_, lost=lost: lost.set())
                self.ring_all()  # whatever arrived while not listening
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30.0)
                    if not lost.is_set():
                        await connection.execute("SELECT 1")
            except Exception as exc:
                logger.warning("doorbell lost its connection (%s)", type(exc).__name__)
            finally:
                await close_listener(connection)
            self.ring_all()
            await asyncio.sleep(delay)
