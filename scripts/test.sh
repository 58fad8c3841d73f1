#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL when CI is set (or HUB_TEST_POSTGRES=1).
# Under CI an unreachable PostgreSQL is a failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
pg_url=${HUB_TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}

echo "== schema.graphql is current"
"$bin/hub" export-schema --check

echo "== tests on SQLite"
HUB_TEST_DATABASE_URL= "$bin/pytest" --cov --cov-report=term:skip-covered "$@"

if [ -n "${CI:-}" ] || [ -n "${HUB_TEST_POSTGRES:-}" ]; then
  echo "== tests on PostgreSQL"
  if ! "$bin/python" scripts/pg_ready.py "$pg_url"; then
    echo "PostgreSQL is not reachable at $pg_url; under CI the suite must run on it." >&2
    echo "Start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
    exit 1
  fi
  HUB_TEST_DATABASE_URL=$pg_url "$bin/pytest" "$@"
fi
