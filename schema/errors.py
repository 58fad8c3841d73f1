"""Every error leaves with a stable ``extensions.code`` and no personal data.

- ``HubError`` (resolvers) keeps its message and code, plus the field at fault;
- GraphQL syntax and validation errors keep their message with values redacted, since
  graphql-core echoes the offending literal or variable value;
- anything else is masked as ``INTERNAL_SERVER_ERROR``; only its type and place are logged.
"""

import logging
import re

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from resolvers.errors import HubError

logger = logging.getLogger("hub.errors")

_VALUE_ECHOES = (
    re.compile(r"(got invalid value )(.*?)(;|$)", re.DOTALL),
    re.compile(r"(cannot represent [\w\s-]*?value: )(.*)$", re.DOTALL | re.IGNORECASE),
    re.compile(r"(, found )(.*?)(\.?)$", re.DOTALL),
    re.compile(r"(Invalid value )(.*?)(\.|$)", re.DOTALL),
)


def redact_values(message: str) -> str:
    for pattern in _VALUE_ECHOES:
        message = pattern.sub(
            lambda m: (
                m.group(1) + "<redacted>" + (m.group(3) if m.lastindex and m.lastindex >= 3 else "")
            ),
            message,
        )
    return message


class ErrorCodes(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _error: True)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, HubError):
            extensions = {"code": original.code}
            if original.field:
                extensions["field"] = original.field
            return _copy(error, original.message, extensions)
        if original is None:
            code = (
                "GRAPHQL_PARSE_FAILED"
                if error.path is None and "Syntax Error" in error.message
                else "GRAPHQL_VALIDATION_FAILED"
            )
            return _copy(error, redact_values(error.message), {"code": code})
        if isinstance(original, GraphQLError):  # value coercion inside execution
            return _copy(error, redact_values(error.message), {"code": "BAD_USER_INPUT"})
        tb = original.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
        # The message of an unexpected error may hold data (a constraint's key, say): never log it.
        logger.error("unexpected %s at %s", type(original).__name__, where)
        return _copy(error, self.error_message, {"code": "INTERNAL_SERVER_ERROR"})


def _copy(error: GraphQLError, message: str, extensions: dict[str, str]) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )
