"""Machine-readable reasons for a decision; they reach the audit event, and through
``CALLER_CODES`` the ``extensions.code`` a caller sees."""

from enum import StrEnum


class Reason(StrEnum):
    GRANTED = "granted"
    PURPOSE_MISSING = "purpose_missing"
    PURPOSE_NOT_PERMITTED = "purpose_not_permitted"
    NO_GRANT = "no_grant"
    RELATIONSHIP = "relationship"
    CP_IS_FLAG = "cp_is_flag"
    BREAK_GLASS = "break_glass"
    #: A DPO or Caldicott guardian answering for the audit log (subject access, an access
    #: history) reaches a child's identity without a relationship.
    AUDIT_DUTY = "audit_duty"
    NO_RELATIONSHIP = "no_relationship"
    NOT_RECORD_OWNER = "not_record_owner"
    CONSENT = "consent"
    CONSENT_REQUIRED = "consent_required"
    STATUTORY_BASIS = "statutory_basis"
    STATUTORY_OVERRIDE = "statutory_override"
    RECORD_SEALED = "record_sealed"
    COVERT_INTEREST = "covert_interest"
    NOT_SHARED = "not_shared"


#: What a caller is told. Reasons absent here are never told: a sealed record, a covert
#: interest or a decision not to share is simply not there, so its existence is not disclosed.
CALLER_CODES: dict[Reason, str] = {
    Reason.PURPOSE_MISSING: "PURPOSE_REQUIRED",
    Reason.PURPOSE_NOT_PERMITTED: "PURPOSE_REQUIRED",
    Reason.NO_GRANT: "FORBIDDEN",
    Reason.NO_RELATIONSHIP: "NO_RELATIONSHIP",
    Reason.NOT_RECORD_OWNER: "FORBIDDEN",
    Reason.CONSENT_REQUIRED: "CONSENT_REQUIRED",
}
