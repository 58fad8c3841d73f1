"""The grant step, three ways: Casbin's Enforcer, Casbin's FastEnforcer, the GrantTable.

    .venv/bin/python -m bench.policy_decision [--seed N] [--enforcer-samples N] ...

The policy has 2,000 lines: the default policy plus grants drawn at random from everything
validation accepts (a role in a kind of agency it can be held in, write actions only on
categories that kind can own, no aggregate-only purpose). So the extra lines have the shape
and the size of a grown real policy, not its sense. 10,000 users hold one or two roles
each in agencies of a Leicestershire-shaped area (one council, one force, the ICB and
providers, 300 schools, 7 districts), as ``g`` lines in both enforcers.

Decisions are drawn half from what the user's roles are granted somewhere (so allows are
timed, not only the denials that make Casbin scan every line) and half at random. Every
path decides the same drawn decisions; the slower paths time a prefix of them. The run
exits non-zero if any two paths disagree on any decision they both made.
"""

import argparse
import itertools
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from policies.grants import (
    Grant,
    GrantTable,
    add_role_assignment,
    enforce,
    load_enforcer,
    read_default_policy,
    validate_policy_lines,
)
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import OWNER_KINDS, Category
from vocab.purposes import Purpose
from vocab.roles import ROLE_AGENCY_KINDS, Role

POLICY_LINES = 2_000
USERS = 10_000

AGENCIES: dict[AgencyKind, list[str]] = {
    AgencyKind.COUNCIL: ["E10000018"],
    AgencyKind.POLICE: ["E23000021"],
    AgencyKind.HEALTH: ["QK1", "RWE", "RT5", *(f"C82{n:03d}" for n in range(1, 91))],
    AgencyKind.SCHOOL: [str(120_000 + n) for n in range(300)],
    AgencyKind.DISTRICT: [f"E07000{n}" for n in range(129, 136)],
}
#: How users spread over kinds of agency (schools and health are most of the users).
KIND_WEIGHTS = {
    AgencyKind.COUNCIL: 30,
    AgencyKind.POLICE: 15,
    AgencyKind.HEALTH: 25,
    AgencyKind.SCHOOL: 25,
    AgencyKind.DISTRICT: 5,
}


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    kind: AgencyKind
    code: str
    roles: frozenset[Role]


Decision = tuple[User, Category, Action, Purpose]
WARM_UP = (Category.IDENTITY, Action.READ, Purpose.AUDIT_DPO)


def random_grants(rng: random.Random, have: set[Grant], count: int) -> list[Grant]:
    """``count`` new grants, each one validation accepts."""
    extra: list[Grant] = []
    row_purposes = [p for p in Purpose if p is not Purpose.STATISTICS]
    while len(extra) < count:
        role = rng.choice(list(Role))
        kind = rng.choice(sorted(ROLE_AGENCY_KINDS[role]))
        category = rng.choice(list(Category))
        actions = [
            a
            for a in Action
            if a not in (Action.CREATE, Action.AMEND) or kind in OWNER_KINDS[category]
        ]
        grant = Grant(role, kind, category, rng.choice(actions), rng.choice(row_purposes))
        if grant not in have:
            have.add(grant)
            extra.append(grant)
    return extra


def random_users(rng: random.Random) -> list[User]:
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    by_kind = {kind: [r for r in Role if kind in ROLE_AGENCY_KINDS[r]] for kind in kinds}
    users = []
    for user_id in range(1, USERS + 1):
        kind = rng.choices(kinds, weights)[0]
        roles = rng.sample(by_kind[kind], k=min(len(by_kind[kind]), rng.choice((1, 1, 1, 2))))
        users.append(User(user_id, kind, rng.choice(AGENCIES[kind]), frozenset(roles)))
    return users


def random_decisions(
    rng: random.Random, users: list[User], grants: list[Grant], count: int
) -> list[Decision]:
    by_role: dict[Role, list[Grant]] = {}
    for grant in grants:
        by_role.setdefault(grant.role, []).append(grant)
    decisions: list[Decision] = []
    for _ in range(count):
        user = rng.choice(users)
        mine = [g for role in user.roles for g in by_role.get(role, ())]
        if mine and rng.random() < 0.5:
            g = rng.choice(mine)  # granted to one of the user's roles, in some kind
            decisions.append((user, g.category, g.action, g.purpose))
        else:
            decisions.append(
                (
                    user,
                    rng.choice(list(Category)),
                    rng.choice(list(Action)),
                    rng.choice(list(Purpose)),
                )
            )
    return decisions


