"""Concurrent browser sessions against one `streamlit run app.py`: click-to-update time, server memory, isolation.

    .venv/bin/python bench/concurrency.py [--sessions 10,25,50] [--think-ms 0] [--max-seconds 600]
                                          [--browser-nice 19] [--post-script-gc on|off] [--no-protocol]
                                          [--browserless-only] [--inject-leak]

One server (tests/e2e/server.py), one headless Chromium, one browser context per session, Playwright's async
API so the sessions really run at the same time. Session i answers six yes/no questions from the bits of i
(every session below 64 has its own pattern of answers) and types a medication line with its own marker
"zzmarker{i}" (committed with Ctrl+Enter), which must come back in its own table as NOT RECOGNISED.

Times per click:
- click-to-update, in the page: from the trusted click (or the Ctrl+Enter) to the first moment the script
  state is idle again AND the expected change is on the page: the progress text and the findings counts
  that the engine predicts for this session's answers so far (for the list, its own marker in its own
  table). A MutationObserver armed before the click records it, so no polling delay is added.
- server round trip, browserless: one extra client replays the warm-up session's rerun requests over
  Streamlit's WebSocket during each round's steps (about one a second), and after each round N such
  clients replay them at once (no browser at all, same think time as the browser sessions): request sent
  to 'script finished' received, the server's share alone.
- one real browser among N browserless sessions: in the same browserless round, one more session in
  Chromium with its own answers (checked for isolation like the others). Its click-to-update is what one
  user sees while N others load the server, with their browser drawing only their own page. The rounds of
  N browser sessions cannot show that on a small machine: there Chromium drawing all N pages takes the
  cores (the report prints its CPU per click).
Chromium runs at nice 19 (--browser-nice): it stands in for every user's own machine, rendering all N
pages on the same cores as the server, and should not starve the server it measures.

After its steps every session is checked: the only marker on its page is its own, each radio holds its own
answer (or none, for a question it has not reached) and its findings are exactly its own. Any
cross-session leak ends the run with exit status 1 (2: other session errors; 3: out of time).

Memory: RSS of the streamlit process and its children (psutil), before any session, after one warm-up
session (imports and caches every process pays once), and per round before the sessions, once they are
open and after their steps. Streamlit keeps a closed session for reconnection (2 minutes by default) and
Python seldom gives freed memory back, so a round's "before" includes earlier rounds.

The whole run is bounded by --max-seconds: when time runs out, sessions stop clicking, are still checked,
the round is reported as INCOMPLETE with what it measured, and later rounds are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import re
import statistics
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from playwright.async_api import Browser, BrowserContext, CDPSession, Page, async_playwright  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect as ws_connect  # noqa: E402

from screening.loader import DEFAULT_RULES_DIR, load_ruleset  # noqa: E402
from screening.ruleset import RuleSet  # noqa: E402
from screening.session import Screening  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

# Six yes/no questions; session i answers question k "yes" when bit k of i is set. The list comes third.
QUESTIONS = ("opioid_current", "liver_acute", "liver_chronic", "thyroid_hashimoto", "thyroid_hormone",
             "transplant_recipient")
MED_STEP_AT = 2
TARGET_P95_MS = 500.0
TARGET_MB_PER_SESSION = 2.0
STEP_TIMEOUT_MS = 120_000        # per click; under 50 sessions a page can take a minute to draw its first table
LOAD_TIMEOUT_MS = 180_000
VIEWPORT = {"width": 1400, "height": 1600}      # as tests/e2e
CLOSE_RESERVE_S = 60.0          # kept back from --max-seconds for checks, closing and the report
PROBE_THINK_MS = 1000          # the browserless client during a browser round clicks about once a second
OPEN_BUDGET_S = 4.0             # a round starts only with this much time per session (to load it) left
MARKER_RE = re.compile(r"zzmarker(\d+)")

# Arm a MutationObserver before an action; window.__bench.done resolves once the expected state is reached.
ARM_JS = r"""
({progress, counts, marker, timeoutMs}) => {
  const b = {t0: null};
  window.__bench = b;
  const onAct = (e) => {
    const act = e.type === 'click' || (e.key === 'Enter' && e.ctrlKey);
    if (b.t0 === null && e.isTrusted && act) b.t0 = performance.now();
  };
  document.addEventListener('click', onAct, true);
  document.addEventListener('keydown', onAct, true);
  const reached = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const p = document.querySelector('[data-testid="stProgress"] p');
    if (!p || p.textContent.trim() !== progress) return false;
    let found = null;
    for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
      const m = el.textContent.match(/(\d+) critical · .*?(\d+) warning · .*?(\d+) info/);
      if (m) { found = [+m[1], +m[2], +m[3]]; break; }
    }
    if (!found || found.join(',') !== counts.join(',')) return false;
    if (marker) {
      const cells = Array.from(document.querySelectorAll(CELLS));
      if (!cells.some(c => c.textContent.includes(marker))) return false;
    }
    return true;
  };
  b.done = new Promise((resolve) => {
    const obs = new MutationObserver(() => check());
    const finish = (res) => {
      obs.disconnect(); clearTimeout(timer);
      document.removeEventListener('click', onAct, true); document.removeEventListener('keydown', onAct, true);
      resolve(res);
    };
    const check = () => { if (b.t0 !== null && reached()) finish({ok: true, ms: performance.now() - b.t0}); };
    const timer = setTimeout(() => {
      const p = document.querySelector('[data-testid="stProgress"] p');
      finish({ok: false, clicked: b.t0 !== null, progress: p ? p.textContent : null,
              state: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
              textarea: Array.from(document.querySelectorAll('textarea')).map(t => t.value),
              linesRead: Array.from(document.querySelectorAll('[data-testid="stMarkdownContainer"]'))
                .map(e => e.textContent).filter(t => t.includes('lines read')),
              tables: document.querySelectorAll('[data-testid="stTable"], [data-testid="stDataFrame"]').length,
              cells: Array.from(document.querySelectorAll(CELLS)).map(c => c.textContent)});
    }, timeoutMs);
    obs.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  });
  return true;
}
"""

# Everything a session's page shows that could hold another session's data.
SNAPSHOT_JS = r"""
() => {
  const text = document.body.innerText;
  const cells = Array.from(document.querySelectorAll(CELLS))
    .map(c => c.textContent);
  const areas = Array.from(document.querySelectorAll('textarea')).map(t => t.value);
  const radios = {};
  for (const g of document.querySelectorAll('[role="radiogroup"]')) {
    const checked = g.querySelector('input[type="radio"]:checked');
    radios[g.getAttribute('aria-label')] = checked ? (checked.closest('label')?.innerText || '').trim() : null;
  }
  const alerts = Array.from(document.querySelectorAll('[data-testid="stAlertContainer"], [role="alert"]'))
    .flatMap(a => a.innerText.split('\n').map(t => t.trim()).filter(t => /^(CRITICAL|WARNING|INFO): /.test(t)));
  return {text, cells, areas, radios, alerts: Array.from(new Set(alerts))};
}
"""
# the medication table's cells: a plain table for a short list, the grid's accessible table for a long one
CELLS = '[data-testid="stTable"] td, [data-testid="stDataFrame"] [role="gridcell"]'
ARM_JS, SNAPSHOT_JS = (js.replace("CELLS", repr(CELLS)) for js in (ARM_JS, SNAPSHOT_JS))

READY_JS = r"""
(prompt) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const g = Array.from(document.querySelectorAll('[role="radiogroup"]'))
    .find(e => e.getAttribute('aria-label') === prompt);
  const r = g && g.querySelector('input[type="radio"]');
  return !!(r && !r.disabled && document.querySelector('[data-testid="stProgress"] p'));
}
"""


@dataclass(frozen=True)
class State:
    """What a session's page must show after some of its steps."""

    answers: dict[str, str]
    med_done: bool
    progress: str
    counts: tuple[int, int, int]
    alerts: frozenset[str]


