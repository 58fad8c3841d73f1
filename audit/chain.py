"""The hash chain: each event's hash covers the previous hash and the event's canonical JSON.

``hash(n) = SHA-256(hash(n-1) || "\\n" || JCS(body(n)))`` where JCS is RFC 8785 canonical JSON
(the ``rfc8785`` library) and ``body(n)`` includes its own ``seq``: any change to an event,
or to the order of events, changes every later hash. The first event chains to ``GENESIS``.
"""

import hashlib
from typing import Any

import rfc8785

from db.audit import GENESIS

__all__ = ["GENESIS", "canonical", "link"]


def canonical(body: dict[str, Any]) -> str:
    """The body as RFC 8785 canonical JSON text."""
    return rfc8785.dumps(body).decode()


def link(prev_hash: str, canonical_body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_body}".encode()).hexdigest()
