"""Recorded sex of a child, as in the NHS data dictionary's person stated gender codes."""

from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INDETERMINATE = "indeterminate"
    NOT_KNOWN = "not_known"
