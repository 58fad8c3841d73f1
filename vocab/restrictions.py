"""Restrictions on a record (DESIGN §6.4)."""

from enum import StrEnum


class Restriction(StrEnum):
    NONE = "none"
    SEALED = "sealed"  # visible to the owning agency only
    COVERT = "covert"  # covert police interest: police only, until its disclosure date
