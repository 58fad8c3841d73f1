"""Audit: what the hub decided and disclosed, per request (DESIGN §7).

This first slice collects every decision of a request in an ``AuditTrail``; the durable,
hash-chained audit store arrives with issue 4 and will persist the trail before data leaves.
"""

from audit.trail import AuditTrail

__all__ = ["AuditTrail"]
