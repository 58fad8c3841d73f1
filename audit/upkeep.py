"""What each server process does for the audit log in the background: sign a checkpoint of
the chain's head every ``HUB_AUDIT_CHECKPOINT_SECONDS`` (when something was appended; with
several processes the first to sign a head wins), and on PostgreSQL keep the monthly
partitions created three months ahead."""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.checkpoints import checkpoint

logger = logging.getLogger("hub.audit")

MONTHS_AHEAD = 3
PARTITION_CHECK_SECONDS = 6 * 3600
_ENSURE = text("SELECT audit.ensure_partitions(CAST(:start AS date), :months)")


async def ensure_partitions(engine: AsyncEngine, now: datetime) -> int:
    """PostgreSQL: create any missing monthly partition from this month on; the number made."""
    if engine.dialect.name != "postgresql":
        return 0
    async with engine.begin() as connection:
        made = await connection.scalar(_ENSURE, {"start": now.date(), "months": MONTHS_AHEAD})
    return int(made or 0)


class AuditUpkeep:
    def __init__(
        self, engine: AsyncEngine, key: Ed25519PrivateKey, *, checkpoint_seconds: float
    ) -> None:
        self._engine = engine
        self._key = key
        self._interval = checkpoint_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await ensure_partitions(self._engine, datetime.now(UTC))
        self._task = asyncio.create_task(self._run(), name="audit-upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        interval = self._interval if self._interval > 0 else PARTITION_CHECK_SECONDS
        since_partitions = 0.0
        while True:
            await asyncio.sleep(interval)
            try:
                if self._interval > 0:
                    await checkpoint(self._engine, self._key, datetime.now(UTC))
                since_partitions += interval
                if since_partitions >= PARTITION_CHECK_SECONDS:
                    since_partitions = 0.0
                    await ensure_partitions(self._engine, datetime.now(UTC))
            except Exception as exc:  # keep trying; a failed checkpoint is only delayed
                logger.error("audit upkeep failed: %s", type(exc).__name__)
