"""The CDS Hooks service as a real process: scripts/run-cds-hooks.sh's command on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .fhir_support import bundle, hook_request, ldn_order

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_server_process_answers_discovery_and_an_ldn_order() -> None:
    port = _free_port()
    env = {**os.environ, "LDN_CDS_PORT": str(port), "LDN_CDS_AUTH": "off"}
    proc = subprocess.Popen([sys.executable, "-m", "screening.cds_hooks"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                services = httpx.get(f"{base}/cds-services", timeout=2).json()["services"]
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the service did not start within 60 s"
                time.sleep(0.3)
        assert {s["hook"] for s in services} == {"order-select", "order-sign"}
        body = hook_request("p", [ldn_order("p")], {"medications": bundle([]), "conditions": bundle([
            {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"},
             "clinicalStatus": {"coding": [{"code": "active"}]},
             "code": {"coding": [{"system": "http://snomed.info/sct", "code": "21983002"}]}}])})
        cards = httpx.post(f"{base}/cds-services/ldn-order-sign", json=body, timeout=10).json()["cards"]
        assert cards[0]["indicator"] == "warning" and "Hashimoto" in cards[0]["detail"]
        bad = httpx.post(f"{base}/cds-services/ldn-order-sign", content=b"{oops", timeout=10)
        assert bad.status_code == 400
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "authentication is OFF" in output
    assert "21983002" not in output and "Patient/p" not in output
    assert "POST /cds-services" not in output      # no access log
