"""The CDS Hooks protocol without a web framework: discovery, request checks, the record, the cards.

The screening is the app's: the record goes through screening/fhir_import.py (the same reading as
the app's import) and a `Screening` (screening/session.py), and each finding becomes one card.
Nothing here logs or keeps patient data.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from ..errors import BadRequest, DataUnavailable
from ..fhir_import import FhirImport, import_record, is_naltrexone_order, resources_of
from ..report import md_escape
from ..result_models import Finding, ScreeningResult
from ..ruleset import RuleSet
from ..session import Screening

CARD_NAMESPACE = uuid.UUID("6f1d7f3e-3c1b-5d4e-9a51-1d0a7c2b9e40")   # uuid5 namespace of this service's cards

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active",
    "conditions": "Condition?patient={{context.patientId}}",
}
NEEDED_PREFETCH = ("medications", "conditions")   # the patient resource is not needed to screen
MAX_PAGES = 20
SUMMARY_LIMIT = 140   # a card summary must be shorter than this






# A fetcher gets (fhirServer, relative query, access token) and returns a parsed FHIR JSON resource.
Fetcher = Callable[[str, str, str | None], Awaitable[Any]]


def discovery(ruleset: RuleSet) -> dict[str, Any]:
    cds = _cds(ruleset)
    return {"services": [{"hook": s.hook, "id": s.id, "title": s.title, "description": s.description,
                          "prefetch": dict(PREFETCH)} for s in cds.services]}


def _cds(ruleset: RuleSet) -> Any:
    if ruleset.cds is None:
        raise RuntimeError("the rule set has no cds-hooks.yaml")
    return ruleset.cds


def service_hook(ruleset: RuleSet, service_id: str) -> str | None:
    return next((s.hook for s in _cds(ruleset).services if s.id == service_id), None)


@dataclass(frozen=True)
class HookRequest:
    hook: str
    hook_instance: str
    patient_id: str
    draft_orders: list[dict[str, Any]]
    selections: list[str] | None
    fhir_server: str | None
    access_token: str | None
    prefetch: Mapping[str, Any]


def other_hook(body: Any, hook: str) -> bool:
    """A well-formed call for a hook this service does not answer (appointment-book sent to order-sign):
    it holds no order for this service, so the answer is no cards, not an error."""
    return isinstance(body, dict) and isinstance(body.get("hook"), str) and bool(body["hook"]) \
        and body["hook"] != hook and isinstance(body.get("context"), dict)


def parse_request(body: Any, hook: str) -> HookRequest:
    """Check a request's shape (leniently: real EHRs send Bundles without `type`); BadRequest if unusable."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if not isinstance(body.get("hook"), str) or not body["hook"]:
        raise BadRequest('"hook" must be a string')
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not instance:
        raise BadRequest('"hookInstance" must be a string')
    context = body.get("context")
    if not isinstance(context, dict):
        raise BadRequest('"context" must be a JSON object')
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise BadRequest('"context.patientId" must be a string')
    orders = context.get("draftOrders")
    if not isinstance(orders, dict) or orders.get("resourceType") != "Bundle":
        raise BadRequest('"context.draftOrders" must be a FHIR Bundle')
    selections = context.get("selections")
    if selections is not None and not (isinstance(selections, list) and all(isinstance(s, str) for s in selections)):
        raise BadRequest('"context.selections" must be a list of strings')
    server = body.get("fhirServer")
    if server is not None and not isinstance(server, str):
        raise BadRequest('"fhirServer" must be a URL string')
    auth = body.get("fhirAuthorization")
    token = None
    if auth is not None:
        if not isinstance(auth, dict) or not isinstance(auth.get("access_token"), str):
            raise BadRequest('"fhirAuthorization.access_token" must be a string')
        if server is None:
            raise BadRequest('"fhirAuthorization" is given without "fhirServer" (cds-r-1)')
        token = auth["access_token"]
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise BadRequest('"prefetch" must be a JSON object')
    return HookRequest(hook=body["hook"], hook_instance=instance, patient_id=patient_id,
                       draft_orders=resources_of(orders), selections=selections, fhir_server=server,
                       access_token=token, prefetch=prefetch or {})


def naltrexone_orders(ruleset: RuleSet, req: HookRequest) -> list[dict[str, Any]]:
    """The drafted MedicationRequests that are naltrexone (on order-select, among the selected ones)."""
    meds = {f"Medication/{r.get('id')}": r for r in req.draft_orders if r.get("resourceType") == "Medication"}
    wanted = set(req.selections) if req.hook == "order-select" and req.selections else None
    found = []
    for r in req.draft_orders:
        if r.get("resourceType") != "MedicationRequest":
            continue
        if wanted is not None and f"MedicationRequest/{r.get('id')}" not in wanted:
            continue
        if is_naltrexone_order(ruleset, r, meds):
            found.append(r)
    return found


