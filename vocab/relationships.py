"""Kinds of legitimate relationship between an agency and a child (DESIGN §6.2)."""

from enum import StrEnum


class RelationshipKind(StrEnum):
    ENROLMENT = "enrolment"  # pupil on the school's roll
    ALLOCATION = "allocation"  # allocated worker / lead professional
    REGISTRATION = "registration"  # GP registration
    INCIDENT = "incident"  # police incident involving the child
    ENQUIRY = "enquiry"  # open MASH enquiry
    HOUSING_CASE = "housing_case"  # district housing case
    #: Not stored: an Encompass notification addressed to the agency about the child (the
    #: school on whose roll the child was, or the council), for reading and acknowledging it.
    NOTIFIED = "notified"