@dataclass(frozen=True)
class Step:
    kind: str                 # "radio" or "meds"
    question: str | None
    option: str | None        # "yes" / "no"
    after: State


@dataclass(frozen=True)
class Plan:
    index: int
    answers: dict[str, str]
    med_line: str
    marker: str
    start: State
    steps: list[Step]


@dataclass
class SessionResult:
    index: int
    samples_ms: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)          # the step kind of each sample: radio or meds
    wall_ms: list[float] = field(default_factory=list)
    steps_done: int = 0
    failed_step: bool = False       # the step after steps_done started but its update was not seen in time
    out_of_time: bool = False
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)     # its rerun requests, as sent by the browser


def expected_state(ruleset: RuleSet, screening_date: date, answers: dict[str, str], meds: list[str] | None) -> State:
    """What the engine gives for these answers: the page must show the same."""
    raw: dict[str, Any] = {cq.question.id: None for cq in ruleset.questions}
    raw.update(answers)
    result = Screening.of(ruleset, raw, screening_date, meds).result
    counts = (len(result.by_severity("critical")), len(result.by_severity("warning")), len(result.by_severity("info")))
    alerts = frozenset(f"{ruleset.meta.severities[f.severity].label.upper()}: {f.title}" for f in result.findings)
    return State(dict(answers), meds is not None, f"{result.answered} of {result.applicable} applicable questions "
                 "answered", counts, alerts)