def timed(
    decide: Callable[[Decision], bool], decisions: Sequence[Decision]
) -> tuple[float, list[bool]]:
    """Mean microseconds per decision, and the answers."""
    answers: list[bool] = []
    append = answers.append
    start = time.perf_counter_ns()
    for decision in decisions:
        append(decide(decision))
    elapsed = time.perf_counter_ns() - start
    return elapsed / 1_000 / len(decisions), answers


def _ratio(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.policy_decision")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--enforcer-samples", type=int, default=400)
    parser.add_argument("--fast-samples", type=int, default=5_000)
    parser.add_argument("--table-samples", type=int, default=200_000)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    default = validate_policy_lines(read_default_policy())
    extra = random_grants(rng, set(default), POLICY_LINES - len(default))
    lines = [g.line for g in [*default, *extra]]
    users = random_users(rng)

    started = time.perf_counter()
    enforcers: list[Any] = [load_enforcer(lines), load_enforcer(lines, fast=True)]
    for enforcer in enforcers:
        for user in users:
            for role in sorted(user.roles):
                add_role_assignment(enforcer, user.user_id, role, user.kind, user.code)
    load_seconds = time.perf_counter() - started
    plain, fast = enforcers
    # Casbin builds each agency's role manager on the first check there (quadratic in its
    # users in pycasbin 2.8); build them all before timing, so Casbin is timed warm.
    started = time.perf_counter()
    first_user = {(u.kind, u.code): u for u in reversed(users)}
    for enforcer in enforcers:
        for user in first_user.values():
            enforce(enforcer, user.user_id, user.kind, user.code, *WARM_UP)
    warm_seconds = time.perf_counter() - started

    started = time.perf_counter()
    table = GrantTable.from_enforcer(plain)
    compile_ms = (time.perf_counter() - started) * 1_000

    samples = max(args.enforcer_samples, args.fast_samples, args.table_samples)
    decisions = random_decisions(rng, users, [*default, *extra], samples)

    def casbin_path(enforcer: Any) -> Callable[[Decision], bool]:
        def decide(d: Decision) -> bool:
            user, category, action, purpose = d
            return enforce(enforcer, user.user_id, user.kind, user.code, category, action, purpose)

        return decide

    def table_path(d: Decision) -> bool:
        user, category, action, purpose = d
        return table.allows(user.roles, user.kind, category, action, purpose)

    def request_path(d: Decision) -> bool:
        # what a request does: the principal's grants once (remembered), then membership
        user, category, action, purpose = d
        return (category, action, purpose) in table.grants_for(user.roles, user.kind)

    rows = [
        ("casbin.Enforcer", args.enforcer_samples, casbin_path(plain)),
        ("casbin.FastEnforcer (indexed by category, action)", args.fast_samples, casbin_path(fast)),
        ("GrantTable.allows", args.table_samples, table_path),
        ("GrantTable.grants_for + membership", args.table_samples, request_path),
    ]
    results = [(name, n, *timed(decide, decisions[:n])) for name, n, decide in rows]

    disagreements = 0
    for (name, _, _, answers), (other, _, _, theirs) in itertools.pairwise(results):
        for i, (a, b) in enumerate(zip(answers, theirs, strict=False)):
            if a is not b:
                disagreements += 1
                print(f"DISAGREE {name} vs {other} on decision {i}: {a} != {b}", file=sys.stderr)
    reference = results[2][2]
    allowed = sum(results[2][3]) / len(results[2][3])

    print(f"`python -m bench.policy_decision --seed {args.seed}`")
    print()
    print(
        f"{len(lines):,} policy lines ({len(default)} default + {len(extra):,} random valid), "
        f"{len(users):,} users, {sum(len(u.roles) for u in users):,} role assignments; "
        f"{allowed:.0%} of decisions allowed. Enforcers loaded in {load_seconds:.1f} s "
        f"and warmed in {warm_seconds:.1f} s; "
        f"GrantTable compiled from the enforcer in {compile_ms:.0f} ms."
    )
    print()
    print("| path | decisions timed | µs per decision | ratio to GrantTable.allows |")
    print("|---|---:|---:|---:|")
    for name, n, micros, _ in results:
        print(f"| {name} | {n:,} | {micros:,.2f} | {_ratio(micros / reference)} |")
    print()
    if disagreements:
        print(f"FAIL: {disagreements} disagreements between paths", file=sys.stderr)
        return 1
    print("All paths gave the same answer on every decision they shared.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
