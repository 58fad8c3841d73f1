"""docs/policy.md is the rendered default policy, never hand-edited and never stale."""

from pathlib import Path

import pytest

from policies.grants import Grant, read_default_policy
from policies.table import main, render_policy_table
from vocab.actions import Action
from vocab.agencies import AgencyKind
from vocab.categories import Category
from vocab.purposes import Purpose
from vocab.roles import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def test_docs_policy_md_is_in_sync_with_the_policy() -> None:
    rendered = render_policy_table(read_default_policy())
    assert DOC.read_text(encoding="utf-8") == rendered, (
        "docs/policy.md is stale: run .venv/bin/python -m policies.table > docs/policy.md"
    )


def test_the_module_writes_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    main()
    assert capsys.readouterr().out == DOC.read_text(encoding="utf-8")


def test_a_change_of_policy_changes_the_table() -> None:
    lines = read_default_policy()
    extra = Grant(
        Role.GP, AgencyKind.HEALTH, Category.EDUCATION_EHCP, Action.READ, Purpose.DIRECT_CARE
    )
    assert render_policy_table([*lines, extra.line]) != render_policy_table(lines)


def test_the_table_shows_each_grant_once_per_role_and_kind() -> None:
    lines = [
        "# Data protection officers:",
        "#   subject access requests.",
        Grant(Role.DPO, AgencyKind.POLICE, Category.IDENTITY, Action.READ, Purpose.AUDIT_DPO).line,
        Grant(Role.DPO, AgencyKind.SCHOOL, Category.IDENTITY, Action.READ, Purpose.AUDIT_DPO).line,
        Grant(
            Role.GP, AgencyKind.HEALTH, Category.IDENTITY, Action.AMEND, Purpose.DIRECT_CARE
        ).line,
        Grant(Role.GP, AgencyKind.HEALTH, Category.IDENTITY, Action.READ, Purpose.DIRECT_CARE).line,
    ]
    table = render_policy_table(lines)
    # kinds with identical grants share one table; actions are listed in vocabulary order
    assert "### dpo in police, school\n" in table
    # the comment above a role's first line becomes its prose
    assert "## dpo\n\nData protection officers: subject access requests.\n" in table
    assert "| identity | read |" in table
    assert "### gp in health\n" in table
    assert "| identity | read, amend |" in table
    # what no line grants is called out
    assert "Roles with no row-level grant:" in table
    assert "Purposes never granted at row level:" in table
    assert "social_worker" in table.split("## ")[0]
