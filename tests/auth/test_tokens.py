"""TokenVerifier: bearer JWTs checked against each trusted issuer's JWKS, with key rotation.

Keys are generated here; JWKS documents are built with PyJWT's own ``to_jwk``. Time for the
key cache is a fake monotonic clock, so refresh intervals are crossed without sleeping.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, get_default_algorithms

from auth import tokens
from auth.dev_issuer import DEV_ISSUER, ensure_keys, mint
from auth.tokens import (
    LEEWAY_SECONDS,
    MIN_REFRESH_INTERVAL_SECONDS,
    REFRESH_AFTER_SECONDS,
    VERIFIED_TTL_SECONDS,
    AuthError,
    Claims,
    IssuerConfig,
    TokenVerifier,
    load_issuers,
)

ISSUER = "https://idp.example.test/tenant"
OTHER_ISSUER = "https://other-idp.example.test"
JWKS_URL = "https://idp.example.test/tenant/.well-known/jwks.json"
AUDIENCE = "urn:safeguarding-hub:unit"
SUBJECT = "user-7f3a"

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Signer:
    """A private key, its algorithm and key id; signs tokens and publishes its public JWK."""

    algorithm: str
    key: PrivateKey
    kid: str = field(default_factory=lambda: f"key-{secrets.token_hex(4)}")

    def jwk(self, *, with_alg: bool = True) -> dict[str, Any]:
        public = self.key.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            text = ECAlgorithm.to_jwk(public)
        elif isinstance(public, rsa.RSAPublicKey):
            text = RSAAlgorithm.to_jwk(public)
        else:
            text = OKPAlgorithm.to_jwk(public)
        jwk: dict[str, Any] = json.loads(text)
        jwk.update({"kid": self.kid, "use": "sig"})
        if with_alg:
            jwk["alg"] = self.algorithm
        return jwk

    def sign(
        self,
        claims: dict[str, Any],
        *,
        headers: dict[str, Any] | None = None,
        algorithm: str | None = None,
    ) -> str:
        """A compact JWS, assembled by hand so odd claims and headers can be sent as they are."""
        alg = algorithm or self.algorithm
        header = {"alg": alg, "typ": "JWT", **({"kid": self.kid} if headers is None else headers)}
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        )
        signature = get_default_algorithms()[alg].sign(signing_input.encode(), self.key)
        return f"{signing_input}.{b64url(signature)}"

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_signer(kind: str, *, kid: str | None = None) -> Signer:
    key: PrivateKey
    if kind == "EdDSA":
        key = Ed25519PrivateKey.generate()
    elif kind == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = Signer(kind, key)
    if kid is not None:
        signer.kid = kid
    return signer


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    # RSA generation is the slow one: one key for the module.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(params=["EdDSA", "ES256", "RS256"])
def signer(request: pytest.FixtureRequest, rsa_key: rsa.RSAPrivateKey) -> Signer:
    kind: str = request.param
    if kind == "RS256":
        return Signer("RS256", rsa_key)
    return new_signer(kind)


def claims_for(
    *, now: float | None = None, lifetime: int = 300, **overrides: Any
) -> dict[str, Any]:
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": SUBJECT,
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": secrets.token_hex(8),
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def jwks(*signers: Signer) -> dict[str, Any]:
    return {"keys": [s.jwk() for s in signers]}


class Clock:
    """Stands in for the ``time`` module inside ``auth.tokens``: ``monotonic`` for key
    refreshes, ``time`` (wall clock, moved by the same amount) for remembered tokens."""

    def __init__(self) -> None:
        self.now = 10_000.0
        self.wall = time.time()

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall + (self.now - 10_000.0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(tokens, "time", fake)
    return fake


class FakeFetch:
    """A JWKS endpoint: serves ``document`` (or raises ``failure``) and counts its calls."""

    def __init__(self, document: dict[str, Any] | Any) -> None:
        self.document = document
        self.failure: Exception | None = None
        self.calls: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.calls.append(url)
        if self.failure is not None:
            raise self.failure
        document: dict[str, Any] = json.loads(json.dumps(self.document))
        return document


def url_verifier(fetch: FakeFetch) -> TokenVerifier:
    return TokenVerifier([IssuerConfig(ISSUER, jwks_url=JWKS_URL)], AUDIENCE, fetch=fetch)


def file_verifier(path: Path, document: dict[str, Any]) -> TokenVerifier:
    path.write_text(json.dumps(document))
    return TokenVerifier([IssuerConfig(ISSUER, jwks_file=path)], AUDIENCE)


def refusal(verifier: TokenVerifier, token: str) -> AuthError:
    """Verify ``token``, expecting refusal; the error never repeats the token or its subject."""
    with pytest.raises(AuthError) as caught:
        verifier.verify(token)
    error = caught.value
    assert error.message == str(error)
    for secret in (token, SUBJECT):
        assert not secret or secret not in error.message
    return error


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        (
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(claims).encode()),
            b64url(signature),
        )
    )


# --- valid tokens ------------------------------------------------------------------------------


def test_valid_token_gives_claims(signer: Signer) -> None:
    # given an issuer whose JWKS holds the signer's public key
    verifier = url_verifier(FakeFetch(jwks(signer)))
    claims = claims_for()

    # when a token it signed is verified
    result = verifier.verify(signer.sign(claims))

    # then the claims come back
    assert result == Claims(
        issuer=ISSUER, subject=SUBJECT, expires_at=claims["exp"], token_id=claims["jti"]
    )


def test_token_without_jti_has_no_token_id(signer: Signer) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))

    assert verifier.verify(signer.sign(claims_for(jti=None))).token_id is None


def test_the_right_key_is_chosen_among_several_issuers_and_keys(rsa_key: rsa.RSAPrivateKey) -> None:
    # given two issuers, each with several keys of different types
    ours = [new_signer("EdDSA"), new_signer("ES256"), Signer("RS256", rsa_key)]
    theirs = new_signer("EdDSA")
    documents = {JWKS_URL: jwks(*ours), "https://other-idp.example.test/jwks": jwks(theirs)}
    verifier = TokenVerifier(
        [
            IssuerConfig(ISSUER, jwks_url=JWKS_URL),
            IssuerConfig(OTHER_ISSUER, jwks_url="https://other-idp.example.test/jwks"),
        ],
        AUDIENCE,
        fetch=lambda url: documents[url],
    )

    # then each token verifies against its own issuer's key
    for signer in ours:
        assert verifier.verify(signer.sign(claims_for())).issuer == ISSUER
    assert verifier.verify(theirs.sign(claims_for(iss=OTHER_ISSUER))).issuer == OTHER_ISSUER
    assert verifier.issuers == [ISSUER, OTHER_ISSUER]

    # and a key of one issuer does not sign for the other, even with its kid
    assert refusal(verifier, theirs.sign(claims_for())).code == "TOKEN_UNKNOWN_KEY"


def test_rsa_key_declaring_rs512_verifies_rs512_tokens(rsa_key: rsa.RSAPrivateKey) -> None:
    signer = Signer("RS512", rsa_key)
    verifier = url_verifier(FakeFetch(jwks(signer)))

    assert verifier.verify(signer.sign(claims_for())).subject == SUBJECT


def test_rsa_key_without_alg_verifies_rs256(rsa_key: rsa.RSAPrivateKey) -> None:
    # many identity providers publish RSA keys without "alg"
    signer = Signer("RS256", rsa_key)
    verifier = url_verifier(FakeFetch({"keys": [signer.jwk(with_alg=False)]}))

    assert verifier.verify(signer.sign(claims_for())).subject == SUBJECT


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256"])
def test_rsa_key_without_alg_verifies_every_allowed_rsa_algorithm(
    rsa_key: rsa.RSAPrivateKey, alg: str
) -> None:
    signer = Signer(alg, rsa_key)
    verifier = url_verifier(FakeFetch({"keys": [signer.jwk(with_alg=False)]}))

    outcome: Claims | AuthError
    try:
        outcome = verifier.verify(signer.sign(claims_for()))
    except AuthError as error:
        outcome = error
    assert isinstance(outcome, Claims), outcome


def test_audience_may_be_a_list_that_includes_ours(signer: Signer) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    token = signer.sign(claims_for(aud=["urn:another-api", AUDIENCE]))

    assert verifier.verify(token).subject == SUBJECT


def test_expiry_within_the_leeway_is_accepted(signer: Signer) -> None:
    # given a token that expired a third of the leeway ago
    verifier = url_verifier(FakeFetch(jwks(signer)))
    now = time.time()
    token = signer.sign(claims_for(now=now - 600, exp=int(now) - LEEWAY_SECONDS // 3))

    assert verifier.verify(token).subject == SUBJECT


# --- refused tokens ----------------------------------------------------------------------------


def test_expired_token_is_refused(signer: Signer) -> None:
    # given a token that expired well beyond the leeway
    verifier = url_verifier(FakeFetch(jwks(signer)))
    now = time.time()
    token = signer.sign(claims_for(now=now - 3600, exp=int(now) - LEEWAY_SECONDS - 60))

    assert refusal(verifier, token).code == "TOKEN_EXPIRED"


@pytest.mark.parametrize("audience", ["urn:another-api", ["urn:another-api"], [], None])
def test_wrong_or_missing_audience_is_refused(signer: Signer, audience: object) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    token = signer.sign(claims_for(aud=audience))

    assert refusal(verifier, token).code == "TOKEN_WRONG_AUDIENCE"


@pytest.mark.parametrize("issuer", [OTHER_ISSUER, ISSUER + "/", None, ["x"], 7])
def test_unknown_or_missing_issuer_is_refused(signer: Signer, issuer: object) -> None:
    fetch = FakeFetch(jwks(signer))
    verifier = url_verifier(fetch)

    assert refusal(verifier, signer.sign(claims_for(iss=issuer))).code == "TOKEN_UNKNOWN_ISSUER"
    # an untrusted issuer costs no key fetch
    assert fetch.calls == []


def test_token_signed_by_another_key_with_the_same_kid_is_refused(signer: Signer) -> None:
    # given a forger who knows the issuer's kid but not its private key
    verifier = url_verifier(FakeFetch(jwks(signer)))
    forger = new_signer("RS256" if signer.algorithm == "RS256" else signer.algorithm)
    forger.kid = signer.kid

    assert refusal(verifier, forger.sign(claims_for())).code == "TOKEN_INVALID_SIGNATURE"


def test_altered_payload_is_refused(signer: Signer) -> None:
    # given a valid token whose payload is swapped for one naming another subject
    verifier = url_verifier(FakeFetch(jwks(signer)))
    header, _, signature = signer.sign(claims_for()).split(".")
    payload = b64url(json.dumps(claims_for(sub="someone-else")).encode())

    error = refusal(verifier, f"{header}.{payload}.{signature}")
    assert error.code == "TOKEN_INVALID_SIGNATURE"


def test_alg_none_is_refused(signer: Signer) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    token = forge({"alg": "none", "typ": "JWT", "kid": signer.kid}, claims_for())

    assert refusal(verifier, token).code == "TOKEN_ALGORITHM_REFUSED"


def test_hs256_is_refused(signer: Signer) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    token = jwt.encode(
        claims_for(), secrets.token_bytes(32), algorithm="HS256", headers={"kid": signer.kid}
    )

    assert refusal(verifier, token).code == "TOKEN_ALGORITHM_REFUSED"


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_signed_with_the_public_key_is_refused(signer: Signer, alg: str) -> None:
    # given the classic confusion: an HMAC whose secret is the issuer's published public key
    verifier = url_verifier(FakeFetch(jwks(signer)))
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    for secret in (signer.public_pem(), json.dumps(signer.jwk()).encode()):
        header = b64url(json.dumps({"alg": alg, "typ": "JWT", "kid": signer.kid}).encode())
        payload = b64url(json.dumps(claims_for()).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = hmac.new(secret, signing_input, digest).digest()
        token = f"{header}.{payload}.{b64url(signature)}"

        assert refusal(verifier, token).code == "TOKEN_ALGORITHM_REFUSED"


@pytest.mark.parametrize("alg", [None, "", "ES512", "eddsa", "RSA-OAEP", "PS512"])
def test_algorithms_outside_the_allow_list_are_refused(signer: Signer, alg: str | None) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    header: dict[str, Any] = {"typ": "JWT", "kid": signer.kid}
    if alg is not None:
        header["alg"] = alg
    token = forge(header, claims_for(), b"\x00" * 64)

    assert refusal(verifier, token).code == "TOKEN_ALGORITHM_REFUSED"


def test_allowed_algorithm_that_does_not_match_the_key_is_refused(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    # given an Ed25519 key published for EdDSA, and an RSA-signed token naming its kid
    published = new_signer("EdDSA")
    verifier = url_verifier(FakeFetch(jwks(published)))
    token = Signer("RS256", rsa_key, kid=published.kid).sign(claims_for())

    error = refusal(verifier, token)
    assert error.code == "TOKEN_ALGORITHM_REFUSED"


@pytest.mark.parametrize("kid", [None, "no-such-key", ""])
def test_missing_or_unknown_kid_is_refused(signer: Signer, kid: str | None) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    headers: dict[str, Any] = {} if kid is None else {"kid": kid}

    error = refusal(verifier, signer.sign(claims_for(), headers=headers))
    assert error.code == "TOKEN_UNKNOWN_KEY"


@pytest.mark.parametrize("kid", [7, ["key"], {"kid": "key"}])
def test_kid_that_is_not_a_string_is_malformed(signer: Signer, kid: object) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))

    error = refusal(verifier, signer.sign(claims_for(), headers={"kid": kid}))
    assert error.code == "TOKEN_MALFORMED"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        "a.b.c",
        "....",
        "eyJhbGciOiJFZERTQSJ9",
        "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln",  # payload not JSON
        "eyJhbGciOiJFZERTQSJ9.WzEsMl0.c2ln",  # payload a JSON array
        "WzEsMl0.e30.c2ln",  # header a JSON array
        "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln",
    ],
)
def test_garbage_is_malformed(signer: Signer, token: str) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))

    assert refusal(verifier, token).code == "TOKEN_MALFORMED"


@pytest.mark.parametrize("claim", ["sub", "exp", "iat"])
def test_missing_required_claim_is_refused(signer: Signer, claim: str) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    claims = claims_for()
    del claims[claim]
    token = signer.sign(claims)

    error = refusal(verifier, token)
    assert error.code == "TOKEN_MALFORMED"
    assert claim in error.message


@pytest.mark.parametrize("subject", ["", 42, ["a"]])
def test_empty_or_non_string_subject_is_refused(signer: Signer, subject: object) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))

    error = refusal(verifier, signer.sign(claims_for(sub=subject)))
    assert error.code in {"TOKEN_MALFORMED", "TOKEN_INVALID"}


def test_token_not_yet_valid_is_refused(signer: Signer) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    token = signer.sign(claims_for(nbf=int(time.time()) + 3600))

    assert refusal(verifier, token).code == "TOKEN_INVALID"


def test_token_issued_in_the_future_is_refused(signer: Signer) -> None:
    verifier = url_verifier(FakeFetch(jwks(signer)))
    token = signer.sign(claims_for(now=time.time() + 3600))

    assert refusal(verifier, token).code == "TOKEN_INVALID"


# --- key rotation ------------------------------------------------------------------------------


def test_rotation_in_a_jwks_file(tmp_path: Path, clock: Clock) -> None:
    # given an issuer whose JWKS file holds key A, and a verifier that has loaded it
    old, new = new_signer("EdDSA"), new_signer("ES256")
    path = tmp_path / "jwks.json"
    verifier = file_verifier(path, jwks(old))
    assert verifier.verify(old.sign(claims_for())).subject == SUBJECT

    # when the provider publishes key B beside A
    path.write_text(json.dumps(jwks(old, new)))

    # then a token signed with B is refused until the refresh interval has passed …
    clock.advance(MIN_REFRESH_INTERVAL_SECONDS / 2)
    assert refusal(verifier, new.sign(claims_for())).code == "TOKEN_UNKNOWN_KEY"
    clock.advance(MIN_REFRESH_INTERVAL_SECONDS)
    # … and accepted after it, without a restart
    assert verifier.verify(new.sign(claims_for())).subject == SUBJECT
    assert verifier.verify(old.sign(claims_for())).subject == SUBJECT

    # when the provider retires key A
    path.write_text(json.dumps(jwks(new)))
    clock.advance(REFRESH_AFTER_SECONDS + 1)

    # then once the cache is refreshed, tokens signed with A are refused
    assert refusal(verifier, old.sign(claims_for())).code == "TOKEN_UNKNOWN_KEY"
    assert verifier.verify(new.sign(claims_for())).subject == SUBJECT


def test_rotation_with_min_refresh_interval_zero(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given no rate limit at all, a new kid is looked up at the first chance
    monkeypatch.setattr(tokens, "MIN_REFRESH_INTERVAL_SECONDS", 0)
    old, new = new_signer("EdDSA"), new_signer("EdDSA")
    path = tmp_path / "jwks.json"
    verifier = file_verifier(path, jwks(old))
    assert verifier.verify(old.sign(claims_for())).subject == SUBJECT

    path.write_text(json.dumps(jwks(new)))
    clock.advance(0.001)

    assert verifier.verify(new.sign(claims_for())).subject == SUBJECT


def test_jwks_url_is_fetched_once_for_many_tokens_with_known_kids(signer: Signer) -> None:
    fetch = FakeFetch(jwks(signer))
    verifier = url_verifier(fetch)

    for _ in range(5):
        assert verifier.verify(signer.sign(claims_for())).subject == SUBJECT

    assert fetch.calls == [JWKS_URL]


def test_unknown_kid_refetches_once_and_is_rate_limited(clock: Clock) -> None:
    # given a verifier that fetched the issuer's JWKS for key A
    known, rotated = new_signer("EdDSA"), new_signer("ES256")
    fetch = FakeFetch(jwks(known))
    verifier = url_verifier(fetch)
    verifier.verify(known.sign(claims_for()))
    assert len(fetch.calls) == 1

    # when tokens with an unknown kid arrive within the minimum interval of that fetch
    for _ in range(3):
        assert refusal(verifier, rotated.sign(claims_for())).code == "TOKEN_UNKNOWN_KEY"
    # then nothing is fetched
    assert len(fetch.calls) == 1

    # when the provider has rotated and the interval has passed
    fetch.document = jwks(known, rotated)
    clock.advance(MIN_REFRESH_INTERVAL_SECONDS + 1)
    # then one unknown-kid token fetches once more, and verifies
    assert verifier.verify(rotated.sign(claims_for())).subject == SUBJECT
    assert len(fetch.calls) == 2

    # and a flood of made-up kids within the interval fetches nothing more
    stranger = new_signer("EdDSA")
    for step in range(10):
        clock.advance(MIN_REFRESH_INTERVAL_SECONDS / 20)
        stranger.kid = f"made-up-{step}"
        assert refusal(verifier, stranger.sign(claims_for())).code == "TOKEN_UNKNOWN_KEY"
    assert len(fetch.calls) == 2

    # until the interval has passed again: one more fetch
    clock.advance(MIN_REFRESH_INTERVAL_SECONDS)
    for _ in range(3):
        refusal(verifier, stranger.sign(claims_for()))
    assert fetch.calls == [JWKS_URL] * 3


def test_known_kid_is_refreshed_after_refresh_after_seconds(clock: Clock) -> None:
    signer = new_signer("EdDSA")
    fetch = FakeFetch(jwks(signer))
    verifier = url_verifier(fetch)
    verifier.verify(signer.sign(claims_for()))

    clock.advance(REFRESH_AFTER_SECONDS - 1)
    verifier.verify(signer.sign(claims_for()))
    assert len(fetch.calls) == 1

    clock.advance(2)
    verifier.verify(signer.sign(claims_for()))
    assert len(fetch.calls) == 2


# --- issuer unavailable ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.HTTPStatusError(
            "503",
            request=httpx.Request("GET", JWKS_URL),
            response=httpx.Response(503, request=httpx.Request("GET", JWKS_URL)),
        ),
        json.JSONDecodeError("Expecting value", "<html>", 0),
        OSError("network unreachable"),
    ],
)
def test_issuer_whose_keys_cannot_be_fetched_is_unavailable(failure: Exception) -> None:
    signer = new_signer("EdDSA")
    fetch = FakeFetch(jwks(signer))
    fetch.failure = failure
    verifier = url_verifier(fetch)

    assert refusal(verifier, signer.sign(claims_for())).code == "ISSUER_UNAVAILABLE"


@pytest.mark.parametrize(
    "content",
    [
        None,  # no file at all
        "{ not json",
        "",
        json.dumps({"keys": []}),
        json.dumps({}),
        json.dumps({"keys": "none"}),
        json.dumps({"keys": [{"kty": "nonsense", "kid": "x"}]}),
    ],
)
def test_issuer_whose_jwks_file_is_unusable_is_unavailable(
    tmp_path: Path, content: str | None
) -> None:
    signer = new_signer("EdDSA")
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_text(content)
    verifier = TokenVerifier([IssuerConfig(ISSUER, jwks_file=path)], AUDIENCE)

    assert refusal(verifier, signer.sign(claims_for())).code == "ISSUER_UNAVAILABLE"


def test_cached_keys_keep_working_while_the_issuer_is_down(clock: Clock) -> None:
    # given keys fetched once, then the provider goes down
    signer = new_signer("EdDSA")
    fetch = FakeFetch(jwks(signer))
    verifier = url_verifier(fetch)
    verifier.verify(signer.sign(claims_for()))
    fetch.failure = httpx.ConnectError("connection refused")

    # when the cache is due for refresh
    clock.advance(REFRESH_AFTER_SECONDS + 1)

    # then tokens signed with the cached key still verify, and unknown kids are unknown
    assert verifier.verify(signer.sign(claims_for())).subject == SUBJECT
    assert refusal(verifier, new_signer("EdDSA").sign(claims_for())).code == "TOKEN_UNKNOWN_KEY"


def test_failed_refreshes_are_rate_limited_too(clock: Clock) -> None:
    signer = new_signer("EdDSA")
    fetch = FakeFetch(jwks(signer))
    verifier = url_verifier(fetch)
    verifier.verify(signer.sign(claims_for()))
    fetch.failure = httpx.ConnectError("connection refused")
    clock.advance(REFRESH_AFTER_SECONDS + 1)

    for _ in range(5):
        verifier.verify(signer.sign(claims_for()))

    # one failed attempt, then no more until the minimum interval has passed
    assert len(fetch.calls) == 2


@pytest.mark.parametrize("document", [[], ["keys"], "keys", 7])
def test_jwks_that_is_not_an_object_makes_the_issuer_unavailable(
    tmp_path: Path, document: object
) -> None:
    signer = new_signer("EdDSA")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(document))
    verifier = TokenVerifier([IssuerConfig(ISSUER, jwks_file=path)], AUDIENCE)

    assert refusal(verifier, signer.sign(claims_for())).code == "ISSUER_UNAVAILABLE"


# --- configuration -----------------------------------------------------------------------------


def test_load_issuers_reads_urls_and_files_relative_to_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an issuers file that names a JWKS file beside it, read from another folder
    config_dir = tmp_path / "config"
    (config_dir / "keys").mkdir(parents=True)
    signer = new_signer("ES256")
    (config_dir / "keys" / "police.json").write_text(json.dumps(jwks(signer)))
    issuers_file = config_dir / "issuers.json"
    issuers_file.write_text(
        json.dumps(
            [
                {"issuer": OTHER_ISSUER, "jwks_url": "https://other-idp.example.test/jwks"},
                {"issuer": ISSUER, "jwks_file": "keys/police.json"},
            ]
        )
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    # when it is loaded
    issuers = load_issuers(issuers_file)

    # then each issuer keeps its source, the file resolved against the issuers file's folder
    assert issuers == [
        IssuerConfig(OTHER_ISSUER, jwks_url="https://other-idp.example.test/jwks"),
        IssuerConfig(ISSUER, jwks_file=config_dir / "keys" / "police.json"),
    ]
    verifier = TokenVerifier(issuers, AUDIENCE, fetch=FakeFetch({"keys": []}))
    assert verifier.verify(signer.sign(claims_for())).issuer == ISSUER


def test_load_issuers_accepts_an_absolute_jwks_file(tmp_path: Path) -> None:
    absolute = tmp_path / "abs" / "jwks.json"
    issuers_file = tmp_path / "issuers.json"
    issuers_file.write_text(json.dumps([{"issuer": ISSUER, "jwks_file": str(absolute)}]))

    assert load_issuers(issuers_file) == [IssuerConfig(ISSUER, jwks_file=absolute)]


@pytest.mark.parametrize(
    "entry",
    [
        {"issuer": ISSUER, "jwks_url": "http://idp.example.test/jwks"},
        {"issuer": ISSUER},
        {"issuer": ISSUER, "jwks_url": JWKS_URL, "jwks_file": "jwks.json"},
    ],
)
def test_load_issuers_refuses_bad_entries(tmp_path: Path, entry: dict[str, str]) -> None:
    issuers_file = tmp_path / "issuers.json"
    issuers_file.write_text(json.dumps([entry]))

    with pytest.raises(ValueError, match="jwks_url"):
        load_issuers(issuers_file)


@pytest.mark.parametrize(
    "url", ["http://idp.example.test/jwks", "ftp://idp.example.test/jwks", "idp.example.test"]
)
def test_issuer_config_refuses_urls_that_are_not_https(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        IssuerConfig(ISSUER, jwks_url=url)


def test_issuer_config_wants_exactly_one_key_source(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        IssuerConfig(ISSUER)
    with pytest.raises(ValueError, match="exactly one"):
        IssuerConfig(ISSUER, jwks_url=JWKS_URL, jwks_file=tmp_path / "jwks.json")


def test_issuer_config_keys_load_lazily(tmp_path: Path) -> None:
    # building a verifier reads nothing: a missing file only matters when a token arrives
    fetch = FakeFetch({"keys": []})
    TokenVerifier(
        [IssuerConfig(ISSUER, jwks_url=JWKS_URL), IssuerConfig(OTHER_ISSUER, jwks_file=tmp_path)],
        AUDIENCE,
        fetch=fetch,
    )
    assert fetch.calls == []


# --- the development issuer --------------------------------------------------------------------


@pytest.fixture
def dev_dir(tmp_path: Path) -> Path:
    return tmp_path / "dev-issuer"


def test_dev_issuer_keys_are_made_once_and_kept_private(dev_dir: Path) -> None:
    first = ensure_keys(dev_dir)
    kid = json.loads((dev_dir / "jwks.json").read_text())["keys"][0]["kid"]
    second = ensure_keys(dev_dir)

    assert first == second == IssuerConfig(DEV_ISSUER, jwks_file=dev_dir / "jwks.json")
    assert json.loads((dev_dir / "jwks.json").read_text())["keys"][0]["kid"] == kid
    if os.name == "posix":
        assert (dev_dir / "signing-key.pem").stat().st_mode & 0o077 == 0


def test_dev_issuer_tokens_verify(dev_dir: Path) -> None:
    verifier = TokenVerifier([ensure_keys(dev_dir)], AUDIENCE)
    token = mint(dev_dir, subject=SUBJECT, audience=AUDIENCE, lifetime_seconds=60)

    claims = verifier.verify(token)
    assert (claims.issuer, claims.subject) == (DEV_ISSUER, SUBJECT)
    assert claims.token_id


def test_dev_issuer_tokens_are_refused_by_another_audience(dev_dir: Path) -> None:
    verifier = TokenVerifier([ensure_keys(dev_dir)], AUDIENCE)
    token = mint(dev_dir, subject=SUBJECT, audience="urn:another-api")

    assert refusal(verifier, token).code == "TOKEN_WRONG_AUDIENCE"


def test_dev_issuer_is_not_trusted_unless_configured(dev_dir: Path) -> None:
    verifier = TokenVerifier(
        [IssuerConfig(ISSUER, jwks_url=JWKS_URL)], AUDIENCE, fetch=FakeFetch({})
    )
    token = mint(dev_dir, subject=SUBJECT, audience=AUDIENCE)

    assert refusal(verifier, token).code == "TOKEN_UNKNOWN_ISSUER"


def test_a_verified_token_is_remembered_briefly(tmp_path: Path, clock: Clock) -> None:
    # given a verified token
    key = new_signer("EdDSA")
    path = tmp_path / "jwks.json"
    verifier = file_verifier(path, jwks(key))
    token = key.sign(claims_for())
    assert verifier.verify(token).subject == SUBJECT

    # when its key is withdrawn, and a token with the new key's id makes the hub reload
    successor = new_signer("ES256")
    path.write_text(json.dumps(jwks(successor)))
    clock.advance(MIN_REFRESH_INTERVAL_SECONDS + 1)
    assert verifier.verify(successor.sign(claims_for())).subject == SUBJECT

    # then the same token is still accepted while remembered (no signature check) …
    assert verifier.verify(token).subject == SUBJECT
    # … a different token signed by the withdrawn key is not …
    assert refusal(verifier, key.sign(claims_for(jti="other"))).code == "TOKEN_UNKNOWN_KEY"
    # … and once the memory lapses, neither is the first
    clock.advance(VERIFIED_TTL_SECONDS)
    assert refusal(verifier, token).code == "TOKEN_UNKNOWN_KEY"


def test_a_token_is_never_remembered_past_its_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a token whose expiry has just passed, still inside the clock-skew leeway
    key = new_signer("EdDSA")
    verifier = url_verifier(FakeFetch(jwks(key)))
    token = key.sign(claims_for(now=time.time() - 310, lifetime=300))
    decoded: list[str] = []
    original = verifier._decode

    def counting(*args: Any) -> Claims:
        decoded.append(args[0])
        return original(*args)

    monkeypatch.setattr(verifier, "_decode", counting)

    # when it is presented twice
    verifier.verify(token)
    verifier.verify(token)

    # then it was checked both times: nothing is remembered beyond "exp"
    assert decoded == [token, token]


def test_a_fresh_token_is_checked_once_while_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    key = new_signer("EdDSA")
    verifier = url_verifier(FakeFetch(jwks(key)))
    token = key.sign(claims_for())
    decoded: list[str] = []
    original = verifier._decode

    def counting(*args: Any) -> Claims:
        decoded.append(args[0])
        return original(*args)

    monkeypatch.setattr(verifier, "_decode", counting)

    for _ in range(3):
        assert verifier.verify(token).subject == SUBJECT

    assert decoded == [token]