def make_plan(ruleset: RuleSet, screening_date: date, i: int) -> Plan:
    answers = {q: ("yes" if (i >> k) & 1 else "no") for k, q in enumerate(QUESTIONS)}
    marker = f"zzmarker{i}"
    med_line = f"{marker} 5 mg daily"
    so_far: dict[str, str] = {}
    meds: list[str] | None = None
    steps: list[Step] = []
    order: list[str | None] = list(QUESTIONS)
    order.insert(MED_STEP_AT, None)
    for q in order:
        if q is None:
            meds = [med_line]
            steps.append(Step("meds", None, None, expected_state(ruleset, screening_date, so_far, meds)))
        else:
            so_far[q] = answers[q]
            steps.append(Step("radio", q, answers[q], expected_state(ruleset, screening_date, so_far, meds)))
    return Plan(i, answers, med_line, marker, expected_state(ruleset, screening_date, {}, None), steps)


class Wire:
    """One page's rerun requests as the browser sends them (DevTools protocol), for browserless replay."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    def on_sent(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("opcode") != 2:          # Streamlit's messages are binary protobuf
            return
        data = base64.b64decode(response["payloadData"])
        try:
            if BackMsg.FromString(data).WhichOneof("type") == "rerun_script":
                self.requests.append(data)
        except Exception:  # noqa: BLE001 - a frame that is not a BackMsg is not ours to replay
            pass


def is_script_finished(data: bytes | str) -> bool:
    if not isinstance(data, bytes) or len(data) > 300:      # 'script finished' is a few dozen bytes
        return False
    try:
        return ForwardMsg.FromString(data).WhichOneof("type") == "script_finished"
    except Exception:  # noqa: BLE001
        return False


async def protocol_client(url: str, requests: list[bytes], think_ms: int, seed: int, stop: asyncio.Event,
                          samples: list[float], errors: list[str], ready: asyncio.Barrier | None = None,
                          loops: int = 1_000_000) -> None:
    """A session with no browser: replay a browser session's rerun requests over Streamlit's WebSocket.

    Times each request to its 'script finished', so the number is the server's alone (no rendering).
    Requests are replayed in order, `loops` times or until `stop` is set; the first one opens the session.
    With `ready`, the client meets the driver three times: open, start, done (even when it failed).
    """
    first, steps = requests[0], requests[1:]
    jitter = [0.5 + ((seed * 7919 + k * 104729) % 1000) / 1000 for k in range(97)]   # fixed, per client
    met = 0

    async def meet() -> None:
        nonlocal met
        if ready is not None:
            met += 1
            await ready.wait()

    async def finished(ws: Any) -> None:
        while not is_script_finished(await ws.recv()):
            pass
    ws_url = "ws" + url.removeprefix("http") + "/_stcore/stream"
    try:
        async with ws_connect(ws_url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                              open_timeout=60, ping_interval=None) as ws:
            await ws.send(first)
            await asyncio.wait_for(finished(ws), STEP_TIMEOUT_MS / 1000)
            await meet()                # every client is open: the driver reads memory now
            await meet()                # ... and releases them together
            k = 0
            for _ in range(loops):
                for request in steps:
                    if stop.is_set():
                        break
                    if think_ms:
                        await asyncio.sleep(think_ms / 1000 * jitter[k % len(jitter)])
                    k += 1
                    start = time.perf_counter()
                    await ws.send(request)
                    await asyncio.wait_for(finished(ws), STEP_TIMEOUT_MS / 1000)
                    samples.append((time.perf_counter() - start) * 1000)
                if stop.is_set():
                    break
            while ready is not None and met < 3:
                await meet()            # stay open until the driver has read memory again
    except Exception as exc:  # noqa: BLE001 - reported; the driver must still be met
        errors.append(f"protocol client {seed}: {exc!r}"[:300])
        while ready is not None and met < 3:
            await meet()


async def close_contexts(contexts: list[BrowserContext]) -> None:
    """Best effort, all at once and bounded: the browser itself is closed at the end anyway."""
    await asyncio.wait([asyncio.create_task(c.close()) for c in contexts] or [asyncio.sleep(0)], timeout=30)


async def protocol_round(url: str, server: psutil.Process, requests: list[bytes], n: int, think_ms: int,
                         stop_at: float, probe: tuple[Browser, RuleSet, date] | None = None) -> dict[str, Any]:
    """n browserless sessions at once, each replaying the warm-up session's clicks once.

    With `probe`, one real browser session runs among them (its own answers, checked for isolation): what
    one user sees, drawing only their own page, while n other sessions load the server.
    """
    samples: list[float] = []
    errors: list[str] = []
    ready = asyncio.Barrier(n + 1)
    stop = asyncio.Event()
    before = rss_mb(server)
    cpu = cpu_seconds([server])
    opened_b, stepped_b = asyncio.Barrier(2), asyncio.Barrier(2)
    contexts: list[BrowserContext] = []
    btask = None
    if probe is not None:
        browser, ruleset, screening_date = probe
        plan = make_plan(ruleset, screening_date, n % 64 or 63)     # not session 0, whose clicks are replayed
        btask = asyncio.create_task(session(browser, url, plan, ruleset, think_ms, stop_at, opened_b, stepped_b,
                                            contexts, plan))
        await opened_b.wait()
    tasks = [asyncio.create_task(protocol_client(url, requests, think_ms, i, stop, samples, errors, ready, loops=1))
             for i in range(n)]
    watchdog = asyncio.create_task(asyncio.sleep(max(0.0, stop_at - time.monotonic())))
    watchdog.add_done_callback(lambda _: stop.set())
    browser_result = None
    try:
        await ready.wait()
        after_open = rss_mb(server)
        start = time.perf_counter()
        if btask is not None:
            await opened_b.wait()
        await ready.wait()
        await ready.wait()
        if btask is not None:
            await stepped_b.wait()
            browser_result = await btask
        elapsed = time.perf_counter() - start
        after_steps = rss_mb(server)
        await asyncio.gather(*tasks)
    finally:
        watchdog.cancel()
        for t in tasks:
            t.cancel()
        await close_contexts(contexts)
    return {"n": n, "samples": samples, "planned": n * (len(requests) - 1), "before": before,
            "after_open": after_open, "after_steps": after_steps, "elapsed": elapsed,
            "cpu_server": cpu_seconds([server]) - cpu, "errors": errors, "browser": browser_result}


def report_protocol(r: dict[str, Any], think_ms: int) -> None:
    n, samples = r["n"], r["samples"]
    print(f"-- {n} sessions without browsers (protocol clients replaying the warm-up clicks; think time "
          f"{think_ms} ms) --")
    if len(samples) < r["planned"]:
        print(f"INCOMPLETE: {len(samples)} of {r['planned']} clicks done before the time limit")
    if samples:
        p95 = percentile(samples, 95)
        print(f"server round trip:        p50 {statistics.median(samples):6.0f} ms  p95 {p95:6.0f} ms  "
              f"max {max(samples):6.0f} ms  samples {len(samples)}  (target p95 <= {TARGET_P95_MS:.0f} ms: "
              f"{'meets' if p95 <= TARGET_P95_MS else 'MISSES'})")
    b: SessionResult | None = r.get("browser")
    if b is not None and b.samples_ms:
        line = f"one real browser among them: p50 {statistics.median(b.samples_ms):6.0f} ms  p95 " \
               f"{percentile(b.samples_ms, 95):6.0f} ms  samples {len(b.samples_ms)}  (click-to-update in its page:"
        print(line + " one user's view, their browser drawing only their own page; " +
              ", ".join(f"{k} {ms:.0f} ms" for k, ms in zip(b.kinds, b.samples_ms, strict=True)) + ")")
    per = (r["after_steps"] - r["before"]) / n
    print(f"server RSS (+children):   before {r['before']:.1f} MB  after {n} open {r['after_open']:.1f} MB  after "
          f"their steps {r['after_steps']:.1f} MB  -> {per:.2f} MB per extra session")
    print(f"server CPU per click {1000 * r['cpu_server'] / max(1, len(samples)):.0f} ms; "
          f"{len(samples) / max(r['elapsed'], 1e-9):.1f} clicks/s served")



def post_script_gc_config() -> str:
    """runner.postScriptGC as the project's .streamlit/config.toml sets it (the server reads the same file)."""
    with (ROOT / ".streamlit" / "config.toml").open("rb") as f:
        value = tomllib.load(f).get("runner", {}).get("postScriptGC")
    return "true (Streamlit's default)" if value is None else f"{str(value).lower()} (.streamlit/config.toml)"


