"""Verify bearer JWTs against configured issuers (PyJWT), with JWKS key rotation.

Each trusted identity provider is an ``IssuerConfig``: its ``iss`` value and where its
JSON Web Key Set lives (an HTTPS URL or a file). Keys are cached; a token signed with a key
id the cache does not know triggers one refresh (rate-limited), so a provider can rotate
keys without a restart. Only asymmetric algorithms are accepted.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import jwt
from jwt import PyJWK

ALGORITHMS = ("EdDSA", "ES256", "ES384", "RS256", "RS384", "RS512", "PS256")
LEEWAY_SECONDS = 30
REFRESH_AFTER_SECONDS = 600.0
MIN_REFRESH_INTERVAL_SECONDS = 30.0
#: A verified token is remembered this long (never past its expiry), so a client's repeated
#: requests skip signature checks; a key withdrawn from a provider's JWKS stops working
#: within this time.
VERIFIED_TTL_SECONDS = 60.0
VERIFIED_MAX_ENTRIES = 4096


class AuthError(Exception):
    """Authentication failed. ``code`` is stable and safe to return; nothing personal inside."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Claims:
    issuer: str
    subject: str
    expires_at: int
    token_id: str | None
    #: The client application the token was issued to (``azp`` or ``client_id``), if any.
    client: str | None = None


@dataclass(frozen=True, slots=True)
class IssuerConfig:
    issuer: str
    jwks_url: str | None = None
    jwks_file: Path | None = None

    def __post_init__(self) -> None:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError(f"issuer {self.issuer}: give exactly one of jwks_url or jwks_file")
        if self.jwks_url is not None and not self.jwks_url.startswith("https://"):
            raise ValueError(f"issuer {self.issuer}: jwks_url must be https")


def load_issuers(path: Path) -> list[IssuerConfig]:
    """Read ``[{"issuer": …, "jwks_url": …} | {"issuer": …, "jwks_file": …}]`` from JSON."""
    entries = json.loads(path.read_text())
    return [
        IssuerConfig(
            issuer=entry["issuer"],
            jwks_url=entry.get("jwks_url"),
            jwks_file=(path.parent / entry["jwks_file"]) if entry.get("jwks_file") else None,
        )
        for entry in entries
    ]


