"""Actions a principal may take on a category of record (DESIGN §6)."""

from enum import StrEnum


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    AMEND = "amend"
    NOTIFY = "notify"
    ACKNOWLEDGE = "acknowledge"