def rss_mb(proc: psutil.Process) -> float:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine (every core, every process)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def server_process(url: str) -> psutil.Process:
    port = url.rsplit(":", 1)[1]
    for child in psutil.Process().children(recursive=True):
        try:
            cmd = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "streamlit" in " ".join(cmd) and port in cmd:
            return child
    raise RuntimeError(f"no streamlit process found for {url}")


def driver_processes(server: psutil.Process) -> list[psutil.Process]:
    """This script and Playwright's driver: every process of ours that is neither Chromium nor the server."""
    skip = {p.pid for p in [server, *server.children(recursive=True), *chromium_processes()]}
    return [psutil.Process(), *[p for p in psutil.Process().children(recursive=True) if p.pid not in skip]]


def chromium_processes() -> list[psutil.Process]:
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


async def open_session(browser: Browser, url: str, prompt: str, wire: Wire, timeout_ms: float) \
        -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    page = await context.new_page()
    cdp: CDPSession = await context.new_cdp_session(page)
    cdp.on("Network.webSocketFrameSent", wire.on_sent)
    await cdp.send("Network.enable")
    await page.goto(url, timeout=timeout_ms)
    await page.wait_for_function(READY_JS, arg=prompt, timeout=timeout_ms, polling=100)
    return context, page


async def run_steps(page: Page, plan: Plan, ruleset: RuleSet, think_ms: int, stop_at: float,
                    res: SessionResult) -> None:
    rng = random.Random(plan.index)     # fixed per session: the same run can be repeated
    for n, step in enumerate(plan.steps):
        if think_ms:
            # independent users: the first click falls anywhere in one think time, later ones 0.5-1.5x apart
            await asyncio.sleep(think_ms / 1000 * (rng.uniform(0, 1) if n == 0 else rng.uniform(0.5, 1.5)))
        if time.monotonic() > stop_at:
            res.out_of_time = True
            return
        after = step.after
        await page.evaluate(ARM_JS, {"progress": after.progress, "counts": list(after.counts),
                                     "marker": plan.marker if step.kind == "meds" else None,
                                     "timeoutMs": STEP_TIMEOUT_MS})
        start = time.perf_counter()
        if step.kind == "radio":
            assert step.question is not None and step.option is not None
            cq = ruleset.question(step.question)
            group = page.get_by_role("radiogroup", name=cq.question.prompt, exact=True)
            await group.get_by_text(cq.options[step.option], exact=True).click(timeout=STEP_TIMEOUT_MS)
        else:
            box = page.get_by_role("textbox", name="Medication list")
            await box.fill(plan.med_line, timeout=STEP_TIMEOUT_MS)
            await box.press("Control+Enter", timeout=STEP_TIMEOUT_MS)
        outcome = await page.evaluate("() => window.__bench.done")
        wall = (time.perf_counter() - start) * 1000
        if not outcome.get("ok"):
            res.failed_step = True
            res.errors.append(f"session {plan.index} step {n + 1} ({step.kind} {step.question or ''}): expected "
                              f"{after.progress!r} {after.counts} not reached: {outcome}")
            return
        res.steps_done = n + 1
        res.samples_ms.append(float(outcome["ms"]))
        res.kinds.append(step.kind)
        res.wall_ms.append(wall)


