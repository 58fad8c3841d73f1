"""Policy administration (DESIGN §6.1: policy is data, editable by partnership
administrators): who may read and change the policy, and what a change makes of it.

A change adds or revokes one grant and gives the new policy in full, in canonical form
(the sorted ``p`` lines, one a line), validated as any policy is (``validate_policy_lines``)
and identified by its digest (``policy_version``). Writing it, as a new version, and
putting it in force are the resolver's and ``policies.store``'s work. Refusals are
``PolicyChangeError`` values with a stable code; their messages name the field at fault and
the validator's reason, never a person.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from policies.grants import Grant, policy_version, validate_policy_lines
from policies.principal import Principal
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.roles import Role

#: Who may change the policy: it governs every agency, so the partnership's administrators.
ADMINISTERING_ROLES: Final = frozenset({Role.PARTNERSHIP_ADMIN})
#: Who may read it as well: the data protection officer oversees what is shared.
READING_ROLES: Final = ADMINISTERING_ROLES | {Role.DPO}

MIN_NOTE: Final = 5
MAX_NOTE: Final = 500


def may_administer(principal: Principal) -> bool:
    """Whether the caller may grant and revoke (no purpose of use: it touches no child)."""
    return not principal.roles.isdisjoint(ADMINISTERING_ROLES)


def may_read_policy(principal: Principal) -> bool:
    """Whether the caller may read the policy in force."""
    return not principal.roles.isdisjoint(READING_ROLES)


class Change(StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"


class PolicyChangeError(Exception):
    """A refused change: ``code`` for ``extensions.code``, a message naming the field."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Policy:
    """A whole policy: its canonical text, its digest and its grants in display order."""

    lines: str
    digest: str
    grants: tuple[Grant, ...]


_ORDER: Final = {
    enum: {member: index for index, member in enumerate(enum)}
    for enum in (Role, AgencyKind, Category, Action, Purpose)
}


def display_order(grant: Grant) -> tuple[int, ...]:
    """Grants by role, agency kind, category, action and purpose, as the vocabulary lists them."""
    return (
        _ORDER[Role][grant.role],
        _ORDER[AgencyKind][grant.agency_kind],
        _ORDER[Category][grant.category],
        _ORDER[Action][grant.action],
        _ORDER[Purpose][grant.purpose],
    )


def canonical_lines(grants: Iterable[Grant]) -> str:
    """The canonical text of a policy: its sorted ``p`` lines, one a line."""
    return "".join(f"{line}\n" for line in sorted({grant.line for grant in grants}))


def parse_policy(lines: str | Iterable[str]) -> Policy:
    """A policy from its text (a stored version or the default file); ``PolicyChangeError``
    ``INVALID_POLICY`` with the validator's message if it is not valid."""
    text = lines.splitlines() if isinstance(lines, str) else list(lines)
    try:
        grants = validate_policy_lines(text)
    except ValueError as exc:
        raise PolicyChangeError("INVALID_POLICY", str(exc), field="input") from None
    return Policy(
        lines=canonical_lines(grants),
        digest=policy_version(text),
        grants=tuple(sorted(grants, key=display_order)),
    )


def check_note(note: str) -> str:
    """The note explaining a change, trimmed: ``MIN_NOTE`` to ``MAX_NOTE`` characters."""
    text = note.strip()
    if not MIN_NOTE <= len(text) <= MAX_NOTE:
        raise PolicyChangeError(
            "INVALID_NOTE", f"note: write {MIN_NOTE} to {MAX_NOTE} characters", field="note"
        )
    return text


def check_expected(expected: str | None, actual: str) -> None:
    """Refuse a change made against a version other than the one in force (lost update)."""
    if expected is not None and expected != actual:
        raise PolicyChangeError(
            "VERSION_CONFLICT",
            "expectedVersion: the policy has changed since you read it",
            field="expectedVersion",
        )


def apply_change(policy: Policy, change: Change, grant: Grant) -> Policy:
    """The policy with ``grant`` added or revoked, validated in full.

    ``GRANT_EXISTS`` for granting what is granted, ``GRANT_NOT_FOUND`` for revoking what
    is not, ``INVALID_POLICY`` (the validator's message) for a grant the sharing rules
    forbid, such as creating a category the role's kind of agency cannot own.
    """
    grants = set(policy.grants)
    if change is Change.GRANT:
        if grant in grants:
            raise PolicyChangeError(
                "GRANT_EXISTS", "input: the policy already grants this", field="input"
            )
        grants.add(grant)
    else:
        if grant not in grants:
            raise PolicyChangeError(
                "GRANT_NOT_FOUND", "input: the policy does not grant this", field="input"
            )
        grants.remove(grant)
    return parse_policy(canonical_lines(grants).splitlines())


def filter_grants(grants: Iterable[Grant], role: Role | None) -> list[Grant]:
    return [grant for grant in grants if role is None or grant.role is role]
