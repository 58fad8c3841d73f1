"""Settings from the environment. Nothing here is personal data; all have safe defaults.

- ``DATABASE_URL``: SQLAlchemy async URL, ``sqlite+aiosqlite:///…`` (default
  ``sqlite+aiosqlite:///var/hub.db``) or ``postgresql+asyncpg://…``;
- ``HUB_ENV``: ``production`` (default) or ``development`` (GraphiQL, introspection and
  the built-in development issuer);
- ``HUB_AUDIENCE``: the ``aud`` every bearer token must carry (``urn:safeguarding-hub``);
- ``HUB_ISSUERS_FILE``: JSON list of trusted identity providers (see README);
- ``HUB_DATA_DIR``: the SQLite database and the development issuer's keys (``var``).
"""

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


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
    max_body_bytes: int = 256 * 1024
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def dev_issuer_dir(self) -> Path:
        return self.data_dir / "dev-issuer"

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
        )
