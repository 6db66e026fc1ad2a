"""The FastAPI application: GET /cds-services, POST /cds-services/{id}, POST /cds-services/{id}/feedback.

Every error is a JSON object {"error": ...} with a 4xx status; a request never produces a 500
because of what it contains. No request body, token or patient data is logged or kept.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..fhir_import import _model_class
from ..loader import DEFAULT_RULES_DIR, load_ruleset
from ..ruleset import RuleSet
from .auth import AuthError, JwtVerifier
from .service import (BadRequest, DataUnavailable, FeedbackStore, cards_for, discovery, naltrexone_orders,
                      other_hook, parse_request, record_resources, screen_record, service_hook)
from .settings import Settings

log = logging.getLogger("ldn.cds_hooks")
FHIR_JSON = "application/fhir+json"


def warm_up() -> None:
    """For the server process (not a test process): import the FHIR models the import validates, then
    freeze what is loaded, and collect the young generation less often. The rule set and the
    models live as long as the process, and a ~1,000-resource request allocates enough to trigger full
    garbage collections that would otherwise walk them every time."""
    for resource_type in ("MedicationRequest", "MedicationStatement", "Condition", "Patient", "Medication"):
        _model_class(resource_type)
    gc.collect()
    gc.freeze()
    # A request's ~1,000 resources are tens of thousands of dicts, all freed together at its end: collect
    # the young generation less often than every 700 allocations (cycles are still collected).
    gc.set_threshold(50_000, 20, 20)


def _utc_today() -> date:
    return datetime.now(timezone.utc).date()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _internal(exc: Exception) -> JSONResponse:
    """A bug, not a bad request: logged by type and place only (its message could hold record text)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb is not None else "?"
    log.error("internal error %s at %s; request content not logged", type(exc).__name__, where)
    return _error(500, "internal error")


def create_app(ruleset: RuleSet | None = None, settings: Settings | None = None,
               today: Callable[[], date] = _utc_today,
               transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """Build the service. The rule set is loaded (and validated) once, here; an invalid one stops it."""
    ruleset = ruleset or load_ruleset(DEFAULT_RULES_DIR)
    if ruleset.cds is None or ruleset.fhir is None:
        raise RuntimeError("the rule set lacks cds-hooks.yaml or fhir-conditions.yaml; the service cannot start")
    settings = settings or Settings.from_env()
    verifier = JwtVerifier(settings.jwks, settings.issuers, settings.allowed_jku) if settings.auth else None
    if verifier is None:
        log.warning("!!! LDN CDS Hooks service: client authentication is OFF (LDN_CDS_AUTH=off). Any caller can "
                    "send requests. Use this for local testing only, never with real patient data. !!!")
    feedback = FeedbackStore(settings.feedback_kept)
    app = FastAPI(title="LDN safety screening: CDS Hooks service", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.feedback = feedback
    app.state.settings = settings

    async def fetch(server: str, query: str, token: str | None) -> Any:
        url = query if query.startswith(("http://", "https://")) else f"{server.rstrip('/')}/{query.lstrip('/')}"
        headers = {"Accept": FHIR_JSON}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with httpx.AsyncClient(transport=transport, timeout=settings.fhir_timeout) as client:
            response = await client.get(url, headers=headers)
        response.raise_for_status()
        return response.json()

    def authenticate(request: Request, service_id: str) -> None:
        if verifier is None:
            return
        endpoint = f"{settings.base_url}/cds-services/{service_id}" if settings.base_url else \
            str(request.url.replace(query="")).removesuffix("/feedback")
        audiences = {endpoint, str(request.url.replace(query=""))}
        verifier.verify(request.headers.get("authorization"), audiences)

    async def json_body(request: Request) -> Any:
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            raise BadRequest("the request body is too large")
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("the request body is not valid JSON") from None
        except RecursionError:
            raise BadRequest("the request body is nested too deeply") from None

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(400, "invalid request")


    @app.get("/cds-services")
    async def services() -> dict[str, Any]:
        return discovery(ruleset)

    def refused(service_id: str, request: Request) -> JSONResponse | None:
        """404 for an unknown service, 401 for a caller that does not authenticate; None when both pass."""
        if service_hook(ruleset, service_id) is None:
            return _error(404, f'no CDS service "{service_id}"')
        try:
            authenticate(request, service_id)
        except AuthError as exc:
            return _error(401, str(exc))
        return None

    @app.post("/cds-services/{service_id}")
    async def call(service_id: str, request: Request) -> JSONResponse:
        if (refusal := refused(service_id, request)) is not None:
            return refusal
        hook = service_hook(ruleset, service_id)
        try:
            body = await json_body(request)
            if other_hook(body, hook):
                return JSONResponse({"cards": []})
            req = parse_request(body, hook)
            if not naltrexone_orders(ruleset, req):
                return JSONResponse({"cards": []})
            resources = await record_resources(req, fetch)
            imported, result = screen_record(ruleset, resources, req.patient_id, today())
            cards = cards_for(ruleset, result, imported, req.patient_id, settings.app_url)
        except BadRequest as exc:
            return _error(400, str(exc))
        except DataUnavailable as exc:
            return _error(412, str(exc))
        except Exception as exc:   # caught here: Starlette would re-raise it to the server log with its message
            return _internal(exc)
        return JSONResponse({"cards": cards})

    @app.post("/cds-services/{service_id}/feedback")
    async def give_feedback(service_id: str, request: Request) -> JSONResponse:
        if (refusal := refused(service_id, request)) is not None:
            return refusal
        try:
            feedback.add(service_id, await json_body(request))
        except BadRequest as exc:
            return _error(400, str(exc))
        except Exception as exc:
            return _internal(exc)
        return JSONResponse({})

    return app
