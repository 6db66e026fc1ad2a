"""CDS Hooks service over HTTP (FastAPI's TestClient): discovery, cards, errors, fetching, feedback.

Every response with cards is checked against the specification's own response invariants
(shared/external/cds-hooks/invariants/*.fsh, FHIRPath evaluated with fhirpathpy)."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from fhirpathpy import evaluate

from screening.case_file import parse_case
from screening.session import Screening
from screening.cds_hooks.app import create_app
from screening.cds_hooks.service import FeedbackStore
from screening.cds_hooks.settings import Settings
from screening.fhir_import import import_record, record_case_yaml
from screening.ruleset import RuleSet

from .fhir_support import (CDS_EXTERNAL, MARINE, RXNORM, SAMPLE_FILES, bundle, hook_request, ldn_order,
                           needs_cds_external, needs_samples, patient_of, prefetch_of, sample_resources)

DAY = date(2026, 11, 23)
SIGN = "/cds-services/ldn-order-sign"
SELECT = "/cds-services/ldn-order-select"

# Where each invariant applies in a response (the .fsh files hold only the expression).
CONTEXTS = {"cds-resp-1": "card", "cds-resp-6": "card", "cds-resp-7": "card", "cds-resp-5": "suggestion",
            "cds-resp-2": "action", "cds-resp-3": "link", "cds-resp-4": "overrideReason"}


def _invariants() -> dict[str, str]:
    out = {}
    for path in sorted((CDS_EXTERNAL / "invariants").glob("*.fsh")):
        text = path.read_text(encoding="utf-8")
        name = re.search(r"^Invariant:\s*(\S+)", text, re.M).group(1)  # type: ignore[union-attr]
        out[name] = re.search(r'^\* expression = "(.*)"\s*$', text, re.M).group(1)  # type: ignore[union-attr]
    return out


INVARIANTS = _invariants() if CDS_EXTERNAL.is_dir() else {}


def check_response(body: Any) -> list[dict[str, Any]]:
    """The CDS Hooks 2.0 card rules and every response invariant of the specification, on one response."""
    assert isinstance(body, dict) and isinstance(body.get("cards"), list)
    nodes: dict[str, list[dict[str, Any]]] = {k: [] for k in set(CONTEXTS.values())}
    for card in body["cards"]:
        assert isinstance(card["uuid"], str) and card["uuid"]
        assert len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"]
        nodes["card"].append(card)
        nodes["overrideReason"] += card.get("overrideReasons", [])
        nodes["link"] += card.get("links", [])
        for s in card.get("suggestions", []):
            nodes["suggestion"].append(s)
            nodes["action"] += s.get("actions", [])
    assert {k for k in INVARIANTS if k.startswith("cds-resp")} == set(CONTEXTS)
    for name, expression in INVARIANTS.items():
        if name in CONTEXTS:
            for node in nodes[CONTEXTS[name]]:
                assert evaluate(node, expression) in ([True], []), (name, node)
    return body["cards"]


@pytest.fixture(scope="module")
def client(ruleset: RuleSet) -> TestClient:
    app = create_app(ruleset, Settings(auth=False, app_url="https://ldn.example.org/"), today=lambda: DAY)
    return TestClient(app)


def post(client: TestClient, path: str, body: Any) -> httpx.Response:
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def test_the_invariants_are_read_and_catch_a_bad_card() -> None:
    if not INVARIANTS:
        pytest.skip("invariants missing")
    assert len(INVARIANTS) == 12
    bad = {"cards": [{"uuid": "u", "summary": "s", "indicator": "info", "source": {"label": "x"},
                      "overrideReasons": [{"code": "a"}]}]}
    with pytest.raises(AssertionError):
        check_response(bad)
    valid = json.loads((CDS_EXTERNAL / "valid_cards.json").read_text(encoding="utf-8"))
    check_response({"cards": valid})


def test_discovery_lists_both_order_hooks_with_prefetch(client: TestClient) -> None:
    services = client.get("/cds-services").json()["services"]
    assert {s["hook"] for s in services} == {"order-select", "order-sign"}
    for s in services:
        assert s["prefetch"]["medications"] == "MedicationRequest?patient={{context.patientId}}&status=active"
        assert set(s["prefetch"]) == {"patient", "medications", "conditions"}
        assert s["id"] and s["title"] and s["description"]


@needs_cds_external
@pytest.mark.parametrize("name", ["order_select", "order_sign", "appointment_book", "encounter_start"])
def test_every_external_request_is_handled(client: TestClient, name: str) -> None:
    body = json.loads((CDS_EXTERNAL / f"{name}_hook_request.json").read_text(encoding="utf-8"))
    for path in (SELECT, SIGN):
        # not naltrexone, or a hook this service does not answer: no cards, never an error
        response = post(client, path, body)
        assert response.status_code == 200 and response.json() == {"cards": []}
        check_response(response.json())


def test_a_wrong_hook_with_a_naltrexone_order_gets_no_cards_from_the_other_service(client: TestClient) -> None:
    body = hook_request("p", [ldn_order("p")], {"medications": bundle([]), "conditions": bundle([])})
    assert check_response(post(client, SIGN, body).json())
    assert post(client, SELECT, body).json() == {"cards": []}     # order-sign call sent to order-select


@needs_samples
def test_marine542_ldn_order_gives_the_transplant_card_and_no_opioid_card(client: TestClient,
                                                                         ruleset: RuleSet) -> None:
    resources = sample_resources(MARINE)
    pid = patient_of(resources)["id"]
    response = post(client, SIGN, hook_request(pid, [ldn_order(pid)], prefetch_of(resources)))
    assert response.status_code == 200
    cards = check_response(response.json())
    summaries = " ".join(c["summary"] for c in cards)
    assert "Transplant recipient on immunosuppressants" in summaries
    assert "opioid" not in summaries.lower().replace("complete the ldn checklist", "")
    transplant = next(c for c in cards if c["summary"].startswith("Transplant"))
    assert transplant["indicator"] == "warning"
    assert "**Why it matters.**" in transplant["detail"] and "**Sources.**" in transplant["detail"]
    assert ruleset.version in transplant["source"]["label"]      # the rule-set version the card came from
    assert all(r["display"] for r in transplant["overrideReasons"])
    info = cards[-1]
    assert info["indicator"] == "info" and info["links"][0]["url"] == "https://ldn.example.org/"
    assert "urine opioid screen" in info["detail"].lower()


@needs_samples
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name[:24])
def test_cards_are_the_findings_the_app_gives_for_the_same_record(client: TestClient, ruleset: RuleSet,
                                                                  path: Path) -> None:
    resources = sample_resources(path)
    pid = patient_of(resources)["id"]
    cards = check_response(post(client, SIGN, hook_request(pid, [ldn_order(pid)], prefetch_of(resources))).json())
    # the app: import the whole record, load it as a case file, screen it
    case = parse_case(record_case_yaml(import_record(ruleset, resources, DAY)), f"{path.stem}.yaml")
    app_result = Screening.from_case(ruleset, case).result
    assert [(c["summary"], c["indicator"]) for c in cards if c["summary"] != cards[-1]["summary"]] == \
        [(f.summary, f.severity) for f in app_result.findings]
    assert cards[-1]["summary"].startswith(f"{len(app_result.not_assessed)} screening questions")


@needs_samples
def test_card_uuids_are_stable_and_differ_between_patients(client: TestClient) -> None:
    resources = sample_resources(MARINE)
    pid = patient_of(resources)["id"]
    body = hook_request(pid, [ldn_order(pid)], prefetch_of(resources))
    first = [c["uuid"] for c in post(client, SIGN, body).json()["cards"]]
    again = [c["uuid"] for c in post(client, SIGN, body).json()["cards"]]
    assert first == again and len(set(first)) == len(first)
    other = hook_request("someone-else", [ldn_order("someone-else")], prefetch_of(resources))
    assert set(c["uuid"] for c in post(client, SIGN, other).json()["cards"]).isdisjoint(first)


@pytest.mark.parametrize("order,expected", [
    (ldn_order("p", "LDN 4.5mg caps compounded"), True),
    (ldn_order("p", "", coding=[{"system": RXNORM, "code": "1483744"}]), True),          # code only
    (ldn_order("p", "Revia 50 mg tablet"), True),
    (ldn_order("p", "Methylnaltrexone 150 MG Oral Tablet"), False),
    (ldn_order("p", "Naloxone 4 MG/ACTUAT Nasal Spray"), False),
    (ldn_order("p", "Amoxicillin 500 MG Oral Capsule"), False),
])
def test_which_draft_orders_are_naltrexone(client: TestClient, order: dict[str, Any], expected: bool) -> None:
    body = hook_request("p", [order], {"patient": {"resourceType": "Patient", "id": "p"},
                                       "medications": bundle([]), "conditions": bundle([])})
    cards = check_response(post(client, SIGN, body).json())
    assert bool(cards) is expected


def test_order_select_looks_at_the_selected_orders(client: TestClient) -> None:
    prefetch = {"medications": bundle([]), "conditions": bundle([])}
    orders = [ldn_order("p", order_id="a"), ldn_order("p", "Amoxicillin 500 MG", order_id="b")]
    chosen = hook_request("p", orders, prefetch, hook="order-select")
    chosen["context"]["selections"] = ["MedicationRequest/b"]
    assert post(client, SELECT, chosen).json() == {"cards": []}
    chosen["context"]["selections"] = ["MedicationRequest/a"]
    assert check_response(post(client, SELECT, chosen).json())


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"text"', b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000,
                                 json.dumps({"hook": "order-sign"}).encode(),
                                 json.dumps(hook_request("p", [])).replace('"patientId": "p"', '"patientId": 5')
                                 .encode(),
                                 json.dumps({**hook_request("p", [ldn_order("p")]),
                                             "fhirAuthorization": {"access_token": "t"}}).encode(),
                                 json.dumps({**hook_request("p", []), "context": {"patientId": "p",
                                                                                  "draftOrders": []}}).encode()])
def test_malformed_requests_are_400_with_a_json_error(client: TestClient, raw: bytes) -> None:
    response = client.post(SIGN, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]


def test_unknown_service_is_404(client: TestClient) -> None:
    assert client.post("/cds-services/nope", json={}).status_code == 404
    assert client.post("/cds-services/nope/feedback", json={}).status_code == 404


def test_missing_prefetch_without_a_fhir_server_is_412(client: TestClient) -> None:
    response = post(client, SIGN, hook_request("p", [ldn_order("p")], {"conditions": bundle([])}))
    assert response.status_code == 412 and "medications" in response.json()["error"]


def _fhir_server(resources: list[dict[str, Any]], seen: list[httpx.Request], fail: bool = False) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if fail:
            return httpx.Response(503, json={"resourceType": "OperationOutcome"})
        kind = request.url.path.rsplit("/", 1)[-1]
        if kind == "MedicationRequest" and "page" not in request.url.params:   # two pages, to follow `next`
            page = bundle([r for r in resources if r["resourceType"] == kind and r.get("status") == "active"][:2])
            page["link"] = [{"relation": "next", "url": str(request.url.copy_add_param("page", "2"))}]
            return httpx.Response(200, json=page)
        if kind == "MedicationRequest":
            return httpx.Response(200, json=bundle([r for r in resources if r["resourceType"] == kind
                                                    and r.get("status") == "active"][2:]))
        return httpx.Response(200, json=bundle([r for r in resources if r["resourceType"] == kind]))
    return httpx.MockTransport(handler)


@needs_samples
def test_without_prefetch_the_record_is_fetched_with_the_bearer_token(ruleset: RuleSet) -> None:
    resources = sample_resources(MARINE)
    pid = patient_of(resources)["id"]
    seen: list[httpx.Request] = []
    app = create_app(ruleset, Settings(auth=False), today=lambda: DAY, transport=_fhir_server(resources, seen))
    body = hook_request(pid, [ldn_order(pid)], None, fhirServer="https://ehr.example.org/fhir",
                        fhirAuthorization={"access_token": "SECRET-TOKEN", "token_type": "Bearer",
                                           "expires_in": 300, "scope": "patient/*.read", "subject": "ldn"})
    fetched = check_response(post(TestClient(app), SIGN, body).json())
    with_prefetch = check_response(post(TestClient(app), SIGN,
                                        hook_request(pid, [ldn_order(pid)], prefetch_of(resources))).json())
    assert [c["summary"] for c in fetched] == [c["summary"] for c in with_prefetch]
    assert all(r.headers["authorization"] == "Bearer SECRET-TOKEN" for r in seen)
    assert {r.url.path for r in seen} == {"/fhir/MedicationRequest", "/fhir/Condition"}
    assert len(seen) == 3 and all(r.url.params["patient"] == pid for r in seen)


def test_a_failing_fhir_server_is_412(ruleset: RuleSet) -> None:
    app = create_app(ruleset, Settings(auth=False), today=lambda: DAY, transport=_fhir_server([], [], fail=True))
    body = hook_request("p", [ldn_order("p")], None, fhirServer="https://ehr.example.org/fhir")
    response = post(TestClient(app), SIGN, body)
    assert response.status_code == 412 and "could not be fetched" in response.json()["error"]


def test_feedback_is_accepted_repeats_tolerated_and_comments_not_kept(client: TestClient) -> None:
    item = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-23T10:00:00Z",
            "overrideReason": {"reason": {"code": "record-out-of-date", "system": "urn:x", "display": "d"},
                               "userComment": "Mrs Smith says she stopped"}}
    for _ in range(2):
        response = post(client, SIGN + "/feedback", {"feedback": [item]})
        assert response.status_code == 200
    store: FeedbackStore = client.app.state.feedback  # type: ignore[attr-defined]
    kept = [k for k in store.items if k[1] == "c-1"]
    assert kept == [("ldn-order-sign", "c-1", "overridden", "2026-11-23T10:00:00Z", "record-out-of-date")]
    assert "Smith" not in repr(list(store.items))


@pytest.mark.parametrize("item", [
    {"card": "c", "outcome": "ignored", "outcomeTimestamp": "t"},                           # cds-fb-1
    {"card": "c", "outcome": "accepted", "outcomeTimestamp": "t"},                          # cds-fb-2
    {"card": "c", "outcome": "overridden", "outcomeTimestamp": "t", "overrideReason": {}},  # cds-fb-3
])
def test_feedback_breaking_the_spec_invariants_is_400(client: TestClient, item: dict[str, Any]) -> None:
    failing = [name for name in ("cds-fb-1", "cds-fb-2", "cds-fb-3")
               if name in INVARIANTS and evaluate(item.get("overrideReason", {}) if name == "cds-fb-3" else item,
                                                  INVARIANTS[name]) == [False]]
    assert failing, "each case breaks one of the specification's feedback invariants"
    assert post(client, SIGN + "/feedback", {"feedback": [item]}).status_code == 400


def test_feedback_memory_is_bounded() -> None:
    store = FeedbackStore(maxlen=3)
    for i in range(10):
        store.add("s", {"feedback": [{"card": str(i), "outcome": "overridden", "outcomeTimestamp": "t",
                                      "overrideReason": {"userComment": "x"}}]})
    assert [k[1] for k in store.items] == ["7", "8", "9"] and len(store._keys) == 3


@needs_samples
def test_no_patient_data_reaches_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    resources = sample_resources(MARINE)
    pid = patient_of(resources)["id"]
    with caplog.at_level(logging.DEBUG):
        post(client, SIGN, hook_request(pid, [ldn_order(pid)], prefetch_of(resources)))
        post(client, SIGN, {"hook": "order-sign", "context": {"patientId": pid}})
    text = caplog.text
    assert pid not in text and "tacrolimus" not in text.lower()


def test_a_140_character_summary_is_shortened_for_the_card_and_kept_whole_in_the_detail(ruleset: RuleSet) -> None:
    from screening.cds_hooks.service import card_summary, finding_card
    finding = Screening.of(ruleset, {"pregnancy": "yes"}, DAY).result.findings[0]
    long = finding.model_copy(update={"summary": "Word " * 28})          # 140 characters
    card = finding_card(ruleset, long, "p")
    assert len(card["summary"]) == 139 and card["summary"].endswith("\u2026")
    assert card["detail"].startswith(long.summary)
    check_response({"cards": [card]})
    assert card_summary("short") == "short"


@pytest.mark.parametrize("order", [
    {"resourceType": "MedicationRequest", "id": "x", "medicationCodeableConcept": "Naltrexone 4.5 mg"},
    {"resourceType": "MedicationRequest", "id": "x", "medicationCodeableConcept": {"coding": "naltrexone",
                                                                                    "text": "LDN 1.5 mg"}},
    {"resourceType": "MedicationRequest", "id": "x", "medicationReference": {"reference": "#m"},
     "contained": [{"resourceType": "Medication", "id": "m", "code": {"text": "naltrexone 3 mg compounded"}}]},
])
def test_loosely_shaped_naltrexone_orders_are_still_recognised(client: TestClient, order: dict[str, Any]) -> None:
    body = hook_request("p", [order], {"medications": bundle([]), "conditions": bundle([])})
    response = post(client, SIGN, body)
    assert response.status_code == 200 and check_response(response.json())


@pytest.mark.parametrize("orders", [[{"resourceType": "MedicationRequest"}], [{"resourceType": 5, "id": []}],
                                    [{"resourceType": "MedicationRequest", "medicationCodeableConcept": 7,
                                      "medicationReference": ["x"], "contained": "y"}]])
def test_junk_draft_orders_get_no_cards_not_an_error(client: TestClient, orders: list[Any]) -> None:
    response = post(client, SIGN, hook_request("p", orders, {}))
    assert response.status_code == 200 and response.json() == {"cards": []}


def test_an_internal_error_is_a_json_500_that_logs_no_record_text(ruleset: RuleSet, caplog: pytest.LogCaptureFixture,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import screening.cds_hooks.app as app_module

    def broken(*_: Any) -> Any:
        raise ValueError("Tacrolimus for patient Jane Doe")
    monkeypatch.setattr(app_module, "screen_record", broken)
    client = TestClient(create_app(ruleset, Settings(auth=False), today=lambda: DAY), raise_server_exceptions=False)
    with caplog.at_level(logging.DEBUG):
        response = post(client, SIGN, hook_request("p", [ldn_order("p")], {"medications": bundle([]),
                                                                            "conditions": bundle([])}))
    assert response.status_code == 500 and response.json() == {"error": "internal error"}
    assert "ValueError" in caplog.text and "Jane" not in caplog.text and "Tacrolimus" not in caplog.text


def test_the_bearer_token_never_follows_a_next_link_to_another_server(ruleset: RuleSet) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = bundle([])
        page["link"] = [{"relation": "next", "url": "https://attacker.example/steal?page=2"}]
        return httpx.Response(200, json=page)
    app = create_app(ruleset, Settings(auth=False), today=lambda: DAY, transport=httpx.MockTransport(handler))
    body = hook_request("p", [ldn_order("p")], None, fhirServer="https://ehr.example.org/fhir",
                        fhirAuthorization={"access_token": "SECRET", "token_type": "Bearer", "expires_in": 300,
                                           "scope": "patient/*.read", "subject": "ldn"})
    response = post(TestClient(app), SIGN, body)
    assert response.status_code == 412
    assert all(r.url.host == "ehr.example.org" for r in seen)


@needs_samples
def test_record_entries_about_another_patient_are_left_out_and_said_so(client: TestClient) -> None:
    resources = sample_resources(MARINE)
    cards = check_response(post(client, SIGN, hook_request("someone-else", [ldn_order("someone-else")],
                                                           prefetch_of(resources))).json())
    assert len(cards) == 1 and cards[0]["indicator"] == "info"       # no transplant card from Marine542's data
    assert "about another patient" in cards[0]["detail"]
