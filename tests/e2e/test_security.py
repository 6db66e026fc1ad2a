"""Security in a real browser: typed and uploaded text stays text, and the app talks to nobody.

(a) Injection payloads from tests/fixtures/injection-payloads.txt, pasted into the medication list
    and loaded from case files through the sidebar (narrative, title, medications, rejected answers,
    unknown keys, the file name): no dialog opens, no element made from a payload enters the page
    (script, image, handler attribute, javascript: or payload link, heading, emphasis, colour,
    icon, emoji, maths), no Streamlit exception box appears, and nothing a payload points at is
    fetched.
(b) While a browser session answers questions and pastes a list, the streamlit server process (and
    its children) holds no connection to anything but loopback, polled every ~100 ms with psutil,
    and every request the browser makes goes to the app's own origin (data: and blob: allowed).
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from screening.yaml_io import dump_yaml
from tests.e2e.server import wait_idle
from tests.test_injection import PAYLOADS

pytestmark = pytest.mark.browser

OPIOID_NOW = "Is the patient taking any opioid now, prescribed or not?"
OPIOID_30_DAYS = "Has the patient taken any opioid in the past 30 days"
THYROID = "Does the patient take thyroid hormone?"

# About ten representative payloads, each taken from the corpus so the two cannot drift apart.
SELECTED = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click me</a>',
    "[click me](javascript:alert(1))",
    "![tracker](http://198.51.100.7/pixel.png)",
    "http://198.51.100.7/bare-url and www.example.invalid and mail@example.invalid",
    "# Injected heading",
    "**bold** __bold__ *em* _em_ ~~strike~~",
    "$\\href{javascript:alert(1)}{click}$",
    ":red[RED] :blue-background[blue] :rainbow[rainbow]",
    ":material/dangerous: :material/check_circle: CLEARED",
    ":skull: :white_check_mark: emoji shortcodes",
    "{{7*7}} {{ config.items() }}",
]
# The same markup after a medicine the list recognises: such a line is quoted back in the findings.
RECOGNISED = ["Norco 10/325 <img src=x onerror=alert(1)> ![tracker](http://198.51.100.7/pixel.png) "
              "[click me](javascript:alert(1)) :material/dangerous: CLEARED :red[RED] **bold**",
              "levothyroxine 75 mcg <script>alert(1)</script> http://198.51.100.7/bare-url :skull:"]
# For one-line fields (an answer value, a key): as much of the markup as fits on one line.
COMBINED = ("![tracker](http://198.51.100.7/pixel.png) [click me](javascript:alert(1)) <img src=x onerror=alert(1)> "
            "http://198.51.100.7/bare-url :material/dangerous: CLEARED :red[RED] **bold** :skull: $\\href{x}{y}$")

PAYLOAD_HOSTS = re.compile(r"198\.51\.100\.7|example\.invalid|^javascript:", re.IGNORECASE)

# Records every Streamlit exception box the moment it enters the page (one shown only between two
# reruns still counts), and every element a payload could have made, as it is added.
WATCH = """
window.__ldnExceptions = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('[data-testid="stException"]')) {
    const text = (el.innerText || '').slice(0, 1000);
    if (!window.__ldnExceptions.includes(text)) window.__ldnExceptions.push(text);
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""

# Everything on the page that markup from a payload would have made. Returns a list of findings.
PAYLOAD_ELEMENTS = r"""
() => {
  const out = [];
  const origin = location.origin;
  const describe = (el) => el.outerHTML.slice(0, 160);
  const payloadUrl = /198(\.|%5c)51|example\.invalid|^\s*(javascript|vbscript|data):|^mailto:/i;
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) out.push(`event handler attribute: ${describe(el)}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name)
          && /^\s*(javascript|vbscript):/i.test(a.value)) out.push(`javascript: URL: ${describe(el)}`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    const body = (s.textContent || '') + (s.getAttribute('src') || '');
    if (/alert\(|198\.51/.test(body)) out.push(`script: ${describe(s)}`);
  }
  for (const el of document.querySelectorAll('img, image, iframe, frame, object, embed, video, audio, source')) {
    const src = el.getAttribute('src') || el.getAttribute('data') || el.getAttribute('href') || '';
    if (!src || src.startsWith('data:') || src.startsWith('blob:')) continue;
    let url; try { url = new URL(src, location.href).href; } catch (e) { url = src; }
    if (!url.startsWith(origin)) out.push(`<${el.tagName.toLowerCase()}> loading another origin: ${describe(el)}`);
  }
  for (const a of document.querySelectorAll('a')) {
    const href = a.getAttribute('href');
    if (href === null) continue;
    const fromPayload = href === '' || href === '#' || payloadUrl.test(href)
                        || /^(click( me)?|tracker)$/.test(a.textContent.trim());
    if (fromPayload) out.push(`link made from payload text: ${describe(a)}`);
  }
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (/Injected/.test(h.textContent)) out.push(`heading made from payload text: ${describe(h)}`);
  }
  for (const e of document.querySelectorAll('strong, b, em, i, del, s')) {
    if (/^(bold|em|strike)$/.test(e.textContent.trim())) out.push(`emphasis made from payload text: ${describe(e)}`);
  }
  const coloured = '[class*="stMarkdownColored"], [class*="ColoredText"], [class*="ColoredBackground"]';
  for (const e of document.querySelectorAll(coloured)) out.push(`coloured text made from payload text: ${describe(e)}`);
  const icons = '[data-testid="stMarkdownContainer"] span[role="img"], '
              + '[data-testid="stMarkdownContainer"] [data-testid="stIconMaterial"]';
  for (const e of document.querySelectorAll(icons)) {
    const block = e.closest('li, p, td, th, div');
    if (block && /CLEARED/.test(block.textContent)) out.push(`icon made from payload text: ${describe(block)}`);
  }
  const maths = document.querySelector('.katex, math');
  if (maths) out.push(`maths rendered: ${describe(maths)}`);
  const text = document.body.innerText;
  for (const emoji of ['\u{1F480}', '\u2705']) {
    if (text.includes(emoji)) out.push(`emoji shortcode rendered as ${emoji}`);
  }
  return out;
}
"""


# --------------------------------------------------------------------------------------------- fixtures

class Session:
    """One browser context on the app, recording dialogs and every request it makes."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.url = url
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 1800})
        self.context.add_init_script(WATCH)
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page: Page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.goto(url)
        self.page.locator('[data-testid="stApp"] h1').first.wait_for()
        self.settle()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def settle(self) -> None:
        wait_idle(self.page)
        seen = self.page.evaluate("() => window.__ldnExceptions || []")
        assert not seen and self.page.get_by_test_id("stException").count() == 0, \
            f"a Streamlit exception box appeared: {seen}"

    def foreign_requests(self) -> list[str]:
        return sorted({u for u in self.requests
                       if not (u == self.url or u.startswith(self.url + "/") or u.startswith(("data:", "blob:")))})

    def payload_requests(self) -> list[str]:
        """Requests that payload text caused (its hosts); any other origin is test (b)'s business."""
        return [u for u in self.foreign_requests() if PAYLOAD_HOSTS.search(u)]

    def assert_inert(self, what: str) -> None:
        self.settle()
        self.page.wait_for_timeout(300)       # let images and late renders start their requests
        problems = self.page.evaluate(PAYLOAD_ELEMENTS)
        report = []
        if self.dialogs:
            report.append(f"a dialog opened: {self.dialogs}")
        if problems:
            distinct = list(dict.fromkeys(problems))
            report.append(f"{len(distinct)} kind(s) of element made from payload text:\n    " + "\n    ".join(distinct))
        if self.payload_requests():
            report.append(f"the page fetched what payload text pointed at: {self.payload_requests()}")
        if report:
            pytest.fail(f"{what}:\n  " + "\n  ".join(report), pytrace=False)

    def choose(self, question: str, option: str) -> None:
        self.page.get_by_role("radiogroup", name=question).get_by_text(option, exact=True).click()
        self.settle()

    def paste_list(self, lines: list[str]) -> None:
        box = self.page.get_by_role("textbox", name="Medication list")
        box.fill("\n".join(lines))
        box.press("Control+Enter")
        self.settle()

    def upload_case(self, path: Path) -> None:
        self.page.get_by_test_id("stSidebarUserContent") \
            .locator('[data-testid="stFileUploaderDropzoneInput"][accept*=".yaml"]').set_input_files(str(path))
        self.settle()

    def open_every_finding_detail(self) -> None:
        """Finding details are built only when opened; open each (it reruns) so its text is on the page."""
        count = self.page.get_by_text("Why, what to discuss, sources:").count()
        for i in range(count):
            self.page.get_by_text("Why, what to discuss, sources:").nth(i).click()
            self.settle()

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def session(browser: Browser, app_url: str, tmp_path: Path) -> Iterator[Session]:
    s = Session(browser, app_url)
    yield s
    s.page.screenshot(path=str(tmp_path / "final.png"), full_page=True)
    assert s.page.get_by_test_id("stException").count() == 0, "a Streamlit exception box is on the page"
    s.close()


def write_case(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(dump_yaml({"screening_date": "2026-11-23", **data}), encoding="utf-8")
    return path


def test_the_selected_payloads_come_from_the_corpus() -> None:
    assert 10 <= len(SELECTED) and set(SELECTED) <= set(PAYLOADS)


# ------------------------------------------------------------------------------------------ (a) inert

def test_payloads_pasted_into_the_medication_list_stay_text(session: Session) -> None:
    session.choose(OPIOID_NOW, "No")
    session.choose(THYROID, "No")
    session.paste_list([*SELECTED, *RECOGNISED])
    # the two medicines carry the payload's words too, so they are partly read (issue 9: every word accounted for)
    expect(session.page.get_by_text(f"{len(SELECTED) + 2} lines read: 0 recognised, {len(SELECTED)} not recognised, "
                                    "2 partly read")).to_be_visible()
    expect(session.page.get_by_role("alert").filter(has_text="Opioid on the list")).to_be_visible()
    session.open_every_finding_detail()
    expect(session.page.get_by_text("Triggered by:").first).to_be_visible()
    session.assert_inert("medication list")


def test_a_case_file_with_payloads_in_narrative_and_medications_stays_text(session: Session, tmp_path: Path) -> None:
    case = write_case(tmp_path / "payload-case.yaml", {
        "title": SELECTED[1], "narrative": "\n".join(SELECTED), "answers": {"opioid_current": "no"},
        "medications": [*SELECTED, *RECOGNISED]})
    session.upload_case(case)
    expect(session.page.get_by_text("Loaded payload-case.yaml")).to_be_visible()
    expect(session.page.get_by_role("textbox", name="Medication list")).to_have_value(
        "\n".join([*SELECTED, *RECOGNISED]))
    session.open_every_finding_detail()
    session.assert_inert("case file narrative and medications")


def test_rejected_answers_in_a_case_file_stay_text(session: Session, tmp_path: Path) -> None:
    """An unknown option and a date that is not one are shown at their question with the value quoted."""
    case = write_case(tmp_path / "payload-answers.yaml", {"answers": {
        "opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": COMBINED, "opioid_last_dose": COMBINED,
        COMBINED: "yes"}})
    session.upload_case(case)
    expect(session.page.get_by_text("could not be loaded")).to_be_visible()
    expect(session.page.get_by_text("the case file's value was not loaded").first).to_be_visible()
    session.assert_inert("rejected case-file answers")


def test_a_refused_case_file_and_its_name_stay_text(session: Session, tmp_path: Path) -> None:
    """Unknown top-level keys refuse the whole file; the message names each key, and the file."""
    name = "payload <img src=x onerror=alert(1)> [click me](javascript:alert(1)) **bold** :skull:.yaml"   # no "/"
    case = write_case(tmp_path / name, {COMBINED: "x", "answers": {}})
    session.upload_case(case)
    expect(session.page.get_by_text("Nothing was loaded")).to_be_visible()
    session.assert_inert("refused case file")


# ---------------------------------------------------------------------------------------- (b) network

def _server_processes(port: int) -> list[psutil.Process]:
    """The `streamlit run` this test process started (tests/e2e/server.py), and its children."""
    found = []
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            cmd = child.cmdline()
        except psutil.Error:
            continue
        if "streamlit" in " ".join(cmd) and str(port) in cmd:
            found.append(child)
            found.extend(child.children(recursive=True))
    return found


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class ConnectionPoller:
    """Every ~100 ms, the remote address of every inet connection of the server processes."""

    def __init__(self, processes: list[psutil.Process], limit_s: float = 90.0) -> None:
        self.processes = processes
        self.remotes: dict[str, str] = {}      # address -> first connection seen with it
        self.polls = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + limit_s
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            for proc in self.processes:
                try:
                    for c in proc.net_connections(kind="inet"):
                        if c.raddr:
                            self.remotes.setdefault(c.raddr.ip, f"{c.laddr.ip}:{c.laddr.port} -> "
                                                                f"{c.raddr.ip}:{c.raddr.port} ({c.status})")
                except psutil.Error as exc:
                    self.errors.append(f"{proc.pid}: {exc!r}")
            self.polls += 1
            self._stop.wait(0.1)

    def __enter__(self) -> ConnectionPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def test_the_app_connects_to_nothing_but_loopback(browser: Browser, app_url: str) -> None:
    port = int(app_url.rsplit(":", 1)[1])
    processes = _server_processes(port)
    assert processes, f"no streamlit process on port {port} among this test's children"
    with ConnectionPoller(processes) as poller:
        s = Session(browser, app_url)
        try:
            s.choose(OPIOID_NOW, "No")
            s.choose(OPIOID_30_DAYS, "Yes")
            s.choose(THYROID, "No")
            s.paste_list(["Norco 10/325 1 tab q6h prn", "levothyroxine 75 mcg daily", "gabapentin 300 mg tid"])
            expect(s.page.get_by_text("3 lines read:")).to_be_visible()
            s.page.get_by_text("Summary for discussion: clinician and patient views").click()   # opened on request
            s.settle()
            s.page.get_by_role("tab", name="Patient discussion view").click()
            s.settle()
            s.page.wait_for_timeout(1500)     # anything the page or the server fetches lazily
            foreign = s.foreign_requests()
            requests = len(s.requests)
        finally:
            s.close()
    assert poller.polls >= 10, f"only {poller.polls} polls of the server's connections"
    assert not poller.errors, f"could not read the server's connections: {poller.errors[:3]}"
    assert "127.0.0.1" in poller.remotes, "the browser's own connection to the server was never seen: the poll " \
                                          "does not look at the right process"
    outside = {ip: conn for ip, conn in poller.remotes.items() if not _is_loopback(ip)}
    assert not outside, f"the streamlit server connected outside loopback: {outside}"
    assert requests > 0
    assert not foreign, f"the page made requests to other origins than {app_url}: {foreign}"
