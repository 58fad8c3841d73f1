"""Child and agency identifiers: validation by maintained libraries, never by hand-rolled checks.

Errors carry a stable machine-readable code and never echo the value they refused.
"""

from identifiers.agencies import validate_agency_code, validate_la_number
from identifiers.children import (
    InvalidIdentifier,
    new_hub_id,
    validate_hub_id,
    validate_nhs_number,
    validate_upn,
)

__all__ = [
    "InvalidIdentifier",
    "new_hub_id",
    "validate_agency_code",
    "validate_hub_id",
    "validate_la_number",
    "validate_nhs_number",
    "validate_upn",
]
