#!/usr/bin/env bash
# Re-resolve the dependencies in pyproject.toml in a clean virtual environment and pin every
# distribution (direct and transitive) in constraints.txt, which `make` installs against.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PY:-python3.11}" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --upgrade pip
"$tmp/venv/bin/pip" install -q '.[dev]'
{
  echo "# Pinned versions of every dependency, made by scripts/lock.sh ($(date -u +%F))."
  echo "# Install with: pip install -c constraints.txt -e '.[dev]'"
  "$tmp/venv/bin/pip" freeze --exclude safeguarding-hub
} > constraints.txt
echo "wrote constraints.txt"
