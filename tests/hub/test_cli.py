"""The ``hub`` command: tokens, migrations and the schema file."""

from pathlib import Path

import pytest
import sqlalchemy

from auth import TokenVerifier
from auth.dev_issuer import ensure_keys
from hub import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_AUDIENCE", "urn:test:cli")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def test_token_is_verifiable_by_the_development_issuer(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["token", "demo.social-worker", "--lifetime", "600"]) == 0
    token = capsys.readouterr().out.strip()

    verifier = TokenVerifier([ensure_keys(env / "dev-issuer")], audience="urn:test:cli")
    claims = verifier.verify(token)

    assert claims.subject == "demo.social-worker"


def test_migrate_creates_the_sqlite_database(env: Path) -> None:
    assert cli.main(["migrate"]) == 0

    engine = sqlalchemy.create_engine(f"sqlite:///{env / 'hub.db'}")
    with engine.connect() as conn:
        tables = set(sqlalchemy.inspect(conn).get_table_names())
    engine.dispose()
    assert {"children", "records", "agencies", "alembic_version"} <= tables

    assert cli.main(["migrate", "--downgrade", "base"]) == 0
    engine = sqlalchemy.create_engine(f"sqlite:///{env / 'hub.db'}")
    with engine.connect() as conn:
        assert set(sqlalchemy.inspect(conn).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_export_schema_check_detects_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["export-schema", "--check"]) == 1  # no file yet
    assert cli.main(["export-schema"]) == 0
    assert cli.main(["export-schema", "--check"]) == 0
    (tmp_path / "schema.graphql").write_text("type Query { stale: Int }\n")
    assert cli.main(["export-schema", "--check"]) == 1
    assert "out of date" in capsys.readouterr().err


def test_database_drivers_never_log_below_warning() -> None:
    import logging

    from hub import logs

    logs.configure()
    for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
