"""Sign-in: bearer JWTs from each agency's identity provider, and a development issuer."""

from auth.tokens import AuthError, Claims, IssuerConfig, TokenVerifier, load_issuers

__all__ = ["AuthError", "Claims", "IssuerConfig", "TokenVerifier", "load_issuers"]
