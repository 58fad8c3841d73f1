"""schema.graphql is the committed contract: it must match the code."""

from pathlib import Path

from schema import schema

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"


def test_schema_graphql_is_current() -> None:
    assert SCHEMA_FILE.read_text() == schema.as_str() + "\n", "run `make schema`"
