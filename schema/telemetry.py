"""One OpenTelemetry span per GraphQL operation (not per field), with no personal data.

Attributes: the operation's type and name and a SHA-256 of the query document, never the
query text or the variables (which hold NHS numbers and names).
"""

import hashlib
from collections.abc import Iterator
from contextlib import suppress

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from strawberry.extensions import SchemaExtension

from resolvers.context import RequestContext
from schema.errors import classify

tracer = trace.get_tracer("safeguarding-hub.graphql")


def document_hash(query: str | None) -> str:
    return hashlib.sha256((query or "").encode()).hexdigest()


class OperationSpan(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        with tracer.start_as_current_span(
            "graphql.operation", record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("graphql.document.hash", document_hash(context.query))
            yield
            span.set_attribute("graphql.operation.name", context.operation_name or "")
            request = context.context
            operation_type = None
            with suppress(RuntimeError):  # raised when the document did not parse
                operation_type = context.operation_type.value
                span.set_attribute("graphql.operation.type", operation_type)
            if isinstance(request, RequestContext):  # what the audit event says of it
                request.operation_type = operation_type
                request.operation_name = context.operation_name
                span_context = span.get_span_context()
                if span_context.is_valid:
                    request.trace_id = format(span_context.trace_id, "032x")
            errors = getattr(context.result, "errors", None) or []
            codes = sorted({classify(error) for error in errors})
            if codes:
                span.set_attribute("hub.error.codes", codes)
                span.set_status(Status(StatusCode.ERROR))
