"""The signed-in caller."""

import strawberry

from resolvers.context import RequestContext
from schema.agencies import Agency
from schema.enums import Role


@strawberry.type(description="The signed-in user, their agency and the roles they hold there.")
class Me:
    subject: str
    display_name: str
    agency: Agency
    roles: list[Role]


def me(info: strawberry.Info[RequestContext, None]) -> Me:
    principal = info.context.principal
    return Me(
        subject=principal.subject,
        display_name=principal.display_name,
        agency=Agency(
            code=principal.agency_code, name=principal.agency_name, kind=principal.agency_kind
        ),
        roles=sorted(principal.roles),
    )