def _same_server(url: str, server: str) -> bool:
    base = server.rstrip("/") + "/"
    return url.startswith(base) or not url.startswith(("http://", "https://", "//"))


def _usable(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") not in (None, "OperationOutcome")


async def record_resources(req: HookRequest, fetch: Fetcher) -> list[dict[str, Any]]:
    """The prefetched resources, fetching from fhirServer what the prefetch lacks; DataUnavailable if neither."""
    out: list[dict[str, Any]] = []
    for key in ("patient", *NEEDED_PREFETCH):
        value = req.prefetch.get(key)
        if _usable(value):
            out.extend(resources_of(value))
            continue
        if key not in NEEDED_PREFETCH:
            continue
        if not req.fhir_server:
            raise DataUnavailable(f'the prefetch "{key}" is missing and no fhirServer was given to fetch it')
        query = PREFETCH[key].replace("{{context.patientId}}", quote(req.patient_id, safe=""))
        pages = 0
        while query and pages < MAX_PAGES:
            try:
                data = await fetch(req.fhir_server, query, req.access_token)
            except Exception as exc:   # any transport or HTTP failure: the data cannot be obtained
                raise DataUnavailable(f'the "{key}" data could not be fetched from fhirServer '
                                      f"({type(exc).__name__})") from None
            if not _usable(data):
                raise DataUnavailable(f'fhirServer did not return a FHIR resource for "{key}"')
            out.extend(resources_of(data))
            pages += 1
            query = next((link.get("url") for link in data.get("link") or []
                          if isinstance(link, dict) and link.get("relation") == "next"), None)
            if query is not None and not (isinstance(query, str) and _same_server(query, req.fhir_server)):
                # the bearer token goes to the EHR's FHIR server only, never to another host
                raise DataUnavailable(f'fhirServer pointed the next page of "{key}" at another server')
    return out


# ---- cards ----------------------------------------------------------------------------------------

def card_uuid(rule_id: str, patient_id: str, ruleset: RuleSet) -> str:
    return str(uuid.uuid5(CARD_NAMESPACE, f"{rule_id}|{patient_id}|{ruleset.sha256}"))


def _source(ruleset: RuleSet, app_url: str | None = None) -> dict[str, Any]:
    cds = _cds(ruleset)
    source: dict[str, Any] = {"label": cds.source_label.format(name=ruleset.meta.name, version=ruleset.version)}
    if app_url:
        source["url"] = app_url
    return source


def finding_detail(ruleset: RuleSet, f: Finding) -> str:
    """Why, what to discuss, what would change it, what in the record triggered it, and the sources."""
    parts = [f"**{f.title}**", f"**Why it matters.** {f.why}"]
    if f.sources_disagree:
        parts.append(f"**Where sources disagree.** {f.sources_disagree}")
    parts.append("**Discuss.**\n" + "\n".join(f"- {d}" for d in f.discuss))
    parts.append(f"**What would change this.** {f.would_change}")
    if f.triggered_by:   # answers from the record and medication names: untrusted text, escaped
        parts.append("**From the record.**\n" + "\n".join(f"- {md_escape(t.prompt)}: {md_escape(t.answer)}"
                                                          for t in f.triggered_by))
    sources = []
    for s in f.sources:
        if s.url:
            sources.append(f"- [{s.title}]({s.url})")
        else:
            sources.append(f"- {s.title}" + (f" ({s.document})" if s.document else ""))
    parts.append("**Sources.**\n" + "\n".join(sources))
    parts.append(_cds(ruleset).detail_footer)
    return "\n\n".join(parts)


def card_summary(text: str) -> str:
    """CDS Hooks wants fewer than 140 characters; rule files allow 140, so the 140th is cut to an ellipsis
    (the whole sentence is in the detail)."""
    return text if len(text) < SUMMARY_LIMIT else text[:SUMMARY_LIMIT - 2].rstrip() + "\u2026"


def finding_card(ruleset: RuleSet, f: Finding, patient_id: str, app_url: str | None = None) -> dict[str, Any]:
    cds = _cds(ruleset)
    detail = finding_detail(ruleset, f)
    if card_summary(f.summary) != f.summary:
        detail = f"{f.summary}\n\n{detail}"
    return {"uuid": card_uuid(f.rule_id, patient_id, ruleset), "summary": card_summary(f.summary),
            "indicator": f.severity,
            "detail": detail, "source": _source(ruleset, app_url),
            "overrideReasons": [{"system": cds.override_reason_system, "code": r.code, "display": r.display}
                                for r in cds.override_reasons]}


def not_assessed_card(ruleset: RuleSet, result: ScreeningResult, imported: FhirImport, patient_id: str,
                      app_url: str | None) -> dict[str, Any] | None:
    """One info card listing what the record could not answer, with a link to the checklist."""
    open_items = result.not_assessed
    if not open_items and not imported.problems and not imported.other_patients:
        return None
    cds = _cds(ruleset)
    lines = [cds.not_assessed_intro, "\n".join(f"- {md_escape(n.prompt)}" for n in open_items)]
    if imported.problems:
        lines.append(f"{len(imported.problems)} record entries could not be read and were left out; check "
                     "them by hand in the record.")
    if imported.other_patients:
        lines.append(f"{imported.other_patients} entries sent with this request are about another patient and "
                     "were left out.")
    card: dict[str, Any] = {
        "uuid": card_uuid("not-assessed", patient_id, ruleset),
        "summary": cds.not_assessed_summary.format(count=len(open_items)),
        "indicator": "info", "detail": "\n\n".join(x for x in lines if x), "source": _source(ruleset, app_url)}
    if app_url:
        card["links"] = [{"label": cds.checklist_link_label, "url": app_url, "type": "absolute"}]
    return card


def screen_record(ruleset: RuleSet, resources: list[dict[str, Any]], patient_id: str,
                  screening_date: date) -> tuple[FhirImport, ScreeningResult]:
    """The app's screening of a record: the same import and the same engine call."""
    imported = import_record(ruleset, resources, screening_date, patient_id=patient_id)
    screening = Screening.of(ruleset, imported.answers, screening_date, imported.medication_lines or None)
    return imported, screening.result


def cards_for(ruleset: RuleSet, result: ScreeningResult, imported: FhirImport, patient_id: str,
              app_url: str | None) -> list[dict[str, Any]]:
    cards = [finding_card(ruleset, f, patient_id, app_url) for f in result.findings]
    info = not_assessed_card(ruleset, result, imported, patient_id, app_url)
    if info is not None:
        cards.append(info)
    return cards


# ---- feedback -------------------------------------------------------------------------------------

class FeedbackStore:
    """Feedback kept in memory only, bounded: card uuid, outcome, time and override reason code.
    A user's comment is never kept (it may name the patient); a repeat is accepted and kept once."""

    def __init__(self, maxlen: int) -> None:
        self.items: deque[tuple[str, str, str, str, str | None]] = deque(maxlen=maxlen)
        self._keys: set[tuple[str, str, str, str, str | None]] = set()

    def add(self, service_id: str, body: Any) -> int:
        if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
            raise BadRequest('feedback must be a JSON object with a "feedback" list')
        parsed = []
        for i, item in enumerate(body["feedback"]):
            if not isinstance(item, dict) or not isinstance(item.get("card"), str):
                raise BadRequest(f'feedback[{i}].card must be the card uuid (a string)')
            outcome = item.get("outcome")
            if outcome not in ("accepted", "overridden"):                     # cds-fb-1
                raise BadRequest(f'feedback[{i}].outcome must be "accepted" or "overridden"')
            if outcome == "accepted" and not item.get("acceptedSuggestions"):  # cds-fb-2
                raise BadRequest(f"feedback[{i}]: an accepted outcome needs acceptedSuggestions")
            reason = item.get("overrideReason")
            code = None
            if reason is not None:
                if not isinstance(reason, dict) or not (reason.get("reason") or reason.get("userComment")):
                    raise BadRequest(f"feedback[{i}].overrideReason needs a reason, a userComment or both")  # cds-fb-3
                coding = reason.get("reason")
                code = coding.get("code") if isinstance(coding, dict) and isinstance(coding.get("code"), str) else None
            stamp = item.get("outcomeTimestamp")
            if not isinstance(stamp, str):
                raise BadRequest(f"feedback[{i}].outcomeTimestamp must be a date-time string")
            parsed.append((service_id, item["card"], outcome, stamp, code))
        for key in parsed:
            if key in self._keys:
                continue
            if len(self.items) == self.items.maxlen:
                self._keys.discard(self.items[0])
            self.items.append(key)
            self._keys.add(key)
        return len(parsed)
