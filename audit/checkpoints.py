"""Signed checkpoints: "event ``seq`` had hash ``hash``", signed with the hub's Ed25519 key.

A checkpoint commits the hub to its whole history up to ``seq`` (each hash covers every one
before it). Partners keep exported copies (``hub audit export-checkpoints``): whoever holds
one can later show that history was not rewritten, even by someone able to recompute the
chain, because they cannot sign. Signing uses ``cryptography``'s Ed25519; the signed
statement is RFC 8785 canonical JSON.
"""

import base64
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.chain import canonical
from audit.events import timestamp
from db.audit import AuditCheckpoint, AuditHead

logger = logging.getLogger("hub.audit")

CHAIN = "safeguarding-hub/audit"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at ``path`` (PEM, PKCS#8), created on first use (mode 0600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        private = Ed25519PrivateKey.generate()
        path.touch(mode=0o600)
        path.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        logger.warning("created a new audit signing key; give partners its public key")
        return private
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the audit signing key must be an Ed25519 key")
    return key


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    signed_at: str
    key_id: str
    signature: str

    def statement(self) -> bytes:
        return canonical(
            {
                "chain": CHAIN,
                "seq": self.seq,
                "hash": self.hash,
                "signed_at": self.signed_at,
                "key_id": self.key_id,
            }
        ).encode()

    def valid_with(self, keys: dict[str, Ed25519PublicKey]) -> bool:
        key = keys.get(self.key_id)
        if key is None:
            return False
        try:
            key.verify(_unb64(self.signature), self.statement())
        except (InvalidSignature, ValueError):
            return False
        return True


def sign(private: Ed25519PrivateKey, seq: int, digest: str, at: datetime) -> Checkpoint:
    unsigned = Checkpoint(seq, digest, timestamp(at), key_id(private.public_key()), "")
    signature = _b64(private.sign(unsigned.statement()))
    return Checkpoint(seq, digest, unsigned.signed_at, unsigned.key_id, signature)


_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
_NEWEST = select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1)
_ALL = select(
    AuditCheckpoint.seq,
    AuditCheckpoint.hash,
    AuditCheckpoint.signed_at,
    AuditCheckpoint.key_id,
    AuditCheckpoint.signature,
).order_by(AuditCheckpoint.seq)


async def checkpoint(engine: AsyncEngine, private: Ed25519PrivateKey, now: datetime) -> int | None:
    """Sign the chain's head, unless nothing was appended since the newest checkpoint (or
    another server signed the same head first). The checkpoint's seq, or None."""
    async with engine.connect() as connection:
        await connection.execution_options(sqlite_begin="IMMEDIATE")
        async with connection.begin():
            head = (await connection.execute(_HEAD)).one_or_none()
            newest = (await connection.execute(_NEWEST)).scalar_one_or_none()
            if head is None or head.seq == 0 or head.seq == newest:
                return None
            signed = sign(private, head.seq, head.hash, now)
            row = asdict(signed) | {"signed_at": now}
            try:
                async with connection.begin_nested():
                    await connection.execute(insert(AuditCheckpoint), row)
            except IntegrityError:
                return None  # another process signed this head
    return signed.seq


async def stored(connection: AsyncConnection) -> list[Checkpoint]:
    rows = (await connection.execute(_ALL)).all()
    return [Checkpoint(r[0], r[1], timestamp(r[2]), r[3], r[4]) for r in rows]


def export_lines(checkpoints: Iterable[Checkpoint], public: Ed25519PublicKey) -> list[str]:
    """JSON lines a partner keeps: each checkpoint with the public key that verifies it."""
    key = _b64(public_bytes(public))
    return [json.dumps({**asdict(c), "public_key": key}, sort_keys=True) for c in checkpoints]


def read_export(text: str) -> tuple[list[Checkpoint], dict[str, Ed25519PublicKey]]:
    """Checkpoints and keys from an exported file; a key must match its id."""
    checkpoints: list[Checkpoint] = []
    keys: dict[str, Ed25519PublicKey] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item: dict[str, Any] = json.loads(line)
            public = Ed25519PublicKey.from_public_bytes(_unb64(item.pop("public_key")))
            found = Checkpoint(**item)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"line {number}: not an exported checkpoint") from exc
        if key_id(public) != found.key_id:
            raise ValueError(f"line {number}: the public key does not match its key id")
        keys[found.key_id] = public
        checkpoints.append(found)
    return checkpoints, keys
