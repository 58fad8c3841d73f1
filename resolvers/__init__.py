"""Resolvers: typed, keyword-only functions that load, authorize and shape. No Strawberry here."""
