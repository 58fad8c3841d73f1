"""Sign-in: bearer token verification and the development issuer."""
