"""The built-in development issuer: an Ed25519 key generated on first run, kept on disk.

Only trusted when the hub runs with ``HUB_ENV=development``. ``hub token`` signs with it.
"""

import json
import secrets
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from auth.tokens import IssuerConfig

DEV_ISSUER = "urn:safeguarding-hub:dev-issuer"
DEFAULT_LIFETIME_SECONDS = 8 * 3600


def _paths(directory: Path) -> tuple[Path, Path]:
    return directory / "signing-key.pem", directory / "jwks.json"


def ensure_keys(directory: Path) -> IssuerConfig:
    """Create the development signing key and its JWKS on first use; return the issuer."""
    key_path, jwks_path = _paths(directory)
    if not key_path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key_path.touch(mode=0o600)
        key_path.write_bytes(pem)
        jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
        jwk.update({"kid": f"dev-{secrets.token_hex(4)}", "use": "sig", "alg": "EdDSA"})
        jwks_path.write_text(json.dumps({"keys": [jwk]}, indent=2))
    return IssuerConfig(issuer=DEV_ISSUER, jwks_file=jwks_path)


def mint(
    directory: Path,
    *,
    subject: str,
    audience: str,
    lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    now: float | None = None,
) -> str:
    """Sign a token for ``subject`` with the development key."""
    ensure_keys(directory)
    key_path, jwks_path = _paths(directory)
    kid = json.loads(jwks_path.read_text())["keys"][0]["kid"]
    private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": DEV_ISSUER,
        "sub": subject,
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})  # type: ignore[arg-type]
