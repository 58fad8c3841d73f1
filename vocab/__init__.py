"""The hub's vocabulary: one StrEnum module per concept (CONVENTIONS: no string literals)."""
