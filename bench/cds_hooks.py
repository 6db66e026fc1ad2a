"""CDS Hooks request time with a Synthea-size prefetch, and FHIR import time of the largest sample.

    .venv/bin/python bench/cds_hooks.py [--requests 200]

Targets (issue 13): request p95 <= 50 ms with ~1,000 prefetched resources; import <= 1 s.
The request is measured in-process through FastAPI's TestClient (HTTP parsing, auth off, the screening,
the cards); the import is `fhir-case`'s work: read the file, validate every resource, read it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from screening.cds_hooks.app import create_app, warm_up  # noqa: E402
from screening.cds_hooks.settings import Settings  # noqa: E402
from screening.fhir_import import import_record, read_fhir_bytes  # noqa: E402
from screening.loader import load_ruleset  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "fhir-samples"
DAY = date(2026, 11, 23)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    ruleset = load_ruleset()
    largest = max(SAMPLES.glob("*.json"), key=lambda p: p.stat().st_size)
    data = largest.read_bytes()

    times, cpu_import = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        resources, problems = read_fhir_bytes(data, largest.name)
        imported = import_record(ruleset, resources, DAY, validate_all=True, problems=problems)
        times.append(time.perf_counter() - start)
        cpu_import.append(time.process_time() - start_cpu)
    print(f"import {largest.name} ({len(data) / 1e6:.1f} MB, {len(resources)} resources, "
          f"{len(imported.prefilled)} answers, {len(imported.medications)} medicines): "
          f"first {times[0] * 1000:.0f} ms, median of the rest {statistics.median(times[1:]) * 1000:.0f} ms "
          f"(target <= 1000 ms); CPU time median {statistics.median(cpu_import[1:]) * 1000:.0f} ms")

    marine = json.loads((SAMPLES / "bulk10_Marine542_Ai120_Upton904_79a66c97.json").read_text(encoding="utf-8"))
    res = [e["resource"] for e in marine["entry"]]
    patient = next(r for r in res if r["resourceType"] == "Patient")
    # a Synthea-size prefetch: every MedicationRequest (not only the active ones) and every Condition
    meds = [r for r in res if r["resourceType"] == "MedicationRequest"]
    conds = [r for r in res if r["resourceType"] == "Condition"]
    prefetch = {"patient": patient,
                "medications": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in meds]},
                "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in conds]}}
    order = {"resourceType": "MedicationRequest", "id": "ldn", "status": "draft", "intent": "order",
             "subject": {"reference": f"Patient/{patient['id']}"},
             "medicationCodeableConcept": {"text": "Naltrexone 4.5 mg capsule (LDN, compounded)"}}
    body = json.dumps({"hook": "order-sign", "hookInstance": "b", "context": {
        "userId": "Practitioner/1", "patientId": patient["id"],
        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]}}, "prefetch": prefetch}).encode()
    client = TestClient(create_app(ruleset, Settings(auth=False), today=lambda: DAY))
    warm_up()   # as python -m screening.cds_hooks does before serving
    headers = {"Content-Type": "application/json"}
    for _ in range(5):
        assert client.post("/cds-services/ldn-order-sign", content=body, headers=headers).status_code == 200
    samples, cpu = [], []
    for _ in range(args.requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.post("/cds-services/ldn-order-sign", content=body, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    cards = len(response.json()["cards"])
    print(f"CDS Hooks order-sign, prefetch of {len(meds) + len(conds) + 1} resources ({len(body) / 1e6:.1f} MB), "
          f"{cards} cards, {args.requests} requests: p50 {pct(samples, 50):.1f} ms, p95 {pct(samples, 95):.1f} ms "
          f"(target p95 <= 50 ms); CPU time per request p50 {pct(cpu, 50):.1f} ms, p95 {pct(cpu, 95):.1f} ms "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