async def check_isolation(page: Page, plan: Plan, ruleset: RuleSet, res: SessionResult) -> None:
    """The page shows this session's state after its completed steps, and nothing of another session's.

    After a step that timed out, the page may show the state before or after it; either is its own.
    """
    state = plan.steps[res.steps_done - 1].after if res.steps_done else plan.start
    states = [state, plan.steps[res.steps_done].after] if res.failed_step else [state]
    snap = await page.evaluate(SNAPSHOT_JS)
    who = f"session {res.index}" + (f" (checked as session {plan.index})" if plan.index != res.index else "")
    seen = set()
    for blob in [snap["text"], *snap["cells"], *snap["areas"]]:
        seen.update(int(m) for m in MARKER_RE.findall(blob))
    others = sorted(seen - {plan.index})
    if others:
        res.leaks.append(f"{who} shows other sessions' markers: {others}")
    if all(st.med_done for st in states):
        if plan.index not in seen:
            res.errors.append(f"{who}: its own marker is not on its page")
        if not any(c.startswith(plan.marker + " ") for c in snap["cells"]) or \
                "not recognised" not in [c.lower() for c in snap["cells"]]:
            res.errors.append(f"{who}: its line is not in its table as NOT RECOGNISED: {snap['cells']}")
    for q in QUESTIONS:
        cq = ruleset.question(q)
        if cq.question.prompt not in snap["radios"]:
            continue            # hidden by skip logic (none of these six is, but stay honest)
        shown = snap["radios"][cq.question.prompt]
        wants = [cq.options[st.answers[q]] if q in st.answers else None for st in states]
        if shown not in wants:
            res.leaks.append(f"{who}: {q} shows {shown!r}, expected {' or '.join(map(repr, wants))}")
    alerts = set(snap["alerts"])
    if all(alerts != set(st.alerts) for st in states):
        res.leaks.append(f"{who}: findings {sorted(alerts)} != expected {sorted(state.alerts)}")
    if all(st.progress not in snap["text"] for st in states):
        res.errors.append(f"{who}: progress {state.progress!r} not on the page")


