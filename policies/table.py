"""The sharing policy as a readable table, for docs/policy.md.

``python -m policies.table > docs/policy.md`` writes it from the default policy file; a test
fails when the committed page and the policy drift apart.
"""

import sys
from collections import defaultdict
from collections.abc import Iterable

from policies.grants import DEFAULT_POLICY_PATH, Grant, policy_version, validate_policy_lines
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.roles import Role

_Cells = dict[tuple[Category, Purpose], set[Action]]


def _actions(actions: Iterable[Action]) -> str:
    held = set(actions)
    return ", ".join(action.value for action in Action if action in held)


def _section(role: Role, kinds: list[AgencyKind], cells: _Cells) -> list[str]:
    purposes = [purpose for purpose in Purpose if any(p is purpose for _, p in cells)]
    categories = [category for category in Category if any(c is category for c, _ in cells)]
    heading = f"### {role.value} in {', '.join(kind.value for kind in kinds)}"
    lines = [heading, "", "| category | " + " | ".join(p.value for p in purposes) + " |"]
    lines.append("|---" * (1 + len(purposes)) + "|")
    for category in categories:
        row = [_actions(cells.get((category, purpose), ())) for purpose in purposes]
        lines.append(f"| {category.value} | " + " | ".join(row) + " |")
    lines.append("")
    return lines


def _notes(lines: Iterable[str]) -> dict[Role, str]:
    """The comment block written directly above each role's first line, as prose."""
    notes: dict[Role, str] = {}
    pending: list[str] = []
    for raw in lines:
        line = raw.strip()
        if line.startswith("#"):
            pending.append(line.lstrip("#").strip())
        elif not line:
            pending = []
        else:
            role = Role(line.split(",")[1].strip())
            if pending and role not in notes:
                notes[role] = " ".join(pending)
            pending = []
    return notes


def render_policy_table(lines: Iterable[str]) -> str:
    """Markdown: per role and agency kind, category x purpose -> actions."""
    text = list(lines)
    grants: list[Grant] = validate_policy_lines(text)
    notes = _notes(text)
    cells: dict[tuple[Role, AgencyKind], _Cells] = defaultdict(lambda: defaultdict(set))
    for grant in grants:
        cells[grant.role, grant.agency_kind][grant.category, grant.purpose].add(grant.action)

    used_roles = {grant.role for grant in grants}
    used_purposes = {grant.purpose for grant in grants}
    out = [
        "# Sharing policy",
        "",
        f"Generated from `policies/{DEFAULT_POLICY_PATH.name}` by "
        "`.venv/bin/python -m policies.table > docs/policy.md`; do not edit by hand.",
        "",
        f"Policy version `{policy_version(text)}`, {len(grants)} grants.",
        "",
        "This is the grant step of the access decision (DESIGN §6.1) only: a grant is",
        "necessary, never sufficient. A legitimate relationship with the child, the lawful",
        "basis (consent for consent-based categories) and restrictions on the record are",
        "checked after it. Deny by default: what is not listed is refused.",
        "",
        "Each table is one role in the agency kinds named; a row is a category, a column a",
        "declared purpose, a cell the actions granted.",
        "",
    ]
    ungranted_roles = [role.value for role in Role if role not in used_roles]
    ungranted_purposes = [purpose.value for purpose in Purpose if purpose not in used_purposes]
    out += [
        f"Roles with no row-level grant: {', '.join(ungranted_roles) or 'none'}.",
        f"Purposes never granted at row level: {', '.join(ungranted_purposes) or 'none'}.",
        "",
    ]

    for role in Role:
        # Kinds in which the role holds exactly the same grants share one table.
        groups: dict[frozenset[tuple[Category, Purpose, Action]], list[AgencyKind]] = {}
        for kind in AgencyKind:
            role_cells = cells.get((role, kind))
            if not role_cells:
                continue
            signature = frozenset((c, p, a) for (c, p), acts in role_cells.items() for a in acts)
            groups.setdefault(signature, []).append(kind)
        if not groups:
            continue
        out += [f"## {role.value}", ""]
        if role in notes:
            out += [notes[role], ""]
        for kinds in groups.values():
            out += _section(role, kinds, cells[role, kinds[0]])
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> None:
    lines = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").splitlines()
    sys.stdout.write(render_policy_table(lines))


if __name__ == "__main__":
    main()
