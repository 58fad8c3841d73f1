"""SQLAlchemy models, the engine and the Alembic migrations (``db/migrations``)."""

from db.access import BreakGlass, Notification, PolicyVersion
from db.agencies import Agency, AgencySuccession, User, UserRole
from db.audit import AuditAccess, AuditCheckpoint, AuditEvent, AuditHead
from db.base import Base
from db.children import (
    Address,
    Adult,
    Child,
    ChildIdentifier,
    Household,
    HouseholdAdult,
    HouseholdChild,
)
from db.consents import Consent, SharingDecision, StatutorySharing
from db.encompass import (
    EncompassChild,
    EncompassIncident,
    EncompassNotification,
    SchoolClosure,
    SchoolTerm,
)
from db.mash import Enquiry, EnquiryChild, EnquiryDecision, InformationRequest
from db.records import Record, RecordVersion
from db.relationships import ChildRelationship

__all__ = [
    "Address",
    "Adult",
    "Agency",
    "AgencySuccession",
    "AuditAccess",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BreakGlass",
    "Child",
    "ChildIdentifier",
    "ChildRelationship",
    "Consent",
    "EncompassChild",
    "EncompassIncident",
    "EncompassNotification",
    "Enquiry",
    "EnquiryChild",
    "EnquiryDecision",
    "Household",
    "HouseholdAdult",
    "HouseholdChild",
    "InformationRequest",
    "Notification",
    "PolicyVersion",
    "Record",
    "RecordVersion",
    "SchoolClosure",
    "SchoolTerm",
    "SharingDecision",
    "StatutorySharing",
    "User",
    "UserRole",
]
