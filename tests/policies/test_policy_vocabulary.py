"""CONVENTIONS: the Casbin policy names only vocabulary members, and uses every member.

A new role, category, action, purpose or agency kind must either be granted somewhere in
``policies/default_policy.csv`` or be added below, with the reason it is deliberately
never granted.
"""

from enum import StrEnum

import pytest

from policies.grants import KIND_PATTERN_SUFFIX, parse_policy_lines, read_default_policy
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.roles import Role

#: Members no policy line may name, and why. Keep it short: each entry is a decision.
DELIBERATELY_UNUSED: dict[StrEnum, str] = {
    # DESIGN §6: statistics is aggregate only, never row-level; validation refuses it.
    Purpose.STATISTICS: "aggregate only",
    # DESIGN §2: maintains agencies, users' roles, agreements and policy; sees no child.
    Role.PARTNERSHIP_ADMIN: "administration only",
}

VOCABULARY: list[type[StrEnum]] = [Role, AgencyKind, Category, Action, Purpose]


def named_in_policy() -> dict[type[StrEnum], set[str]]:
    """Every value each field of the default policy names, by the enum it must belong to."""
    named: dict[type[StrEnum], set[str]] = {enum: set() for enum in VOCABULARY}
    for _, (sub, dom, obj, act, purpose) in parse_policy_lines(read_default_policy()):
        named[Role].add(sub)
        named[AgencyKind].add(dom.removesuffix(KIND_PATTERN_SUFFIX))
        named[Category].add(obj)
        named[Action].add(act)
        named[Purpose].add(purpose)
    return named


def test_every_domain_is_a_kind_pattern() -> None:
    domains = {rule[1] for _, rule in parse_policy_lines(read_default_policy())}
    assert all(d.endswith(KIND_PATTERN_SUFFIX) for d in domains), domains


@pytest.mark.parametrize("enum", VOCABULARY, ids=lambda enum: enum.__name__)
def test_policy_names_only_enum_members(enum: type[StrEnum]) -> None:
    members = {member.value for member in enum}
    assert named_in_policy()[enum] - members == set()


@pytest.mark.parametrize("enum", VOCABULARY, ids=lambda enum: enum.__name__)
def test_every_enum_member_is_used_by_policy(enum: type[StrEnum]) -> None:
    named = named_in_policy()[enum]
    unused = {member for member in enum if member.value not in named}
    allowed = {member for member in DELIBERATELY_UNUSED if isinstance(member, enum)}
    # both ways: a new unused member fails, and so does a stale entry in the allow-list
    assert unused == allowed
