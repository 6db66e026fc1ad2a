"""Client JWT authentication of the CDS Hooks service: what is accepted and what is refused.

Keys are generated here with cryptography (ES384 on P-384, RS384 with RSA 2048)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from screening.cds_hooks.app import create_app
from screening.cds_hooks.settings import Settings, SettingsError
from screening.ruleset import RuleSet

from .fhir_support import bundle, hook_request, ldn_order

ISS = "https://ehr.example.org"
URL = "http://testserver/cds-services/ldn-order-sign"
EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_EC_KEY = ec.generate_private_key(ec.SECP384R1())


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = ECAlgorithm if alg.startswith("ES") else RSAAlgorithm
    data = json.loads(algorithm.to_jwk(key.public_key()))
    data.update({"kid": kid, "alg": alg, "use": "sig"})
    return data


JWKS = {"keys": [_jwk(EC_KEY, "ec-1", "ES384"), _jwk(RSA_KEY, "rsa-1", "RS384")]}


def token(key: Any = EC_KEY, alg: str = "ES384", kid: str | None = "ec-1", headers: dict[str, Any] | None = None,
          **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISS, "sub": "ehr-client", "aud": URL, "exp": now + 120, "iat": now, "jti": str(uuid.uuid4())}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    head = dict(headers or {})
    if kid is not None:
        head["kid"] = kid
    return jwt.encode(payload, key, algorithm=alg, headers=head)


@pytest.fixture(scope="module")
def client(ruleset: RuleSet) -> TestClient:
    settings = Settings(auth=True, jwks=JWKS, issuers=frozenset({ISS}),
                        allowed_jku=frozenset({"https://ehr.example.org/jwks.json"}))
    return TestClient(create_app(ruleset, settings))


BODY = hook_request("p", [ldn_order("p", "Amoxicillin 500 MG")], {"medications": bundle([]),
                                                                   "conditions": bundle([])})


def call(client: TestClient, authorization: str | None, path: str = "/cds-services/ldn-order-sign") -> int:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.post(path, json=BODY, headers=headers).status_code


def test_es384_and_rs384_tokens_are_accepted(client: TestClient) -> None:
    assert call(client, f"Bearer {token()}") == 200
    assert call(client, f"Bearer {token(RSA_KEY, 'RS384', 'rsa-1')}") == 200
    assert call(client, f"Bearer {token(aud=[URL, 'https://other'])}") == 200
    assert call(client, f"Bearer {token(headers={'jku': 'https://ehr.example.org/jwks.json'})}") == 200
    feedback = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "t",
                              "overrideReason": {"userComment": "x"}}]}
    good = client.post("/cds-services/ldn-order-sign/feedback", json=feedback,
                       headers={"Authorization": f"Bearer {token()}"})
    assert good.status_code == 200
    assert client.post("/cds-services/ldn-order-sign/feedback", json=feedback).status_code == 401


def _unsigned() -> str:
    return jwt.encode({"iss": ISS, "sub": "s", "aud": URL, "exp": int(time.time()) + 60, "iat": int(time.time()),
                       "jti": "n"}, None, algorithm="none")  # type: ignore[arg-type]


def _hmac() -> str:
    return jwt.encode({"iss": ISS, "sub": "s", "aud": URL, "exp": int(time.time()) + 60, "iat": int(time.time()),
                       "jti": "h"}, "a-shared-secret-of-enough-length-for-hs384-0123456789abcdef", algorithm="HS384",
                      headers={"kid": "ec-1"})


@pytest.mark.parametrize("make", [
    lambda: None,                                                          # no header
    lambda: "Basic dXNlcjpwYXNz",
    lambda: "Bearer not-a-jwt",
    lambda: f"Bearer {_unsigned()}",                                       # alg none
    lambda: f"Bearer {_hmac()}",                                           # HS384
    lambda: f"Bearer {token(aud='http://testserver/cds-services/ldn-order-select')}",
    lambda: f"Bearer {token(iss='https://evil.example')}",
    lambda: f"Bearer {token(exp=int(time.time()) - 120, iat=int(time.time()) - 200)}",
    lambda: f"Bearer {token(iat=int(time.time()) + 600, exp=int(time.time()) + 700)}",
    lambda: f"Bearer {token(exp=int(time.time()) + 3600)}",               # lives longer than 5 minutes
    lambda: f"Bearer {token(jti=None)}",
    lambda: f"Bearer {token(sub=None)}",
    lambda: f"Bearer {token(kid='unknown')}",
    lambda: f"Bearer {token(kid=None)}",
    lambda: f"Bearer {token(OTHER_EC_KEY)}",                               # signed by a key not in the JWKS
    lambda: f"Bearer {token(RSA_KEY, 'RS384', 'ec-1')}",                   # kid of another key type
    lambda: f"Bearer {token(headers={'jku': 'https://attacker.example/jwks'})}",
    lambda: f"Bearer {token(ec.generate_private_key(ec.SECP256R1()), 'ES256')}",  # not a spec algorithm
], ids=["no-header", "basic", "garbage", "alg-none", "hs384", "wrong-aud", "wrong-iss", "expired", "future-iat",
        "long-lived", "no-jti", "no-sub", "unknown-kid", "no-kid", "foreign-key", "key-type-mismatch", "bad-jku",
        "es256"])
def test_tokens_that_break_a_rule_are_refused(client: TestClient, make: Any) -> None:
    response = client.post("/cds-services/ldn-order-sign", json=BODY,
                           headers={} if make() is None else {"Authorization": make()})
    assert response.status_code == 401 and response.json()["error"]


def test_a_token_is_used_once(client: TestClient) -> None:
    once = token()
    assert call(client, f"Bearer {once}") == 200
    response = client.post("/cds-services/ldn-order-sign", json=BODY, headers={"Authorization": f"Bearer {once}"})
    assert response.status_code == 401 and "replay" in response.json()["error"]


def test_base_url_setting_sets_the_audience(ruleset: RuleSet) -> None:
    settings = Settings(auth=True, jwks=JWKS, issuers=frozenset({ISS}), base_url="https://cds.example.org")
    client = TestClient(create_app(ruleset, settings))
    assert call(client, f"Bearer {token(aud='https://cds.example.org/cds-services/ldn-order-sign')}") == 200


def test_discovery_needs_no_token(client: TestClient) -> None:
    assert client.get("/cds-services").status_code == 200


def test_settings_fail_closed(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LDN_CDS_JWKS"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="LDN_CDS_AUTH"):
        Settings.from_env({"LDN_CDS_AUTH": "maybe"})
    path = tmp_path / "jwks.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(SettingsError, match="JWK Set"):
        Settings.from_env({"LDN_CDS_JWKS": str(path), "LDN_CDS_ISSUERS": ISS})
    path.write_text(json.dumps(JWKS), encoding="utf-8")
    with pytest.raises(SettingsError, match="LDN_CDS_ISSUERS"):
        Settings.from_env({"LDN_CDS_JWKS": str(path)})
    settings = Settings.from_env({"LDN_CDS_JWKS": str(path), "LDN_CDS_ISSUERS": f"{ISS}, https://b"})
    assert settings.auth and settings.issuers == {ISS, "https://b"}
    assert not Settings.from_env({"LDN_CDS_AUTH": "off"}).auth


def test_auth_off_is_announced_loudly(ruleset: RuleSet, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        create_app(ruleset, Settings(auth=False))
    assert "authentication is OFF" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app(ruleset, Settings(auth=True, jwks=JWKS, issuers=frozenset({ISS})))
    assert "OFF" not in caplog.text
