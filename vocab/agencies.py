"""Kinds of partner agency (DESIGN §4)."""

from enum import StrEnum


class AgencyKind(StrEnum):
    COUNCIL = "council"
    POLICE = "police"
    HEALTH = "health"
    SCHOOL = "school"
    DISTRICT = "district"
