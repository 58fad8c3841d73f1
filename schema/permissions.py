"""Coarse checks declared on fields: may this caller use the field at all?

One ``BasePermission`` subclass, ``Allowed``, asks a predicate from ``policies`` about the
caller (the decision stays in ``policies``). A refusal raises ``FORBIDDEN`` before the
resolver runs. Per-child checks are not made here: resolvers call ``policies.authorize``.
"""

from collections.abc import Callable
from typing import Any

from strawberry import Info
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from policies.principal import Principal
from resolvers.context import RequestContext
from resolvers.errors import HubError


class Allowed(BasePermission):
    """The caller passes ``check`` (a ``policies`` predicate); else ``FORBIDDEN`` naming
    ``what`` is refused."""

    def __init__(self, check: Callable[[Principal], bool], what: str) -> None:
        self.check = check
        self.what = what
        self.message = f"{what} is not permitted for your roles"

    def has_permission(self, source: Any, info: Info[RequestContext, Any], **kwargs: Any) -> bool:
        return self.check(info.context.principal)

    def on_unauthorized(self) -> None:
        raise HubError("FORBIDDEN", self.message or "")


def requires(check: Callable[[Principal], bool], what: str) -> list[FieldExtension]:
    """Field extensions refusing callers that fail ``check``: ``extensions=requires(...)``.

    No schema directive: the permission is described in the field's description instead.
    """
    return [PermissionExtension(permissions=[Allowed(check, what)], use_directives=False)]
