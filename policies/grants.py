"""The grant step of the access decision (DESIGN §6.1), with Casbin as the source of truth.

The policy is a Casbin model (``casbin_model.conf``: RBAC with domains plus a purpose) and
a list of grants (``default_policy.csv``, one ``p`` line each)::

    p, <role>, <agency kind>:*, <category>, <action>, <purpose>

Casbin answers ``enforce("user:<id>", "<kind>:<code>", category, action, purpose)`` by
scanning every policy line, which costs milliseconds at realistic sizes. The request path
asks a ``GrantTable`` instead: the same policy compiled, from the enforcer's own current
rules, into a dictionary, so one answer costs a dictionary lookup. The differential tests
(``tests/policies/test_grants.py``) prove that the table gives exactly Casbin's answer.

What makes the compilation exact, and what it therefore refuses (``ValueError`` naming the
rule, never a silent mis-compilation):

- every grant's domain is a pattern ``<agency kind>:*`` for an ``AgencyKind``. Casbin's
  ``keyMatch("<kind>:<code>", "<kind>:*")`` holds exactly when the request's agency is of
  that kind, so the table keys grants by agency kind. Exact domains, bare ``*`` and other
  patterns are refused;
- every grant's subject is a ``Role`` (a user id or role hierarchy would need the role
  graph, which the table does not model) and every other field a vocabulary member;
- role assignments (``g`` lines, from the hub's user_roles table) link a ``user:<id>`` to a
  ``Role`` in one exact agency domain: no patterns, no role-to-role inheritance. No domain
  matching function is registered, so a role held in one council is held in that council
  only. The caller passes the roles its principal holds in the agency it acts for.

The sharing rules are checked too (``validate_policy_lines``): a role is granted only in
the agency kinds it can be held in (``ROLE_AGENCY_KINDS``), create and amend only on
categories that kind of agency can own (``OWNER_KINDS``), and the statistics purpose,
aggregate only, never at row level.

Only this module touches Casbin (CONVENTIONS).
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Final, TypeVar

import casbin

from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.purposes import Purpose
from vocab.roles import ROLE_AGENCY_KINDS, Role

MODEL_PATH: Final = Path(__file__).with_name("casbin_model.conf")
DEFAULT_POLICY_PATH: Final = Path(__file__).with_name("default_policy.csv")

#: The fields of a ``p`` line after its type, as named in the model.
FIELDS: Final = ("sub", "dom", "obj", "act", "purpose")
USER_PREFIX: Final = "user:"
KIND_PATTERN_SUFFIX: Final = ":*"

#: Which request fields Casbin's FastEnforcer indexes its policy by: obj, act.
FAST_KEY_ORDER: Final = (2, 3)
#: Actions that write a record: only an agency of an owning kind may take them (DESIGN §5).
WRITE_ACTIONS: Final = frozenset({Action.CREATE, Action.AMEND})
#: Purposes that may never be granted at row level (DESIGN §6: statistics is aggregate only).
AGGREGATE_ONLY_PURPOSES: Final = frozenset({Purpose.STATISTICS})

PolicyRule = tuple[str, str, str, str, str]
_E = TypeVar("_E", bound=StrEnum)

_ROLE_ORDER: Final = {role: index for index, role in enumerate(Role)}


@dataclass(frozen=True, slots=True)
class Grant:
    """One policy line: ``role``, held in an agency of ``agency_kind``, may ``action`` a
    record of ``category`` for ``purpose``."""

    role: Role
    agency_kind: AgencyKind
    category: Category
    action: Action
    purpose: Purpose

    @property
    def rule_id(self) -> str:
        """The stable id the audit event records for this grant."""
        return f"grant:{self.role}:{self.agency_kind}:{self.category}:{self.action}:{self.purpose}"

    @property
    def rule(self) -> PolicyRule:
        """The Casbin policy rule (the ``p`` line's fields)."""
        return (
            self.role.value,
            domain_pattern(self.agency_kind),
            self.category.value,
            self.action.value,
            self.purpose.value,
        )

    @property
    def line(self) -> str:
        return "p, " + ", ".join(self.rule)


# --- Casbin request and policy values --------------------------------------------------


def subject(user_id: int | str) -> str:
    """The Casbin subject for a user."""
    return f"{USER_PREFIX}{user_id}"


def domain(agency_kind: AgencyKind, agency_code: str) -> str:
    """The Casbin domain for one agency, e.g. ``council:E10000018``."""
    if not agency_code or "*" in agency_code:
        raise ValueError("agency code must be non-empty and contain no '*'")
    return f"{agency_kind.value}:{agency_code}"


def domain_pattern(agency_kind: AgencyKind) -> str:
    """The policy domain that matches every agency of a kind, e.g. ``council:*``."""
    return f"{agency_kind.value}{KIND_PATTERN_SUFFIX}"


# --- Reading and validating policy lines -----------------------------------------------


def read_default_policy() -> list[str]:
    """The lines of the default policy file, comments included."""
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8").splitlines()


def parse_policy_lines(lines: Iterable[str]) -> list[tuple[int, PolicyRule]]:
    """Split policy text into rules, with their 1-based line numbers.

    Blank lines and ``#`` comments are skipped, as Casbin's file adapter skips them. Every
    other line must be a ``p`` line with the five fields of the model; role assignments
    (``g`` lines) do not belong in the policy file.
    """
    rules: list[tuple[int, PolicyRule]] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        fields = [field.strip() for field in text.split(",")]
        if fields[0] != "p":
            raise ValueError(f"policy line {number}: only 'p' lines belong in the policy")
        if len(fields) != 1 + len(FIELDS):
            raise ValueError(
                f"policy line {number}: expected {len(FIELDS)} fields "
                f"({', '.join(FIELDS)}), found {len(fields) - 1}"
            )
        sub, dom, obj, act, purpose = fields[1:]
        rules.append((number, (sub, dom, obj, act, purpose)))
    return rules


def _member(enum: type[_E], value: str, where: str, field: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise ValueError(f"{where}, field {field!r}: {value!r} is not a {enum.__name__}") from None


def _grant(rule: Sequence[str], where: str) -> Grant:
    """One rule as a ``Grant``, or ``ValueError`` naming ``where`` and the field at fault."""
    if len(rule) != len(FIELDS):
        raise ValueError(f"{where}: expected {len(FIELDS)} fields, found {len(rule)}")
    sub, dom, obj, act, purpose = rule
    role = _member(Role, sub, where, "sub")
    if not dom.endswith(KIND_PATTERN_SUFFIX):
        raise ValueError(f"{where}, field 'dom': {dom!r} is not an '<agency kind>:*' pattern")
    kind = _member(AgencyKind, dom.removesuffix(KIND_PATTERN_SUFFIX), where, "dom")
    grant = Grant(
        role=role,
        agency_kind=kind,
        category=_member(Category, obj, where, "obj"),
        action=_member(Action, act, where, "act"),
        purpose=_member(Purpose, purpose, where, "purpose"),
    )
    if kind not in ROLE_AGENCY_KINDS[role]:
        raise ValueError(f"{where}, field 'dom': role {role} is not held in {kind} agencies")
    if grant.action in WRITE_ACTIONS and kind not in OWNER_KINDS[grant.category]:
        raise ValueError(
            f"{where}, field 'act': {kind} agencies cannot own {grant.category}, "
            f"so may not {grant.action} it"
        )
    if grant.purpose in AGGREGATE_ONLY_PURPOSES:
        raise ValueError(
            f"{where}, field 'purpose': {grant.purpose} is aggregate only, never a row-level grant"
        )
    return grant


def _grants(numbered: Iterable[tuple[str, Sequence[str]]]) -> list[Grant]:
    grants: list[Grant] = []
    first_seen: dict[Grant, str] = {}
    for where, rule in numbered:
        grant = _grant(rule, where)
        if grant in first_seen:
            raise ValueError(f"{where}: duplicates {first_seen[grant]}")
        first_seen[grant] = where
        grants.append(grant)
    return grants


def validate_policy_lines(lines: Iterable[str]) -> list[Grant]:
    """The grants of a policy file, or ``ValueError`` naming the first bad line and field.

    Refused: a value that is not a vocabulary member; a domain that is not a kind pattern;
    a role granted in a kind of agency it cannot be held in (``ROLE_AGENCY_KINDS``); create
    or amend of a category that kind of agency cannot own (``OWNER_KINDS``); a row-level
    grant for an aggregate-only purpose; a duplicate line.
    """
    return _grants((f"policy line {number}", rule) for number, rule in parse_policy_lines(lines))


def validate_rules(rules: Iterable[Sequence[str]]) -> list[Grant]:
    """As ``validate_policy_lines``, for rules already split into fields (Casbin's form)."""
    return _grants((f"policy rule {number}", rule) for number, rule in enumerate(rules, start=1))


def _version(rules: Iterable[Sequence[str]]) -> str:
    canonical = sorted({"p, " + ", ".join(rule) for rule in rules})
    return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()


def policy_version(lines: Iterable[str]) -> str:
    """A stable content hash of a policy: sha256 of its canonical, sorted ``p`` lines.

    Comments, blank lines, spacing and order do not change it; any grant added, removed or
    changed does. ``GrantTable.version`` is the same hash of the enforcer's current rules.
    """
    return _version(rule for _, rule in parse_policy_lines(lines))


# --- The enforcer ------------------------------------------------------------------------


def load_enforcer(policy_lines: Iterable[str] | None = None, *, fast: bool = False) -> Any:
    """A ``casbin.Enforcer`` for the hub's model and a policy, validated first.

    Without ``policy_lines`` the default policy file is loaded through Casbin's own file
    adapter (so ``enforcer.load_policy()`` re-reads it); given lines are added as rules. An
    invalid policy raises ``ValueError`` and never reaches an enforcer. Role assignments are
    added afterwards with ``add_role_assignment``.

    ``fast`` gives Casbin's ``FastEnforcer`` instead, which indexes the policy by category
    and action and matches only the lines under the request's (bench/policy_decision.py
    compares the three paths). Not by purpose as well: pycasbin 2.8's ``FastPolicy`` lists
    its rules correctly only for a two-field key, and ``get_policy`` must stay exact.
    """
    if policy_lines is None:
        validate_policy_lines(read_default_policy())
        if fast:
            return casbin.FastEnforcer(
                str(MODEL_PATH), str(DEFAULT_POLICY_PATH), cache_key_order=FAST_KEY_ORDER
            )
        return casbin.Enforcer(str(MODEL_PATH), str(DEFAULT_POLICY_PATH))
    grants = validate_policy_lines(policy_lines)
    if fast:
        enforcer = casbin.FastEnforcer(str(MODEL_PATH), cache_key_order=FAST_KEY_ORDER)
    else:
        enforcer = casbin.Enforcer(str(MODEL_PATH))
    if grants:
        enforcer.add_policies([list(grant.rule) for grant in grants])
    return enforcer


def add_role_assignment(
    enforcer: Any, user_id: int | str, role: Role, agency_kind: AgencyKind, agency_code: str
) -> bool:
    """Record that a user holds ``role`` in one agency (a ``g`` line). False if already held."""
    return bool(
        enforcer.add_grouping_policy(subject(user_id), role.value, domain(agency_kind, agency_code))
    )


def enforce(
    enforcer: Any,
    user_id: int | str,
    agency_kind: AgencyKind,
    agency_code: str,
    category: Category,
    action: Action,
    purpose: Purpose,
) -> bool:
    """Casbin's own answer: the reference the ``GrantTable`` is measured against."""
    return bool(
        enforcer.enforce(
            subject(user_id),
            domain(agency_kind, agency_code),
            category.value,
            action.value,
            purpose.value,
        )
    )


def _check_role_assignments(rows: Iterable[Sequence[str]]) -> None:
    """Role assignments must be plain: ``user:<id>``, a ``Role``, one exact agency domain."""
    for number, row in enumerate(rows, start=1):
        where = f"role assignment {number}"
        if len(row) != 3:
            raise ValueError(f"{where}: expected 3 fields (user, role, domain), found {len(row)}")
        user, role, dom = row
        if not user.startswith(USER_PREFIX) or len(user) == len(USER_PREFIX):
            raise ValueError(f"{where}, field 'user': not a 'user:<id>' subject")
        _member(Role, role, where, "role")
        kind, separator, code = dom.partition(":")
        _member(AgencyKind, kind, where, "domain")
        if not separator or not code or "*" in code:
            raise ValueError(f"{where}, field 'domain': {dom!r} is not one exact agency")


# --- The compiled table ------------------------------------------------------------------

_Key = tuple[AgencyKind, Category, Action, Purpose]
_Allowed = frozenset[tuple[Category, Action, Purpose]]


class GrantTable:
    """The enforcer's current policy, compiled for the request path. Immutable.

    Build a new one whenever the policy changes (``from_enforcer``) and swap it in; a table
    never changes under a request that holds it. ``version`` identifies the policy it was
    built from, for the audit event.
    """

    __slots__ = ("_memo", "_roles", "grants", "version")

    #: Principals' grants remembered at most, by (kind, roles); a handful in practice.
    memo_limit: ClassVar[int] = 4096

    grants: frozenset[Grant]
    version: str

    def __init__(self, grants: Iterable[Grant]) -> None:
        self.grants = frozenset(grants)
        self.version = _version(grant.rule for grant in self.grants)
        by_key: dict[_Key, set[Role]] = {}
        for grant in self.grants:
            key = (grant.agency_kind, grant.category, grant.action, grant.purpose)
            by_key.setdefault(key, set()).add(grant.role)
        #: For each request, the roles granted it, in ``Role`` declaration order.
        self._roles: Final[dict[_Key, tuple[Role, ...]]] = {
            key: tuple(sorted(roles, key=_ROLE_ORDER.__getitem__)) for key, roles in by_key.items()
        }
        self._memo: Final[dict[tuple[AgencyKind, frozenset[Role]], _Allowed]] = {}

    @classmethod
    def from_enforcer(cls, enforcer: Any) -> "GrantTable":
        """Compile the enforcer's current policy, or ``ValueError`` if it is outside the
        shape the table can reproduce exactly (see the module docstring)."""
        grants = validate_rules(enforcer.get_policy())
        _check_role_assignments(enforcer.get_grouping_policy())
        return cls(grants)

    def __len__(self) -> int:
        return len(self.grants)

    def allows(
        self,
        roles: Iterable[Role],
        agency_kind: AgencyKind,
        category: Category,
        action: Action,
        purpose: Purpose,
    ) -> bool:
        """Whether a user holding ``roles`` in an agency of ``agency_kind`` is granted this.

        ``roles`` are the roles held in the agency the user acts for, nothing else.
        """
        granted = self._roles.get((agency_kind, category, action, purpose))
        if granted is None:
            return False
        held = roles if isinstance(roles, frozenset | set) else frozenset(roles)
        return any(role in held for role in granted)

    def rule_for(
        self,
        roles: Iterable[Role],
        agency_kind: AgencyKind,
        category: Category,
        action: Action,
        purpose: Purpose,
    ) -> str | None:
        """The id of the grant that allows this, or None if none does.

        When several of the user's roles are granted it, the first in ``Role`` declaration
        order names the rule, so the same request always records the same id.
        """
        granted = self._roles.get((agency_kind, category, action, purpose))
        if granted is None:
            return None
        held = roles if isinstance(roles, frozenset | set) else frozenset(roles)
        for role in granted:
            if role in held:
                return Grant(role, agency_kind, category, action, purpose).rule_id
        return None

    def grants_for(
        self, roles: Iterable[Role], agency_kind: AgencyKind
    ) -> frozenset[tuple[Category, Action, Purpose]]:
        """Everything a user holding ``roles`` in an agency of ``agency_kind`` is granted.

        Remembered per (kind, roles): a request computes it once and tests membership for
        every child and category it touches.
        """
        key = (agency_kind, frozenset(roles))
        allowed = self._memo.get(key)
        if allowed is None:
            allowed = frozenset(
                (grant.category, grant.action, grant.purpose)
                for grant in self.grants
                if grant.agency_kind is agency_kind and grant.role in key[1]
            )
            if len(self._memo) >= self.memo_limit:
                self._memo.clear()
            self._memo[key] = allowed
        return allowed

    def purposes_for(self, roles: Iterable[Role], agency_kind: AgencyKind) -> frozenset[Purpose]:
        """The purposes such a user may declare at all (any grant names them)."""
        return frozenset(purpose for _, _, purpose in self.grants_for(roles, agency_kind))
