"""The service's configuration, read once from the environment. Nothing here is clinical."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import SettingsError




@dataclass(frozen=True)
class Settings:
    auth: bool = True
    jwks: dict[str, Any] = field(default_factory=dict)        # a JWK Set: {"keys": [...]}
    issuers: frozenset[str] = frozenset()                     # trusted `iss` values
    allowed_jku: frozenset[str] = frozenset()                 # `jku` header values accepted (never fetched)
    base_url: str | None = None                               # the public URL of the service, for `aud`
    app_url: str = "http://localhost:8501"                    # the checklist, linked from the info card
    fhir_timeout: float = 5.0
    max_body_bytes: int = 20_000_000
    feedback_kept: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        auth = env.get("LDN_CDS_AUTH", "on").strip().lower()
        if auth not in ("on", "off"):
            raise SettingsError(f'LDN_CDS_AUTH must be "on" or "off" (got "{auth}")')
        jwks: dict[str, Any] = {}
        issuers = frozenset(i.strip() for i in env.get("LDN_CDS_ISSUERS", "").split(",") if i.strip())
        if auth == "on":
            path = env.get("LDN_CDS_JWKS", "").strip()
            if not path:
                raise SettingsError("LDN_CDS_JWKS is not set: give the path of the JWK Set (JSON) of the CDS "
                                    "clients you trust, or set LDN_CDS_AUTH=off for local testing only")
            jwks = load_jwks(Path(path))
            if not issuers:
                raise SettingsError("LDN_CDS_ISSUERS is not set: list the trusted JWT issuers (iss), comma-separated")
        return cls(auth=auth == "on", jwks=jwks, issuers=issuers,
                   allowed_jku=frozenset(u.strip() for u in env.get("LDN_CDS_JKU", "").split(",") if u.strip()),
                   base_url=(env.get("LDN_CDS_BASE_URL") or "").rstrip("/") or None,
                   app_url=env.get("LDN_CDS_APP_URL", "http://localhost:8501"))


def load_jwks(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"LDN_CDS_JWKS: {path} cannot be read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"LDN_CDS_JWKS: {path} is not a JSON JWK Set ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise SettingsError(f'LDN_CDS_JWKS: {path} must be a JWK Set: {{"keys": [ ... ]}} with at least one key')
    return data
