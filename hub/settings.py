"""Settings from the environment. Nothing here is personal data; all have safe defaults.

- ``DATABASE_URL``: SQLAlchemy async URL, ``sqlite+aiosqlite:///…`` (default
  ``sqlite+aiosqlite:///var/hub.db``) or ``postgresql+asyncpg://…``;
- ``HUB_ENV``: ``production`` (default) or ``development`` (GraphiQL, introspection and
  the built-in development issuer);
- ``HUB_AUDIENCE``: the ``aud`` every bearer token must carry (``urn:safeguarding-hub``);
- ``HUB_ISSUERS_FILE``: JSON list of trusted identity providers (see README);
- ``HUB_DATA_DIR``: the SQLite database, the development issuer's keys and the development
  audit signing key (``var``);
- ``HUB_DB_ROLE``: on PostgreSQL, the role the server acts as (``SET ROLE``; default
  ``hub_app``, created by the migrations; empty to act as the login role itself);
- ``HUB_AUDIT_SIGNING_KEY``: PEM file of the Ed25519 key that signs audit checkpoints
  (default ``<HUB_DATA_DIR>/audit-signing-key.pem``, generated on first use);
- ``HUB_AUDIT_CHECKPOINT_SECONDS``: how often a server signs a checkpoint (300; 0: never);
- ``HUB_MASH_*``: the MASH front door's RAG clocks, working hours, closures, grace period and
  re-referral window (``workflows.mash``).
"""

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from workflows.mash import MashRules


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    environment: Environment
    audience: str
    issuers_file: Path | None
    data_dir: Path
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    #: A month of Encompass incidents in one batch is about 400 KiB.
    max_body_bytes: int = 1024 * 1024
    db_role: str = "hub_app"
    audit_signing_key: Path | None = None
    checkpoint_seconds: float = 300.0
    mash: MashRules = field(default_factory=MashRules)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def dev_issuer_dir(self) -> Path:
        return self.data_dir / "dev-issuer"

    @property
    def signing_key_file(self) -> Path:
        return self.audit_signing_key or self.data_dir / "audit-signing-key.pem"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ) if env is None else env
        data_dir = Path(env.get("HUB_DATA_DIR", "var"))
        issuers = env.get("HUB_ISSUERS_FILE")
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'hub.db'}",
            environment=Environment(env.get("HUB_ENV", Environment.PRODUCTION)),
            audience=env.get("HUB_AUDIENCE", "urn:safeguarding-hub"),
            issuers_file=Path(issuers) if issuers else None,
            data_dir=data_dir,
            db_role=env.get("HUB_DB_ROLE", "hub_app"),
            audit_signing_key=Path(key) if (key := env.get("HUB_AUDIT_SIGNING_KEY")) else None,
            checkpoint_seconds=float(env.get("HUB_AUDIT_CHECKPOINT_SECONDS", "300")),
            mash=MashRules.from_env(env),
        )
