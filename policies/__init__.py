"""Sharing policy: who may do what to which child's records, and why (DESIGN §6).

The one entry point for a per-child, per-category check is ``authorize``; it returns a
``Decision`` and hands it to the request's audit trail, so no path can check without
recording. Until the Casbin policy lands (issue 3), the rule is the safe floor: an agency
sees and changes only its own records, about children it has a relationship with.
"""

from policies.decision import Decision, authorize
from policies.principal import Principal

__all__ = ["Decision", "Principal", "authorize"]
