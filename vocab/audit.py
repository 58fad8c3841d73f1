"""The audit log's own vocabulary (DESIGN §7)."""

from enum import StrEnum


class Outcome(StrEnum):
    """How an audited operation ended."""

    SUCCESS = "success"  # no errors
    PARTIAL = "partial"  # some data and some errors
    FAILURE = "failure"  # errors and no data (or withheld: the audit store failed)