async def session(browser: Browser, url: str, plan: Plan, ruleset: RuleSet, think_ms: int, stop_at: float,
                  opened: asyncio.Barrier, stepped: asyncio.Barrier, contexts: list[BrowserContext],
                  check_plan: Plan) -> SessionResult:
    res = SessionResult(plan.index)
    wire = Wire()
    prompt = ruleset.question(QUESTIONS[0]).question.prompt
    page = None
    try:
        load_ms = max(1_000.0, min(LOAD_TIMEOUT_MS, (stop_at - time.monotonic()) * 1000))
        context, page = await open_session(browser, url, prompt, wire, load_ms)
        contexts.append(context)
    except Exception as exc:  # noqa: BLE001 - reported; the barriers must still be passed
        if time.monotonic() >= stop_at - 1:
            res.out_of_time = True      # the time limit cut the load short: not the app's failure
        else:
            res.errors.append(f"session {plan.index}: did not load: {exc!r}"[:500])
        page = None
    await opened.wait()              # every session is open: the driver reads memory now
    await opened.wait()              # ... and releases them together
    if page is not None:
        try:
            await run_steps(page, plan, ruleset, think_ms, stop_at, res)
            await check_isolation(page, check_plan, ruleset, res)
        except Exception as exc:  # noqa: BLE001
            res.errors.append(f"session {plan.index}: {exc!r}"[:500])
    res.requests = list(wire.requests)
    await stepped.wait()
    return res


async def round_of(browser: Browser, url: str, server: psutil.Process, ruleset: RuleSet, screening_date: date,
                   n: int, think_ms: int, stop_at: float, inject_leak: bool = False,
                   probe_requests: list[bytes] | None = None) -> dict[str, Any]:
    plans = [make_plan(ruleset, screening_date, i) for i in range(n)]
    # --inject-leak: session 0's page is checked against session 1's plan, as if the two had been swapped
    check_plans = [plans[1], *plans[1:]] if inject_leak and n > 1 else plans
    contexts: list[BrowserContext] = []
    opened, stepped = asyncio.Barrier(n + 1), asyncio.Barrier(n + 1)
    before = rss_mb(server)
    t_open = time.perf_counter()
    tasks = [asyncio.create_task(session(browser, url, p, ruleset, think_ms, stop_at, opened, stepped, contexts, c))
             for p, c in zip(plans, check_plans, strict=True)]
    try:
        await opened.wait()
        open_s = time.perf_counter() - t_open
        await asyncio.sleep(1.0)         # let the server settle after the first runs
        after_open = rss_mb(server)
        cpu_server, cpu_browser = cpu_seconds([server]), cpu_seconds(chromium_processes())
        cpu_driver, cpu_busy = cpu_seconds(driver_processes(server)), busy_seconds()
        t_steps = time.perf_counter()
        probe_samples: list[float] = []
        probe_errors: list[str] = []
        probe_stop = asyncio.Event()
        probe = asyncio.create_task(protocol_client(url, probe_requests, max(think_ms, PROBE_THINK_MS), 999,
                                                    probe_stop, probe_samples, probe_errors)) if probe_requests \
            else None
        await opened.wait()
        await stepped.wait()
        steps_s = time.perf_counter() - t_steps
        probe_stop.set()
        if probe is not None:
            await probe
        cpu_server, cpu_browser = cpu_seconds([server]) - cpu_server, cpu_seconds(chromium_processes()) - cpu_browser
        cpu_driver, cpu_busy = cpu_seconds(driver_processes(server)) - cpu_driver, busy_seconds() - cpu_busy
        after_steps = rss_mb(server)
        results = [await t for t in tasks]
    finally:
        for t in tasks:
            t.cancel()
        await close_contexts(contexts)
    return {"n": n, "results": results, "before": before, "after_open": after_open, "after_steps": after_steps,
            "open_s": open_s, "steps_s": steps_s, "cpu_server": cpu_server, "cpu_browser": cpu_browser,
            "cpu_other": max(0.0, cpu_busy - cpu_server - cpu_browser - cpu_driver), "cpu_driver": cpu_driver,
            "cpu_busy": cpu_busy,
            "load": os.getloadavg()[0], "planned": sum(len(p.steps) for p in plans),
            "probe": probe_samples, "probe_errors": probe_errors}


