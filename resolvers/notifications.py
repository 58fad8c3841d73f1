"""Raising notifications to agencies (CP-IS flag views, break-glass alerts).

A notification carries identifiers and codes only, never record contents or names.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert

from db import Notification
from resolvers.context import RequestContext
from vocab.notifications import NotificationKind

_INSERT = insert(Notification)


async def notify(
    ctx: RequestContext,
    kind: NotificationKind,
    *,
    agency_ids: Iterable[int],
    child_id: int,
    detail: dict[str, Any],
) -> list[uuid.UUID]:
    """One notification per agency, written in the request's unit of work."""
    recipients = list(dict.fromkeys(agency_ids))
    ids = [uuid.uuid4() for _ in recipients]
    rows: list[dict[str, Any]] = [
        {
            "id": notification_id,
            "kind": kind,
            "agency_id": agency_id,
            "child_id": child_id,
            "detail": detail,
            "created_at": ctx.now,
        }
        for notification_id, agency_id in zip(ids, recipients, strict=True)
    ]
    if rows:
        connection = await ctx.session.connection()
        await connection.execute(_INSERT, rows)
    return ids
