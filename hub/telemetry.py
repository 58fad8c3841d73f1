"""OpenTelemetry, off by default, configured by the standard ``OTEL_*`` variables.

``OTEL_TRACES_EXPORTER`` names the exporter (``console``, ``otlp`` when
opentelemetry-exporter-otlp is installed, …) through the exporters' registered entry
points; unset or ``none`` leaves tracing off and costs nothing. Spans: one per GraphQL
operation (``schema.telemetry``) and one per database round trip (SQLAlchemy
instrumentation, statements with bound parameters only, so no values reach a trace).
"""

import os
from importlib.metadata import entry_points

from opentelemetry import trace
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine


def exporter_from_env(env: dict[str, str] | None = None) -> SpanExporter | None:
    env = dict(os.environ) if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    name = env.get("OTEL_TRACES_EXPORTER", "none").split(",")[0].strip()
    if name in ("", "none"):
        return None
    found = entry_points(group="opentelemetry_traces_exporter", name=name)
    if not found:
        raise SystemExit(f"OTEL_TRACES_EXPORTER={name}: no such exporter is installed")
    exporter_class = next(iter(found)).load()
    exporter: SpanExporter = exporter_class()
    return exporter


def configure(engine: AsyncEngine, exporter: SpanExporter | None = None) -> bool:
    """Install a tracer provider and instrument ``engine`` if an exporter is configured."""
    exporter = exporter or exporter_from_env()
    if exporter is None:
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": "safeguarding-hub"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    instrument_engine(engine, provider)
    return True


def instrument_engine(engine: AsyncEngine, provider: TracerProvider | None = None) -> None:
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider, enable_commenter=False
    )
