"""Sharing policy: who may do what to which child's records, for what purpose, and why
(DESIGN §6).

``authorize`` is the one entry point for a per-child, per-category check: it runs the
decision steps, hands the decision to the request's audit trail and returns it, so no path
can check without recording. The policy itself is Casbin's (``policies.grants``), compiled
into a ``GrantTable`` the request path consults in microseconds.
"""

from policies.decision import Decision, Facts, authorize
from policies.principal import Principal

__all__ = ["Decision", "Facts", "Principal", "authorize"]
