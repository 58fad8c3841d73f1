"""Every error leaves with a stable ``extensions.code`` and no personal data.

- ``HubError`` (resolvers) keeps its message and code, plus the field at fault; those
  messages are written by us and never hold values;
- GraphQL syntax, validation and coercion errors keep graphql-core's message, with every
  value the caller sent (each literal in the document, each leaf of the variables) and any
  value-echoing phrase redacted — graphql-core quotes offending values back;
- an operation of a type the transport does not run (a subscription over POST, a query
  over the WebSocket) is ``OPERATION_NOT_ALLOWED``;
- anything else is masked as ``INTERNAL_SERVER_ERROR``; only its type and place are logged.

``present`` runs at the HTTP boundary on every error, whichever stage raised it (a syntax
error from the parser cache never reaches schema extensions).
"""

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError, Source, TokenKind
from graphql.language.lexer import Lexer
from strawberry.schema.exceptions import InvalidOperationTypeError

from resolvers.errors import HubError

logger = logging.getLogger("hub.errors")

REDACTED = "<redacted>"
MASKED = "Unexpected error."

_VALUE_ECHOES = (
    re.compile(r"(got invalid value ).*?(;|$)", re.DOTALL),
    re.compile(r"(cannot represent [\w\s-]*?value: ).*$", re.DOTALL | re.IGNORECASE),
    re.compile(r"(, found ).*?(\.?)$", re.DOTALL),
    re.compile(r"(Invalid value ).*?(\.|$)", re.DOTALL),
    re.compile(r"(Unexpected (?:Int|Float|String|BlockString) ).*$", re.DOTALL),
)
_LITERALS = (TokenKind.STRING, TokenKind.BLOCK_STRING, TokenKind.INT, TokenKind.FLOAT)


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield str(value)


def _literals(query: str) -> Iterable[str]:
    lexer = Lexer(Source(query))
    try:
        token = lexer.advance()
        while token.kind is not TokenKind.EOF:
            if token.kind in _LITERALS and token.value:
                yield token.value
            token = lexer.advance()
    except GraphQLSyntaxError:
        return


def sent_values(query: str | None, variables: Mapping[str, Any] | None) -> list[str]:
    """Everything the caller sent as a value, longest first, for redaction."""
    values = set(_leaves(variables or {})) | set(_literals(query or ""))
    return sorted((v for v in values if len(v) >= 2), key=len, reverse=True)


def redact(message: str, values: list[str]) -> str:
    for value in values:
        message = message.replace(value, REDACTED)
    for pattern in _VALUE_ECHOES:
        message = pattern.sub(
            lambda m: m.group(1) + REDACTED + (m.group(2) if m.lastindex == 2 else ""), message
        )
    return message


def classify(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, HubError):
        return original.code
    if isinstance(original, InvalidOperationTypeError):
        return "OPERATION_NOT_ALLOWED"
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, GraphQLError):  # value coercion during execution
        return "BAD_USER_INPUT"
    return "INTERNAL_SERVER_ERROR"


def present(
    errors: list[GraphQLError], *, query: str | None, variables: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The response's ``errors``: coded, redacted, unexpected ones masked."""
    values: list[str] | None = None
    presented = []
    for error in errors:
        code = classify(error)
        original = error.original_error
        extensions: dict[str, Any] = {"code": code}
        if isinstance(original, HubError):
            message = original.message
            if original.field:
                extensions["field"] = original.field
        elif code == "INTERNAL_SERVER_ERROR":
            message = MASKED
        else:
            values = sent_values(query, variables) if values is None else values
            message = redact(error.message, values)
        entry: dict[str, Any] = {"message": message, "extensions": extensions}
        if error.locations:
            entry["locations"] = [
                {"line": loc.line, "column": loc.column} for loc in error.locations
            ]
        if error.path:
            entry["path"] = list(error.path)
        presented.append(entry)
    return presented


def log_unexpected(errors: list[GraphQLError]) -> None:
    """Log unexpected errors by type and place only: their messages may hold data (a
    constraint's key, say), and so may anything graphql-core echoes."""
    for error in errors:
        if classify(error) != "INTERNAL_SERVER_ERROR":
            continue
        original = error.original_error
        tb = original.__traceback__ if original else None
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
        logger.error("unexpected %s at %s", type(original).__name__, where)
