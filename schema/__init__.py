"""The GraphQL schema: thin Strawberry types whose fields call ``resolvers``."""

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema import break_glass as glass
from schema import children, records, users
from schema.errors import log_unexpected
from schema.telemetry import OperationSpan


@strawberry.type
class Query:
    me: users.Me = strawberry.field(resolver=users.me, description="Who you are signed in as.")
    child: children.Child | None = strawberry.field(
        resolver=children.child,
        description="A child by NHS number or hub id (exactly one), if visible to you.",
    )


@strawberry.type
class Mutation:
    create_record: records.Record = strawberry.mutation(
        resolver=records.create_record,
        description="Record a fact your agency holds about a child it works with.",
    )
    amend_record: records.Record = strawberry.mutation(
        resolver=records.amend_record,
        description="Amend your agency's own record; the previous version is kept.",
    )
    break_glass: glass.BreakGlassAccess = strawberry.mutation(
        resolver=glass.break_glass,
        description=(
            "Override the relationship requirement for one child, for the declared purpose, "
            "with a justification: time-boxed, alerted to the owning agencies and the DPO, "
            "and reviewed."
        ),
    )


class HubSchema(strawberry.Schema):
    """Strawberry's schema, minus its default error logging (which writes messages, and so
    the values graphql-core echoes, to the log)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)


def build_schema(
    *,
    introspection: bool = False,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 2000,
) -> strawberry.Schema:
    # The limiters build their validation rule classes when constructed. Build them once:
    # the validation cache is keyed on the rule classes, so rules made afresh per request
    # would miss it every time and re-validate every document (about 1 ms a request).
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Factories, so each request gets fresh extension instances (the caches are shared).
    extensions: list[Callable[[], SchemaExtension]] = [
        OperationSpan,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=256),
    ]
    return HubSchema(query=Query, mutation=Mutation, extensions=extensions)


#: The schema as exported to ``schema.graphql`` (introspection does not change the SDL).
schema = build_schema(introspection=True)
