"""Client authentication as CDS Hooks 2.0 requires: a signed JWT in `Authorization: Bearer`.

Accepted: ES384 or RS384 signatures by a key of the configured JWK Set (chosen by `kid`), `iss` in
the trusted list, `aud` = this service's endpoint URL, `exp` and `iat` present and current, `jti`
never seen before (within its lifetime). Refused: `alg: none`, every HMAC algorithm (a shared
secret is not the spec's model), unknown keys, and a `jku` that is not on the allowed list (keys
are never fetched from a URL at run time: no network).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

import jwt

from ..errors import AuthError

ALGORITHMS = ("ES384", "RS384")
KEY_TYPES = {"ES384": "EC", "RS384": "RSA"}
LEEWAY_SECONDS = 30
MAX_LIFETIME_SECONDS = 300 + LEEWAY_SECONDS   # the spec: exp no more than 5 minutes after issue




class JwtVerifier:
    def __init__(self, jwks: dict[str, Any], issuers: Collection[str], allowed_jku: Collection[str] = (),
                 max_remembered: int = 100_000) -> None:
        self.keys: dict[str, dict[str, Any]] = {}
        for jwk in jwks.get("keys", []):
            if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str):
                self.keys[jwk["kid"]] = jwk
        self.issuers = frozenset(issuers)
        self.allowed_jku = frozenset(allowed_jku)
        self._seen: OrderedDict[str, float] = OrderedDict()   # jti -> exp
        self._max = max_remembered
        self._lock = threading.Lock()

    def verify(self, authorization: str | None, audiences: Collection[str]) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("missing Authorization: Bearer <JWT>")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("the bearer token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError(f"JWT algorithm {alg!r} is not accepted (ES384 or RS384 only)")
        jku = header.get("jku")
        if jku is not None and jku not in self.allowed_jku:
            raise AuthError("JWT jku is not on the allowed list")
        kid = header.get("kid")
        jwk = self.keys.get(kid) if isinstance(kid, str) else None
        if jwk is None:
            raise AuthError("JWT kid does not name a key of the configured JWK Set")
        if jwk.get("kty") != KEY_TYPES[alg] or jwk.get("alg") not in (None, alg):
            raise AuthError(f"the key {kid!r} is not a key for {alg}")
        try:
            key = jwt.PyJWK(jwk, algorithm=alg).key
            claims = jwt.decode(token, key, algorithms=[alg], audience=list(audiences), issuer=list(self.issuers),
                                leeway=LEEWAY_SECONDS,
                                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("JWT has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("JWT aud is not this service's URL") from None
        except jwt.InvalidIssuerError:
            raise AuthError("JWT iss is not a trusted issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"JWT lacks the {exc.claim} claim") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"JWT refused: {type(exc).__name__}") from None
        now = time.time()
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(iat, (int, float)) or iat > now + LEEWAY_SECONDS:
            raise AuthError("JWT iat is in the future")
        if exp - iat > MAX_LIFETIME_SECONDS:
            raise AuthError("JWT lifetime (exp - iat) is longer than 5 minutes")
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti:
            raise AuthError("JWT jti must be a non-empty string")
        with self._lock:
            for old, old_exp in list(self._seen.items()):
                if old_exp + LEEWAY_SECONDS >= now:
                    break
                del self._seen[old]
            if jti in self._seen:
                raise AuthError("JWT jti was already used (replay)")
            self._seen[jti] = float(exp)
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
        return claims