def report(r: dict[str, Any], think_ms: int) -> None:
    n, results = r["n"], r["results"]
    samples = [s for x in results for s in x.samples_ms]
    wall = [s for x in results for s in x.wall_ms]
    print(f"\n== {n} concurrent sessions (think time {think_ms} ms) ==")
    if len(samples) < r["planned"]:
        print(f"INCOMPLETE: {len(samples)} of {r['planned']} clicks done"
              + (" before the time limit" if any(x.out_of_time for x in results) else ""))
    if samples:
        p95 = percentile(samples, 95)
        verdict = "meets" if p95 <= TARGET_P95_MS else "MISSES"
        print(f"click-to-update (page):   p50 {statistics.median(samples):6.0f} ms  p95 {p95:6.0f} ms  "
              f"max {max(samples):6.0f} ms  samples {len(samples)}  (target p95 <= {TARGET_P95_MS:.0f} ms "
              f"at 50 sessions: {verdict})")
        for kind, what in (("radio", "a radio answer"), ("meds", "the medication list (first table)")):
            ks = [s for x in results for s, k in zip(x.samples_ms, x.kinds, strict=True) if k == kind]
            if ks:
                print(f"  {kind + ':':22s}  p50 {statistics.median(ks):6.0f} ms  p95 {percentile(ks, 95):6.0f} ms  "
                      f"samples {len(ks)}  ({what})")
        print(f"  driver wall time:       p50 {statistics.median(wall):6.0f} ms  p95 {percentile(wall, 95):6.0f} ms"
              "  (Playwright's click and round trips added)")
    else:
        print("click-to-update: no samples")
    if r["probe"]:
        probe = r["probe"]
        print(f"  one browserless client: p50 {statistics.median(probe):6.0f} ms  p95 {percentile(probe, 95):6.0f} ms"
              f"  samples {len(probe)}  (one more session, replaying clicks over the WebSocket about once a "
              "second meanwhile: the server's share alone)")
    per = (r["after_steps"] - r["before"]) / n
    per_open = (r["after_open"] - r["before"]) / n
    verdict = "meets" if per <= TARGET_MB_PER_SESSION else "MISSES"
    print(f"server RSS (+children):   before {r['before']:.1f} MB  after {n} open {r['after_open']:.1f} MB  "
          f"after their steps {r['after_steps']:.1f} MB")
    print(f"  per extra session:      {per:.2f} MB after steps, {per_open:.2f} MB just open  "
          f"(target <= {TARGET_MB_PER_SESSION:.0f} MB: {verdict})")
    steps = max(r["steps_s"], 1e-9)
    print(f"time: {n} sessions open in {r['open_s']:.1f} s, steps {r['steps_s']:.1f} s.  CPU during steps: "
          f"server {r['cpu_server']:.1f} s ({100 * r['cpu_server'] / steps:.0f}% of a core), "
          f"Chromium {r['cpu_browser']:.1f} s ({100 * r['cpu_browser'] / steps:.0f}%), "
          f"driver {r['cpu_driver']:.1f} s ({100 * r['cpu_driver'] / steps:.0f}%), "
          f"server CPU per click {1000 * r['cpu_server'] / max(1, len(samples) + len(r['probe'])):.0f} ms")
    print(f"machine during steps: {100 * r['cpu_busy'] / steps:.0f}% of {psutil.cpu_count()} cores busy; "
          f"processes outside this benchmark {r['cpu_other']:.1f} s CPU; 1-min load average {r['load']:.1f}")
    clicks = max(1, len(samples))
    print(f"  Chromium per click:     {1000 * r['cpu_browser'] / clicks:.0f} ms CPU, server {1000 * r['cpu_server'] / clicks:.0f} ms"
          + (f"; the browsers drawing all {n} pages on these {psutil.cpu_count()} cores bound the page times, so the "
             "browserless figures below are the server's share" if r["cpu_browser"] > r["cpu_server"] * 3 else ""))


