"""The sharing policy in force in this process, as a compiled ``GrantTable``.

A request takes the table once, at its start, so it is decided under one policy version
from beginning to end. ``install`` swaps in a new table (policy administration, reload).
"""

from policies.grants import GrantTable, load_enforcer

_current: GrantTable | None = None


def current() -> GrantTable:
    """The table in force; the default policy until another is installed."""
    global _current
    if _current is None:
        _current = GrantTable.from_enforcer(load_enforcer())
    return _current


def install(table: GrantTable) -> None:
    global _current
    _current = table