class _KeyCache:
    """One issuer's signing keys, by key id. Refreshes are rate-limited whether they succeed
    or fail, so a provider that is down, or tokens naming made-up key ids, cannot make the
    hub fetch on every request."""

    def __init__(self, config: IssuerConfig, fetch: Callable[[str], Any]) -> None:
        self.config = config
        self._fetch = fetch
        self._jwks: dict[str, dict[str, Any]] = {}
        self._keys: dict[tuple[str, str], PyJWK] = {}
        self._attempted_at = float("-inf")

    def needs_refresh(self, kid: str) -> bool:
        age = time.monotonic() - self._attempted_at
        return age > REFRESH_AFTER_SECONDS or (
            kid not in self._jwks and age > MIN_REFRESH_INTERVAL_SECONDS
        )

    def refresh(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            if self.config.jwks_file is not None:
                document = json.loads(self.config.jwks_file.read_text())
            else:
                assert self.config.jwks_url is not None
                document = self._fetch(self.config.jwks_url)
            jwks = _parse_jwks(document)
        except (OSError, ValueError, httpx.HTTPError):
            if not self._jwks:
                raise AuthError(
                    "ISSUER_UNAVAILABLE", "the identity provider's keys could not be loaded"
                ) from None
            return  # keep serving the keys we have
        self._jwks = jwks
        self._keys = {}

    def key(self, kid: str, algorithm: str) -> PyJWK:
        if self.needs_refresh(kid):
            self.refresh()
        cached = self._keys.get((kid, algorithm))
        if cached is not None:
            return cached
        jwk = self._jwks.get(kid)
        if jwk is None:
            raise AuthError("TOKEN_UNKNOWN_KEY", "the token was signed with an unknown key")
        if jwk.get("alg", algorithm) != algorithm:
            raise AuthError("TOKEN_ALGORITHM_REFUSED", "the token's algorithm does not fit its key")
        try:
            # Bind the key to the token's algorithm: a JWK without "alg" would otherwise be
            # assumed RS256 and refuse valid RS384/RS512/PS256 tokens.
            key = PyJWK(jwk, algorithm=algorithm)
        except jwt.PyJWTError:
            raise AuthError(
                "TOKEN_ALGORITHM_REFUSED", "the token's algorithm does not fit its key"
            ) from None
        self._keys[(kid, algorithm)] = key
        return key


def _parse_jwks(document: Any) -> dict[str, dict[str, Any]]:
    """The signing keys of a JWKS document by key id; ValueError if it is not one."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JSON Web Key Set")
    usable = {
        key["kid"]: key
        for key in document["keys"]
        if isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key.get("use", "sig") == "sig"
        and _is_key(key)
    }
    if not usable:
        raise ValueError("no usable signing keys")
    return usable


def _is_key(jwk: dict[str, Any]) -> bool:
    try:
        PyJWK(jwk)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return False
    return True


def _fetch_jwks(url: str) -> Any:
    response = httpx.get(url, timeout=5.0, follow_redirects=False)
    response.raise_for_status()
    return response.json()


class TokenVerifier:
    def __init__(
        self,
        issuers: list[IssuerConfig],
        audience: str,
        fetch: Callable[[str], Any] = _fetch_jwks,
    ) -> None:
        self.audience = audience
        self._caches = {config.issuer: _KeyCache(config, fetch) for config in issuers}
        self._verified: dict[str, tuple[Claims, float]] = {}

    @property
    def issuers(self) -> list[str]:
        return list(self._caches)

    def _header(self, token: str) -> tuple[_KeyCache, str, str]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError(
                "TOKEN_MALFORMED", "the bearer token is not a well-formed JWT"
            ) from None
        issuer = unverified.get("iss")
        cache = self._caches.get(issuer) if isinstance(issuer, str) else None
        if cache is None:
            raise AuthError("TOKEN_UNKNOWN_ISSUER", "the token's issuer is not trusted")
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise AuthError("TOKEN_ALGORITHM_REFUSED", "the token's signing algorithm is refused")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise AuthError("TOKEN_UNKNOWN_KEY", "the token names no key id")
        return cache, kid, algorithm

    def _remembered(self, token: str) -> Claims | None:
        entry = self._verified.get(token)
        if entry is None:
            return None
        claims, until = entry
        if time.time() < until:
            return claims
        del self._verified[token]
        return None

    def _remember(self, token: str, claims: Claims) -> Claims:
        if len(self._verified) >= VERIFIED_MAX_ENTRIES:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (claims, min(claims.expires_at, time.time() + VERIFIED_TTL_SECONDS))
        return claims

    def verify(self, token: str) -> Claims:
        """Verify ``token``; a key refresh, when due, happens inline."""
        if (claims := self._remembered(token)) is not None:
            return claims
        cache, kid, algorithm = self._header(token)
        key = cache.key(kid, algorithm)
        return self._remember(token, self._decode(token, cache, key, algorithm))

    async def averify(self, token: str) -> Claims:
        """Verify ``token`` without blocking the event loop: a key refresh, when due, runs
        in a worker thread."""
        if (claims := self._remembered(token)) is not None:
            return claims
        cache, kid, algorithm = self._header(token)
        if cache.needs_refresh(kid):
            await anyio.to_thread.run_sync(cache.refresh)
        key = cache.key(kid, algorithm)
        return self._remember(token, self._decode(token, cache, key, algorithm))

    def _decode(self, token: str, cache: _KeyCache, key: PyJWK, algorithm: str) -> Claims:
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=cache.config.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("TOKEN_EXPIRED", "the bearer token has expired") from None
        except (jwt.InvalidAudienceError, jwt.MissingRequiredClaimError) as exc:
            if isinstance(exc, jwt.InvalidAudienceError) or exc.claim == "aud":
                raise AuthError("TOKEN_WRONG_AUDIENCE", "the token is not for this hub") from None
            raise AuthError("TOKEN_MALFORMED", f"the token lacks the {exc.claim} claim") from None
        except jwt.InvalidSignatureError:
            raise AuthError("TOKEN_INVALID_SIGNATURE", "the token's signature is invalid") from None
        except jwt.PyJWTError:
            raise AuthError("TOKEN_INVALID", "the bearer token is invalid") from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise AuthError("TOKEN_MALFORMED", "the token's subject is empty")
        return Claims(
            issuer=cache.config.issuer,
            subject=subject,
            expires_at=int(claims["exp"]),
            token_id=claims.get("jti"),
            client=_client(claims),
        )


def _client(claims: dict[str, Any]) -> str | None:
    client = claims.get("azp") or claims.get("client_id")
    return client[:200] if isinstance(client, str) and client else None