async def main_async(args: argparse.Namespace, deadline: float) -> int:
    ruleset = load_ruleset(os.environ.get("LDN_RULES_DIR", str(DEFAULT_RULES_DIR)))
    screening_date = date.today()      # the app's default screening date
    failures: list[str] = []
    leaks: list[str] = []
    out_of_time = False
    print(f"machine: {psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB, shared by the "
          f"server and Chromium; 1-min load average at start {os.getloadavg()[0]:.1f}; "
          f"runner.postScriptGC {os.environ.get('STREAMLIT_RUNNER_POST_SCRIPT_GC', post_script_gc_config())}; "
          f"Chromium at nice {args.browser_nice}")
    with streamlit_server() as url:
        server = server_process(url)
        cold = rss_mb(server)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            if args.browser_nice:
                for proc in chromium_processes():      # renderers started later inherit it
                    proc.nice(args.browser_nice)
            try:
                warm = await round_of(browser, url, server, ruleset, screening_date, 1, 0, deadline)
                errors = [e for r in warm["results"] for e in r.errors + r.leaks]
                if errors or any(r.out_of_time for r in warm["results"]):
                    raise RuntimeError("warm-up session failed:\n" + "\n".join(errors))
                await asyncio.sleep(1.0)
                print(f"server RSS before any session: {cold:.1f} MB; after one warm-up session (imports, rule "
                      f"set, caches paid once per process): {rss_mb(server):.1f} MB")
                requests = warm["results"][0].requests      # its connect + one rerun request per click
                if len(requests) != 1 + len(make_plan(ruleset, screening_date, 0).steps):
                    raise RuntimeError(f"warm-up session sent {len(requests)} rerun requests, expected one to "
                                       "connect and one per click")
                for n in args.sessions:
                    if time.monotonic() + OPEN_BUDGET_S * n > deadline:
                        print(f"\n== {n} concurrent sessions: NOT RUN, too little of --max-seconds left ==")
                        out_of_time = True
                        continue
                    if not args.browserless_only:
                        r = await round_of(browser, url, server, ruleset, screening_date, n, args.think_ms,
                                           deadline, args.inject_leak, None if args.no_protocol else requests)
                        report(r, args.think_ms)
                        sys.stdout.flush()
                        failures += r["probe_errors"]
                        for res in r["results"]:
                            failures += res.errors
                            leaks += res.leaks
                            out_of_time |= res.out_of_time
                    if not args.no_protocol and time.monotonic() < deadline:
                        pr = await protocol_round(url, server, requests, n, args.think_ms, deadline,
                                                  (browser, ruleset, screening_date))
                        report_protocol(pr, args.think_ms)
                        sys.stdout.flush()
                        failures += pr["errors"]
                        if pr["browser"] is not None:
                            failures += pr["browser"].errors
                            leaks += pr["browser"].leaks
                            out_of_time |= pr["browser"].out_of_time
                        out_of_time |= len(pr["samples"]) < pr["planned"]
            finally:
                await browser.close()
    for line in failures:
        print(f"ERROR: {line}")
    for line in leaks:
        print(f"CROSS-SESSION LEAK: {line}")
    if leaks:
        print(f"\nFAILED: {len(leaks)} cross-session leak(s)")
        return 1
    if failures:
        print(f"\nFAILED: {len(failures)} session error(s) (no leak seen)")
        return 2
    if not args.browserless_only:
        print("\nisolation: every session showed only its own marker, answers and findings")
    if out_of_time:
        print(f"INCOMPLETE: the run reached --max-seconds {args.max_seconds:.0f} before every click was done")
        return 3
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", default="10,25,50", type=lambda s: [int(x) for x in s.split(",") if x])
    parser.add_argument("--think-ms", type=int, default=5000, help="mean pause between a session's clicks, jittered 0.5-1.5x (default 5000: a clinician reading a question and clicking its answer; 0: "
                        "every session clicks again as soon as its page has updated)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="the whole run stops after this")
    parser.add_argument("--post-script-gc", choices=("on", "off"), help="set Streamlit's runner.postScriptGC "
                        "for this run's server (default: whatever the project's config says)")
    parser.add_argument("--browser-nice", type=int, default=19, help="niceness of Chromium's processes "
                        "(default 19: the browser standing in for every user's machine yields the CPU to the "
                        "server it is measuring; 0 to compete as equals)")
    parser.add_argument("--no-protocol", action="store_true", help="skip the browserless clients (the one "
                        "replaying clicks during each round, and the round of N of them after it)")
    parser.add_argument("--browserless-only", action="store_true", help="after the warm-up session, run "
                        "only the rounds of browserless clients (quick server measurements, e.g. to compare "
                        "--post-script-gc on and off); no isolation check")
    parser.add_argument("--inject-leak", action="store_true", help="self-test: check session 0 against "
                        "session 1's answers and marker; the run must then fail with exit status 1")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: run `bash scripts/setup.sh dev`")
    if args.post_script_gc:
        os.environ["STREAMLIT_RUNNER_POST_SCRIPT_GC"] = "true" if args.post_script_gc == "on" else "false"
    started = time.monotonic()

    async def bounded() -> int:
        # sessions stop clicking at the soft deadline; the hard one cancels everything that is left
        async with asyncio.timeout(args.max_seconds):
            return await main_async(args, started + max(10.0, args.max_seconds - CLOSE_RESERVE_S))
    try:
        code = asyncio.run(bounded())
    except TimeoutError:
        print(f"FAILED: the run exceeded {args.max_seconds:.0f} s and was stopped")
        code = 3
    sys.exit(code)


if __name__ == "__main__":
    main()
