"""The audit log's own vocabulary (DESIGN §7)."""

from enum import StrEnum


class Outcome(StrEnum):
    """How an audited operation ended."""

    SUCCESS = "success"  # no errors
    PARTIAL = "partial"  # some data and some errors
    FAILURE = "failure"  # errors and no data (or withheld: the audit store failed)


class BreakGlassReviewOutcome(StrEnum):
    """What the DPO (or Caldicott guardian) concluded about a break-glass session."""

    APPROPRIATE = "appropriate"  # the override was justified
    INAPPROPRIATE = "inappropriate"  # it was not: the note says what follows
    REFERRED = "referred"  # passed on (HR, the owning agency, the ICO): the note says where
