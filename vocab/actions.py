"""Actions a principal may take on a category of record (DESIGN §6)."""

from enum import StrEnum


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    AMEND = "amend"
    NOTIFY = "notify"
    ACKNOWLEDGE = "acknowledge"
    #: Override the relationship requirement for one child, with a written justification
    #: (granted on ``identity``: the policy names who may break glass, for which purpose).
    BREAK_GLASS = "break_glass"
