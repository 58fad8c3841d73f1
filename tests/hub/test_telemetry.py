"""One span per GraphQL operation and per database round trip; no personal data in them."""

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub import telemetry
from schema import telemetry as schema_telemetry
from tests.conftest import GraphQLCall
from tests.factories.agencies import make_agency, make_user
from tests.factories.children import make_child, make_record, relate
from tests.http.test_children import CHILD_QUERY
from vocab.roles import Role


@pytest.fixture
def spans(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(schema_telemetry, "tracer", provider.get_tracer("test"))
    telemetry.instrument_engine(engine, provider)
    yield exporter
    SQLAlchemyInstrumentor().uninstrument()


async def test_spans_carry_no_personal_data(
    session: AsyncSession, graphql: GraphQLCall, spans: InMemorySpanExporter
) -> None:
    council = await make_agency(session)
    worker = await make_user(session, council, (Role.SOCIAL_WORKER,))
    child = await make_child(session, given_name="Quinlan", family_name="Uniquesurname")
    await relate(session, child, council)
    await make_record(session, child, council)
    spans.clear()

    response = await graphql(worker.subject, CHILD_QUERY, {"nhs": child.nhs_number})
    assert response.json()["data"]["child"]["givenName"] == "Quinlan"

    finished = spans.get_finished_spans()
    operations = [s for s in finished if s.name == "graphql.operation"]
    assert len(operations) == 1, "one span per operation, not per field"
    assert operations[0].attributes is not None
    assert operations[0].attributes["graphql.operation.name"] == "Child"
    assert len(str(operations[0].attributes["graphql.document.hash"])) == 64
    database = [s for s in finished if s is not operations[0]]
    assert len(database) >= 3  # principal, child, records: one span per round trip
    everything = repr([(s.name, dict(s.attributes or {})) for s in finished])
    for secret in (child.nhs_number, "Quinlan", "Uniquesurname", child.hub_id):
        assert secret is not None
        assert secret not in everything


def test_tracing_is_off_by_default() -> None:
    assert telemetry.exporter_from_env({}) is None
    assert telemetry.exporter_from_env({"OTEL_TRACES_EXPORTER": "none"}) is None
    assert (
        telemetry.exporter_from_env(
            {"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}
        )
        is None
    )


def test_exporter_chosen_by_standard_variable() -> None:
    exporter = telemetry.exporter_from_env({"OTEL_TRACES_EXPORTER": "console"})
    assert type(exporter).__name__ == "ConsoleSpanExporter"
    with pytest.raises(SystemExit):
        telemetry.exporter_from_env({"OTEL_TRACES_EXPORTER": "no-such-exporter"})


def test_configure_installs_nothing_when_off(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    before = trace.get_tracer_provider()

    assert telemetry.configure(engine) is False
    assert trace.get_tracer_provider() is before
    assert not SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry
