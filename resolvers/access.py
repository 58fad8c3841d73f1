"""Asking the policy from a resolver: one call that builds the facts, records the decision
and turns a refusal into the error the caller may see."""

from policies import Decision, Facts, authorize
from resolvers.context import RequestContext
from resolvers.errors import HubError
from vocab.actions import Action
from vocab.categories import Category

NOT_FOUND = HubError("CHILD_NOT_FOUND", "no child visible to you has that identifier")


def decide(
    ctx: RequestContext,
    *,
    action: Action,
    category: Category,
    child_id: int | None,
    facts: Facts,
) -> Decision:
    return authorize(
        ctx.audit,
        ctx.grants,
        ctx.principal,
        purpose=ctx.purpose,
        action=action,
        category=category,
        child_id=child_id,
        facts=facts,
    )


def require_grant(ctx: RequestContext, *, action: Action, category: Category) -> None:
    """Refuse, before any child is looked up, a request the policy could never allow (no
    purpose, a purpose the caller's roles may not declare, no grant): otherwise the answer
    could differ between known and unknown children."""
    principal = ctx.principal
    permitted = ctx.grants.purposes_for(principal.roles, principal.agency_kind)
    if (
        ctx.purpose is None
        or ctx.purpose not in permitted
        or ctx.grants.rule_for(
            principal.roles, principal.agency_kind, category, action, ctx.purpose
        )
        is None
    ):
        raise refusal(decide(ctx, action=action, category=category, child_id=None, facts=Facts()))


def refusal(decision: Decision, *, field: str | None = None) -> HubError:
    """The error for a refused decision. A missing relationship, or a refusal that must stay
    silent, looks like an unknown child: the hub does not confirm who is known to it."""
    code = decision.code
    if code == "PURPOSE_REQUIRED":
        return HubError(
            code,
            "X-Purpose-Of-Use: declare a purpose of use your role may use",
            field="X-Purpose-Of-Use",
        )
    if code == "FORBIDDEN":
        return HubError(
            code, f"{decision.action} of {decision.category} is not granted to you", field=field
        )
    if code == "CONSENT_REQUIRED":
        return HubError(code, f"{decision.category}: consent in scope is required", field=field)
    return NOT_FOUND
