#!/usr/bin/env python3
"""The portal in a real browser: headless Chromium driven by Selenium against a real `hookd serve`, loopback only.

    python3 Tests/Portal/portal_browser_test.py .build/debug/hookd [--screenshots docs/portal]

It starts hookd on 127.0.0.1 with a temporary data directory and a loopback receiver that records every delivery,
creates two apps, points the first one's v3 URL at the receiver and publishes events; then, in the browser, with
a link from `hookd portal-link`: checks that the cookie alone (no CSRF header) changes nothing, sees the
deliveries, searches one by eventId, opens it and sees its attempt, retries it and sees the new attempt at the
receiver and in the page, creates an endpoint keyed by ordering key (its secret shown once, its ordering on its
card), tests, disables, enables, edits and recovers it, holds the first of two events of one ordering key at the
receiver and sees the second waiting for it in the log and on its page, then both arrive in publish order (SPEC §15), rotates the v3 URL's secret and verifies the next delivery with the secret the page showed (Standard
Webhooks; and the new endpoint's delivery with the secret shown at its creation),
sees a failing endpoint's warning with the date it will be disabled (SPEC §14), a 410 disable another (GONE), disables
a third in the page, makes its receiver answer again and presses "Enable and deliver what failed" (ACTIVE, the count
queued, the deliveries received), checks the cookie (HttpOnly, SameSite=Strict) and that no `link=` stays in the
address, logs out, and replays the used link (refused). Then the operator's link: apps with their queue depth, the
failing endpoints across apps, suspend and activate. The browser's console must hold no error (SEVERE) from the pages.
hookd runs with `--endpoint-retry-schedule 1`, so a v3.20 delivery that fails is FAILED a second later.

With --screenshots DIR it saves PNGs of the main pages at 1280x900 and 390x844. Exit status 0 when every check
passed; the first failing check is printed with what the page showed.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = os.environ.get("HOOKD_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HOOKD_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 30  # seconds an explicit wait may take before the check fails (CI runs other tests beside this one)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SESSION_ENDED = "Your portal session has ended; ask for a new link (hookd portal-link)"


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def step(text):
    print(f"- {text}", flush=True)


# ---- The loopback receiver ---------------------------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request; `/fail…` and `/flaky…` paths answer 500, `/gone…` 410,
    the others 200 (`answer` changes a prefix's status; `hold` keeps an event's requests to a path unanswered)."""

    def __init__(self):
        self.requests = []
        self.failing_once = set()  # webhook-ids whose next request is answered 500
        self.held = {}  # (path, webhook-id) → the gate its requests wait at, unanswered, until `release`
        self.holding = set()  # (path, webhook-id) of the requests waiting at their gate
        self.statuses = {"/fail": 500, "/flaky": 500, "/gone": 410}  # path prefix → status answered
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = {
                    "path": self.path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": body,
                }
                event_id = record["headers"].get("webhook-id")
                with receiver.changed:
                    gate = receiver.held.get((self.path, event_id))
                    if gate:
                        receiver.holding.add((self.path, event_id))
                        receiver.changed.notify_all()
                if gate:
                    gate.wait(WAIT)
                with receiver.changed:
                    fail_once = event_id in receiver.failing_once
                    receiver.failing_once.discard(event_id)
                    by_path = [s for prefix, s in receiver.statuses.items() if self.path.startswith(prefix)]
                status = 500 if fail_once else (by_path[0] if by_path else 200)
                record["status"] = status
                answer = b'{"received":true}' if status == 200 else b'{"error":"the ledger is down"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with receiver.changed:
                    receiver.requests.append(record)
                    receiver.changed.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail_once(self, event_id):
        """Answers the next request for this event 500."""
        with self.changed:
            self.failing_once.add(event_id)

    def hold(self, path, event_id):
        """Leaves the requests for this event to `path` unanswered until `release`."""
        with self.changed:
            self.held[(path, event_id)] = threading.Event()

    def wait_held(self, path, event_id, timeout=WAIT):
        """Waits until a request for this event to `path` waits at its gate."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while (path, event_id) not in self.holding:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CheckFailed(f"the receiver did not get {event_id} at {path} within {timeout} s")
                self.changed.wait(remaining)

    def release(self, path, event_id):
        """Answers the held requests for this event to `path`, and the later ones, as any other."""
        with self.changed:
            gate = self.held.pop((path, event_id), None)
        if gate:
            gate.set()

    def answer(self, prefix, status):
        """Answers every later request whose path starts with `prefix` with `status`."""
        with self.changed:
            self.statuses[prefix] = status

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def matching(self, predicate):
        with self.changed:
            return [r for r in self.requests if predicate(r)]

    def wait_for(self, predicate, count, what, timeout=WAIT):
        """Waits until `count` recorded requests satisfy `predicate`; answers them."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [r for r in self.requests if predicate(r)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CheckFailed(f"the receiver did not get {what} within {timeout} s (got {len(found)})")
                self.changed.wait(remaining)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def attempts_headers(page, number):
    """The 'Headers sent' panels of attempt `number` on the delivery page."""
    return page.one(f'.attempt[data-attempt="{number}"]').find_elements(By.CSS_SELECTOR, ".request-headers")


def for_event(event_id):
    return lambda r: r["headers"].get("webhook-id") == event_id


def wait_until(condition, what, timeout=WAIT):
    """Calls `condition` until it answers something true, which it answers; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise CheckFailed(f"waited {timeout} s for {what}")
        time.sleep(0.2)


def parse_time(text):
    """An API timestamp (`2026-12-07T17:46:08.123Z`) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def shown_time(text):
    """An API timestamp as the pages show it (format.js `formatTime`): `2026-12-07 17:46:08 UTC`."""
    return parse_time(text).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


# ---- hookd --------------------------------------------------------------------------------------------------------


class Hookd:
    """`hookd serve` on 127.0.0.1 with a temporary data directory, and the commands that share it."""

    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.output = []
        self.process = None
        self.base = None

    def command(self, *arguments):
        run = subprocess.run(
            [self.binary, *arguments, "--data-dir", self.data_dir],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.environment(),
        )
        check(run.returncode == 0, f"hookd {' '.join(arguments)} failed ({run.returncode}): {run.stderr.strip()}")
        return run.stdout

    def environment(self):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
        return environment

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data-dir",
                self.data_dir,
                "--allow-http-targets",
                "--allow-private-targets",
                # One retry, a second after the first attempt: a failing endpoint's deliveries become FAILED at once.
                "--endpoint-retry-schedule",
                "1",
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.environment(),
        )
        listening = threading.Event()

        def read():
            for line in self.process.stdout:
                self.output.append(line.rstrip("\n"))
                match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
                if match and not self.base:
                    self.base = match.group(1)
                    listening.set()
            listening.set()

        threading.Thread(target=read, daemon=True).start()
        listening.wait(60)
        check(self.base, "hookd serve did not say where it listens:\n" + "\n".join(self.output[-20:]))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def call(self, method, path, body=None, token=None, expect=None):
        """Calls the API; answers (status, envelope)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        envelope = json.loads(raw) if raw else None
        if expect is not None:
            check(status == expect, f"{method} {path} answered {status}, expected {expect}: {raw[:400]!r}")
        return status, envelope


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def raw_get(url, headers=None):
    """A GET that does not follow redirects; answers (status, headers, body)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# ---- Signatures ---------------------------------------------------------------------------------------------------


def standard_webhooks_valid(secret, record):
    """Whether `record` carries a Standard Webhooks signature by `secret` (SPEC §5.1), computed here."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    headers = record["headers"]
    message = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + record["body"]
    expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    given = [entry.split(",", 1)[1] for entry in headers.get("webhook-signature", "").split() if entry.startswith("v1,")]
    return any(hmac.compare_digest(expected, signature) for signature in given)


def verify_with_library(secret, record):
    """The same check by the `standardwebhooks` package from PyPI, when it is installed; `None` when it is not."""
    try:
        from standardwebhooks import Webhook
    except ImportError:
        return None
    try:
        Webhook(secret).verify(record["body"], record["headers"])
        return True
    except Exception:  # the package raises its own error type for a bad signature
        return False


# ---- The browser --------------------------------------------------------------------------------------------------


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-extensions",
        "--metrics-recording-only",
        "--no-pings",
        "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
        # Loopback only: any address that is not loopback goes to a proxy that does not exist.
        "--proxy-server=http://127.0.0.1:9",
        "--lang=en-US",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Page:
    """Explicit waits and lookups on the driver, with messages that say what was expected."""

    def __init__(self, driver):
        self.driver = driver
        self.console = []  # SEVERE browser log entries seen so far, from the pages

    def wait(self, condition, what, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda driver: condition(driver)
            )
        except TimeoutException:
            main = self.driver.find_elements(By.ID, "main")
            shown = main[0].text[:1500] if main else self.driver.page_source[:1500]
            raise CheckFailed(f"waited {timeout} s for {what}; the page at {self.driver.current_url} showed:\n{shown}")

    def one(self, css, what=None, root=None):
        return self.wait(lambda d: (root or d).find_elements(By.CSS_SELECTOR, css), what or css)[0]

    def all(self, css, root=None):
        return (root or self.driver).find_elements(By.CSS_SELECTOR, css)

    def text_of(self, css, root=None):
        return self.one(css, root=root).text

    def collect_console(self, allowed=()):
        """Reads the browser's log (which empties it) and keeps the SEVERE entries that `allowed` does not excuse."""
        for entry in self.driver.get_log("browser"):
            if entry.get("level") != "SEVERE":
                continue
            if any(pattern in entry.get("message", "") for pattern in allowed):
                continue
            self.console.append(entry)

    def go(self, url):
        self.driver.get(url)

    def click(self, element):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()


# ---- The checks ---------------------------------------------------------------------------------------------------


def app_portal(page, hookd, receiver, fixture, screenshots):
    driver = page.driver
    link = fixture["link"]
    step("open the app's one-time link")
    page.go(link)
    page.wait(lambda d: d.current_url.startswith(hookd.base + "/portal/"), "the link to lead to /portal/")
    check("link=" not in driver.current_url, f"the address still holds the link's token: {driver.current_url}")
    page.one(".endpoint", "the endpoints view")
    cookie = driver.get_cookie("hookd_portal")
    check(cookie is not None, "no hookd_portal cookie after the link")
    check(cookie.get("httpOnly") is True, f"the session cookie is not HttpOnly: {cookie}")
    check(cookie.get("sameSite") == "Strict", f"the session cookie is not SameSite=Strict: {cookie}")
    check(driver.execute_script("return document.cookie").find("hookd_portal") == -1, "script can read the cookie")
    header = page.text_of("#identity")
    check(fixture["appId"] in header and "Acme cards" in header, f"the header does not name the app: {header!r}")
    check("Session ends" in page.text_of("#session-expiry"), "the header does not say when the session ends")

    step("with the cookie alone (no X-CSRF-Token, or another one) a change is refused")
    for headers in ({}, {"X-CSRF-Token": "not-the-session-token"}):
        status = driver.execute_async_script(
            """
            const [path, headers, done] = arguments;
            fetch(path, {method: 'PATCH', credentials: 'same-origin', body: '{"enabled":false}',
                         headers: Object.assign({'Content-Type': 'application/json'}, headers)})
              .then((response) => done(response.status), (error) => done(String(error)));
            """,
            f"/api/v3.20/webhooks/{fixture['v3WebhookId']}",
            headers,
        )
        check(status == 401, f"a PATCH with the cookie and CSRF header {headers} answered {status}, expected 401")
    page.collect_console(allowed=[f"/api/v3.20/webhooks/{fixture['v3WebhookId']} - Failed to load resource"])

    step("the v3 URL is listed with its health over 24 hours")
    v3_card = page.one(f'.endpoint[data-webhook-id="{fixture["v3WebhookId"]}"]', "the v3 URL's card")
    page.wait(lambda d: v3_card.find_elements(By.CSS_SELECTOR, "svg.chart"), "the health charts")
    rate = page.text_of('[data-metric="success-rate"]', root=v3_card)
    check(rate.startswith("100"), f"the v3 URL's success rate is {rate!r}, expected 100 % (every attempt succeeded)")

    step("the deliveries that were published are in the log")
    page.click(page.one('#tabs a[data-view="deliveries"]'))
    page.wait(lambda d: len(page.all("tr[data-delivery-id]")) >= len(fixture["published"]), "the published deliveries")
    total = page.text_of(".pager-text")
    check(f"of {fixture['deliveryCount']}" in total, f"the pager says {total!r}, expected {fixture['deliveryCount']} deliveries")

    step("search by eventId, open the delivery and see its attempt")
    event_id = fixture["published"][0]
    search = page.one('form[data-form="filters"] input[name="eventId"]')
    search.clear()
    search.send_keys(event_id)
    Select(page.one('form[data-form="filters"] select[name="webhookId"]')).select_by_value(fixture["v3WebhookId"])
    page.click(page.one('form[data-form="filters"] button[type="submit"]'))
    page.wait(lambda d: "eventId=" in d.current_url and len(page.all("tr[data-delivery-id]")) == 1, "one delivery found by eventId")
    page.click(page.one("tr[data-delivery-id] a.delivery-link"))
    page.one(".attempt", "the delivery's attempts")
    check(event_id in page.text_of(".facts"), "the delivery page does not show its eventId")
    payload = page.text_of(".payload")
    check('"reference": "portal-test-0"' in payload, f"the payload is not shown as published: {payload[:300]}")
    attempts = page.all(".attempt")
    check(len(attempts) == 1, f"{len(attempts)} attempts shown, expected 1")
    check("HTTP 200" in attempts[0].text, f"the attempt does not show HTTP 200: {attempts[0].text!r}")
    delivery_url = driver.current_url

    step("retry it: a new attempt reaches the receiver (which answers it 500) and shows in the page")
    before = len(receiver.matching(for_event(event_id)))
    receiver.fail_once(event_id)
    page.click(page.one("#retry"))
    receiver.wait_for(for_event(event_id), before + 1, "the retried delivery")
    page.wait(lambda d: len(page.all(".attempt")) == 2, "the second attempt in the page")
    page.wait(lambda d: "Attempt 2 made" in page.text_of("#retry-status"), "the retry's outcome beside the button")

    step("the failed attempt shows the headers it was sent with, signatures without their MACs; the successful one none")
    check(not attempts_headers(page, 1), "the successful attempt shows headers, which hookd does not keep")
    received = receiver.matching(for_event(event_id))[-1]["headers"]
    newest = page.one('.attempt[data-attempt="2"]')
    page.click(newest.find_element(By.CSS_SELECTOR, ".request-headers summary"))
    shown = newest.find_element(By.CSS_SELECTOR, ".request-headers").text
    for name in ("webhook-id", "webhook-timestamp"):
        check(received.get(name) and received[name] in shown, f"the page does not show the {name} sent: {shown[:600]}")
    fyatu, standard = received.get("x-fyatu-signature", ""), received.get("webhook-signature", "")
    check(fyatu.split(",v1=")[0] + ",v1=[redacted]" in shown, f"the page does not show the signature's time: {shown[:600]}")
    check("v1,[redacted]" in shown, f"the page does not show the Standard Webhooks scheme: {shown[:600]}")
    for mac in (fyatu.split(",v1=")[-1], standard.split(",")[-1]):
        check(mac and mac not in shown, f"the page shows a signature's MAC: {shown[:600]}")

    step("create an endpoint keyed by ordering key in the page: its secret is shown once and signs its deliveries")
    page.click(page.one('#tabs a[data-view="endpoints"]'))
    create = page.one('details[data-panel="create"]')
    page.click(create.find_element(By.TAG_NAME, "summary"))
    form = page.one('form[data-form="create"]')
    form.find_element(By.NAME, "url").send_keys(receiver.url("/orders"))
    form.find_element(By.NAME, "description").send_keys("Orders service")
    page.click(form.find_element(By.CSS_SELECTOR, 'input[name="events"][value="CARD_FUNDED"]'))
    Select(form.find_element(By.NAME, "ordering")).select_by_value("KEYED")
    page.click(form.find_element(By.CSS_SELECTOR, 'button[type="submit"]'))
    created_secret = page.text_of("#endpoint-notice .secret-value")
    check(created_secret.startswith("whsec_"), f"the new endpoint's secret looks wrong: {created_secret!r}")
    new_card = page.wait(
        lambda d: [c for c in page.all(".endpoint") if "Orders service" in c.text], "the new endpoint's card"
    )[0]
    new_id = new_card.get_attribute("data-webhook-id")
    shown_ordering = new_card.find_element(By.CSS_SELECTOR, "[data-ordering]")
    check(
        shown_ordering.get_attribute("data-ordering") == "KEYED" and shown_ordering.text == "keyed by ordering key",
        f"the new endpoint's card shows its ordering as {shown_ordering.text!r}: {new_card.text[:600]}",
    )
    _, stored_endpoint = hookd.call("GET", f"/api/v3.20/webhooks/{new_id}", token=fixture["token"], expect=200)
    check(stored_endpoint["data"].get("ordering") == "KEYED", f"the endpoint was not created KEYED: {stored_endpoint['data']}")

    step("send a test to it, disable it and enable it again")
    page.click(new_card.find_element(By.CSS_SELECTOR, 'details[data-panel="test"] summary'))
    page.click(new_card.find_element(By.CSS_SELECTOR, 'details[data-panel="test"] button[type="submit"]'))
    page.wait(lambda d: "Delivered WEBHOOK_TEST: HTTP 200" in new_card.text, "the test's outcome")
    check(receiver.matching(lambda r: r["path"] == "/orders"), "the test did not reach the receiver")
    page.click(new_card.find_element(By.CSS_SELECTOR, 'button[data-action="toggle"]'))
    disabled = page.one(f'.endpoint[data-webhook-id="{new_id}"] .badge-disabled', "the endpoint disabled")
    check(disabled.text == "DISABLED", "the endpoint is not shown disabled")
    page.click(page.one(f'.endpoint[data-webhook-id="{new_id}"] button[data-action="toggle"]'))
    page.one(f'.endpoint[data-webhook-id="{new_id}"] .badge-active', "the endpoint enabled again")

    step("edit it (description, rate limit) and recover a window of its failed deliveries")
    card = page.one(f'.endpoint[data-webhook-id="{new_id}"]')
    page.click(card.find_element(By.CSS_SELECTOR, 'details[data-panel="edit"] summary'))
    description = card.find_element(By.CSS_SELECTOR, 'details[data-panel="edit"] input[name="description"]')
    description.clear()
    description.send_keys("Orders service (EU)")
    card.find_element(By.CSS_SELECTOR, 'details[data-panel="edit"] input[name="rateLimit"]').send_keys("5")
    page.click(card.find_element(By.CSS_SELECTOR, 'details[data-panel="edit"] button[type="submit"]'))
    page.wait(
        lambda d: "Orders service (EU)" in page.text_of(f'.endpoint[data-webhook-id="{new_id}"] .endpoint-title')
        and "5 / s" in page.text_of(f'.endpoint[data-webhook-id="{new_id}"] .facts'),
        "the edited endpoint",
    )
    _, stored_endpoint = hookd.call("GET", f"/api/v3.20/webhooks/{new_id}", token=fixture["token"], expect=200)
    check(stored_endpoint["data"]["rateLimit"] == 5, f"the edit did not reach hookd: {stored_endpoint['data']}")
    check(stored_endpoint["data"]["ordering"] == "KEYED", f"saving the edit form changed the ordering: {stored_endpoint['data']}")
    check(
        page.one(f'.endpoint[data-webhook-id="{new_id}"] [data-ordering]').get_attribute("data-ordering") == "KEYED",
        "the edited endpoint's card no longer shows it KEYED",
    )
    card = page.one(f'.endpoint[data-webhook-id="{new_id}"]')
    page.click(card.find_element(By.CSS_SELECTOR, 'details[data-panel="recover"] summary'))
    page.click(card.find_element(By.CSS_SELECTOR, 'details[data-panel="recover"] button[type="submit"]'))
    page.wait(lambda d: "queued again" in card.text, "the recovery's outcome")

    ordered_deliveries(page, hookd, receiver, fixture, new_id)

    step("rotate the v3 URL's secret (no overlap): the page shows the new one once")
    v3_card = page.one(f'.endpoint[data-webhook-id="{fixture["v3WebhookId"]}"]')
    page.click(v3_card.find_element(By.CSS_SELECTOR, 'details[data-panel="rotate"] summary'))
    Select(v3_card.find_element(By.NAME, "overlapSeconds")).select_by_value("0")
    page.click(v3_card.find_element(By.CSS_SELECTOR, 'details[data-panel="rotate"] button[type="submit"]'))
    rotated_secret = page.wait(
        lambda d: [e.text for e in v3_card.find_elements(By.CSS_SELECTOR, ".secret-value") if e.text], "the new secret"
    )[0]
    check(rotated_secret.startswith("whsec_") and rotated_secret != fixture["v3Secret"], "the rotated secret looks wrong")
    check(rotated_secret[:12] in v3_card.find_element(By.CSS_SELECTOR, ".secret-prefix").text, "the secret prefix was not updated")
    stored = driver.execute_script(
        "return JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), location.href])"
    )
    check(rotated_secret not in stored and created_secret not in stored, "a secret is in storage or in the address")
    check(rotated_secret not in driver.current_url, "the secret is in the address")

    step("the next deliveries verify with the secrets the page showed")
    _, published = hookd.call(
        "POST",
        "/api/v3/internal/events",
        {"appId": fixture["appId"], "event": "card.funded", "data": {"reference": "after-rotation", "amount": 12.5}},
        token=fixture["operatorKey"],
        expect=202,
    )
    after = published["data"]["eventId"]
    to_v3 = receiver.wait_for(lambda r: for_event(after)(r) and r["path"] == "/v3", 1, "the delivery after rotation")[0]
    check(standard_webhooks_valid(rotated_secret, to_v3), "the v3 delivery does not verify with the secret the page showed")
    check(not standard_webhooks_valid(fixture["v3Secret"], to_v3), "the old secret still verifies (overlap 0)")
    check(verify_with_library(rotated_secret, to_v3) in (True, None), "the standardwebhooks package rejects the delivery")
    to_new = receiver.wait_for(lambda r: for_event(after)(r) and r["path"] == "/orders", 1, "the new endpoint's delivery")[0]
    check(standard_webhooks_valid(created_secret, to_new), "the new endpoint's delivery does not verify with its secret")
    check(verify_with_library(created_secret, to_new) in (True, None), "the standardwebhooks package rejects it")
    check(json.loads(to_new["body"])["event"] == "CARD_FUNDED", "the new endpoint did not get the v3.20 format")

    step("the event catalogue")
    page.click(page.one('#tabs a[data-view="events"]'))
    catalogue = page.text_of("table.events")
    check("card.funded" in catalogue and "CARD_FUNDED" in catalogue, "the catalogue does not list card.funded")

    failing_endpoints(page, hookd, receiver, fixture)

    page.collect_console()
    if screenshots:
        take_app_screenshots(page, hookd, screenshots, delivery_url, fixture)
        page.collect_console()

    step("log out: the session ends in the page and for the API")
    driver.set_window_size(1280, 900)
    page.go(hookd.base + "/portal/#/endpoints")
    page.one(".endpoint")
    page.click(page.one("#logout"))
    page.wait(lambda d: "logged out" in page.text_of("#session-ended"), "the logged-out message")
    page.go(hookd.base + "/portal/")
    page.wait(lambda d: SESSION_ENDED in page.text_of("#session-ended"), "the session-ended message")
    # The page's own GET /api/v3/portal/session answered 401 here, which the browser logs; that one is expected.
    page.collect_console(allowed=["/api/v3/portal/session - Failed to load resource"])

    step("the used link is refused")
    status, _, _ = raw_get(link)
    check(status == 401, f"replaying the used link answered {status}, expected 401")
    page.go(link)
    page.wait(lambda d: d.find_elements(By.TAG_NAME, "body") and d.find_element(By.TAG_NAME, "body").text.strip(), "a page")
    check(driver.get_cookie("hookd_portal") is None or not page.all(".endpoint"), "the replayed link opened a session")
    check("/portal/enter" in driver.current_url, f"the replayed link led to {driver.current_url}")
    # The refusal is a 401 document, which the browser logs as a failed load (its icon is hookd's own).
    page.collect_console(allowed=["/portal/enter?link="])


def ordered_deliveries(page, hookd, receiver, fixture, webhook_id):
    """A KEYED endpoint (SPEC §15): the second event of a key waits while the first is unanswered, and the pages say
    so; once the first is answered, both arrive, in publish order."""
    token, key = fixture["token"], "crd_7f3a"
    step("publish two events of one ordering key; the receiver holds the first: the second waits for it")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    receiver.hold("/orders", first)
    for index, event_id in enumerate((first, second)):
        data = {"cardId": key, "reference": f"ordered-{index}", "amount": 10 + index}
        body = {"appId": fixture["appId"], "event": "card.funded", "eventId": event_id, "orderingKey": key, "data": data}
        hookd.call("POST", "/api/v3/internal/events", body, token=fixture["operatorKey"], expect=202)
    try:
        receiver.wait_held("/orders", first)
        logged = hookd.call("GET", f"/api/v3.20/webhooks/{webhook_id}/deliveries?limit=100", token=token, expect=200)[1]["data"]
        by_event = {d["eventId"]: d for d in logged}
        check(first in by_event and second in by_event, f"the endpoint's log lacks the two events: {logged[:3]}")
        waiting = by_event[second]
        check(
            waiting["orderingKey"] == key and waiting["status"] == "PENDING" and waiting["nextAttemptAt"] is None,
            f"the second event is not waiting for the first: {waiting}",
        )
        check(not receiver.matching(lambda r: for_event(second)(r) and r["path"] == "/orders"), "the second event was sent before the first was answered")

        page.go(hookd.base + f"/portal/#/deliveries?webhookId={webhook_id}")
        row = page.one(f'tr[data-delivery-id="{waiting["deliveryId"]}"]', "the waiting delivery in the log")
        wait_text = f"waiting for an earlier event of key {key}"
        check(wait_text in row.text, f"the log's row of the waiting delivery says {row.text!r}")
        check(key in row.find_element(By.CSS_SELECTOR, ".ordering-key").text, f"the row does not show its key: {row.text!r}")
        page.go(hookd.base + f"/portal/#/delivery/{waiting['deliveryId']}")
        facts = page.wait(lambda d: (lambda t: t if "Ordering key" in t else None)(page.text_of(".facts")), "the delivery's facts")
        check(key in facts and wait_text in facts, f"the waiting delivery's page says {facts!r}")
    finally:
        receiver.release("/orders", first)

    step("the first is answered: the second follows, after it")
    receiver.wait_for(lambda r: for_event(second)(r) and r["path"] == "/orders" and r["status"] == 200, 1, "the second event")
    arrived = [r["headers"]["webhook-id"] for r in receiver.matching(lambda r: r["path"] == "/orders" and r["status"] == 200)]
    check(arrived.index(first) < arrived.index(second), f"the events of {key} arrived out of order: {arrived}")
    page.click(page.one('#tabs a[data-view="endpoints"]'))
    page.one(f'.endpoint[data-webhook-id="{webhook_id}"]', "the endpoints view again")


def failing_endpoints(page, hookd, receiver, fixture):
    """Before and after auto-disable (SPEC §14): the warning with its disable date, why an endpoint is disabled, and
    "enable and deliver what failed" in one step. Leaves the Ledger failing and the Archive disabled (GONE), which
    the operator's page lists."""
    token = fixture["token"]

    def endpoint(webhook_id):
        data = hookd.call("GET", f"/api/v3.20/webhooks/{webhook_id}", token=token, expect=200)[1]["data"]
        check("failingSince" in data and "disableAt" in data, f"the endpoint has no failingSince or disableAt: {data}")
        return data

    def failed_deliveries(webhook_id):
        path = f"/api/v3.20/webhooks/{webhook_id}/deliveries?status=FAILED&limit=100"
        return [d for d in hookd.call("GET", path, token=token, expect=200)[1]["data"] if d["status"] == "FAILED"]

    def card(webhook_id, status=None):
        selector = f'.endpoint[data-webhook-id="{webhook_id}"]' + (f'[data-status="{status}"]' if status else "")
        return page.one(selector, f"the card of {webhook_id}" + (f" {status}" if status else ""))

    step("two more endpoints: Payouts, whose receiver answers 500 for now, and Archive, whose receiver answers 410")
    created = {}
    for description, path in (("Payouts", "/flaky/payouts"), ("Archive (retired)", "/gone/archive")):
        body = {"url": receiver.url(path), "events": ["CARD_FUNDED"], "description": description}
        created[path] = hookd.call("POST", "/api/v3.20/webhooks", body, token=token, expect=201)[1]["data"]["webhookId"]
    payouts, archive = created["/flaky/payouts"], created["/gone/archive"]
    # The first event's failure begins Payouts' run (so its delivery was created before `failingSince`); the second
    # is published while it fails. "Deliver what failed" must bring back both.
    events = []
    for index in range(2):
        _, answer = hookd.call(
            "POST",
            "/api/v3/internal/events",
            {"appId": fixture["appId"], "event": "card.funded", "data": {"reference": f"payout-{index}", "amount": 40 + index}},
            token=fixture["operatorKey"],
            expect=202,
        )
        events.append(answer["data"]["eventId"])
        # Each of Payouts' deliveries fails its two attempts (--endpoint-retry-schedule 1) and becomes FAILED.
        wait_until(lambda: len(failed_deliveries(payouts)) == len(events), f"Payouts' delivery {index + 1} to become FAILED")
    gone = wait_until(lambda: (lambda e: e if e["status"] == "DISABLED" else None)(endpoint(archive)), "the 410 to disable Archive")
    check(gone["disabledReason"] == "GONE", f"the 410 disabled Archive for {gone['disabledReason']}, expected GONE")
    check(gone["failingSince"], f"Archive, disabled by a 410, has no failingSince: {gone}")
    check(gone["disableAt"] is None, f"a DISABLED endpoint has a disableAt: {gone['disableAt']}")
    failing = endpoint(payouts)
    check(failing["status"] == "ACTIVE" and failing["failingSince"], f"Payouts is not ACTIVE and failing: {failing}")
    check(failing["disableAt"], f"Payouts, ACTIVE and failing, has no disableAt: {failing}")
    since, disable_at = parse_time(failing["failingSince"]), parse_time(failing["disableAt"])
    check(
        abs(disable_at - since - timedelta(days=5)) < timedelta(seconds=2),
        f"Payouts will be disabled at {failing['disableAt']}, not 5 days (--endpoint-disable-days) after {failing['failingSince']}",
    )
    orders = next(e for e in hookd.call("GET", "/api/v3.20/webhooks", token=token, expect=200)[1]["data"] if e["url"] == receiver.url("/orders"))
    check(orders["failingSince"] is None and orders["disableAt"] is None, f"Orders, never failing, has failing dates: {orders}")

    step("the endpoints view warns that Payouts is failing and says when it will be disabled")
    page.click(page.one('#tabs a[data-view="endpoints"]'))
    banner = card(payouts).find_elements(By.CSS_SELECTOR, ".failing-banner")
    check(banner, f"Payouts' card has no warning: {card(payouts).text[:600]}")
    warning = banner[0].text
    expected = [f"Failing since {shown_time(failing['failingSince'])}", f"disabled on {shown_time(failing['disableAt'])}", "unless a delivery succeeds"]
    for text in expected:
        check(text in warning, f"Payouts' warning lacks {text!r}: {warning!r}")
    ledger = endpoint(fixture["ledgerId"])
    ledger_warning = card(fixture["ledgerId"]).find_element(By.CSS_SELECTOR, ".failing-banner").text
    check(shown_time(ledger["disableAt"]) in ledger_warning, f"the Ledger's warning lacks its disable date: {ledger_warning!r}")
    check(not card(orders["webhookId"]).find_elements(By.CSS_SELECTOR, ".banner"), "Orders, never failing, shows a banner")

    step("Archive, disabled by its 410, says why and offers to enable it and deliver what failed")
    archived = card(archive, "DISABLED")
    check("410 Gone" in archived.find_element(By.CSS_SELECTOR, ".disabled-banner").text, f"Archive does not say why: {archived.text[:600]}")
    offer = archived.find_element(By.CSS_SELECTOR, 'button[data-action="enable-recover"]').text
    check(shown_time(gone["failingSince"]) in offer, f"Archive's button does not say since when: {offer!r}")
    check(archived.find_element(By.CSS_SELECTOR, 'button[data-action="toggle"]').text == "Enable", "Archive has no plain Enable")

    step("disable Payouts in the page: it says so and offers to enable it and deliver what failed since it began failing")
    page.click(card(payouts).find_element(By.CSS_SELECTOR, 'button[data-action="toggle"]'))
    disabled = card(payouts, "DISABLED")
    check("by hand" in disabled.find_element(By.CSS_SELECTOR, ".disabled-banner").text, f"Payouts does not say why: {disabled.text[:600]}")
    offer = disabled.find_element(By.CSS_SELECTOR, 'button[data-action="enable-recover"]')
    check(offer.text == f"Enable and deliver what failed since {shown_time(failing['failingSince'])}", f"the button says {offer.text!r}")

    step("its receiver works again; enable and deliver what failed: ACTIVE, the count queued, and both deliveries arrive")
    receiver.answer("/flaky", 200)
    page.click(offer)
    enabled = card(payouts, "ACTIVE")
    outcome = page.wait(lambda d: enabled.find_element(By.CSS_SELECTOR, ".action-status").text, "the outcome beside the buttons")
    check(
        f"{len(events)} failed deliveries since {shown_time(failing['failingSince'])} queued again" in outcome,
        f"the page says {outcome!r}; expected {len(events)} queued: every FAILED delivery of the run, the one whose"
        " failure began it (created a moment before failingSince) too",
    )
    check(endpoint(payouts)["status"] == "ACTIVE", "hookd does not have Payouts ACTIVE")
    for event_id in events:
        receiver.wait_for(
            lambda r, e=event_id: for_event(e)(r) and r["path"] == "/flaky/payouts" and r["status"] == 200, 1, f"{event_id} delivered again"
        )
    wait_until(
        lambda: (lambda e: e["lastDeliveryStatus"] == "SUCCEEDED" and e["failingSince"] is None)(endpoint(payouts)),
        "Payouts to be healthy again (lastDeliveryStatus SUCCEEDED, failingSince null)",
    )
    wait_until(lambda: not failed_deliveries(payouts), "Payouts' deliveries, delivered again, to be FAILED no more")
    fixture.update({"payoutsId": payouts, "archiveId": archive})


def take_app_screenshots(page, hookd, directory, delivery_url, fixture):
    driver = page.driver
    endpoints = hookd.base + "/portal/#/endpoints"
    # (name, address, what shows it is drawn, the element scrolled to the top or None for the page's top)
    shots = [
        ("app-endpoints", endpoints, ".endpoint .chart", None),
        ("app-endpoint-failing", endpoints, ".endpoint .chart", f'.endpoint[data-webhook-id="{fixture["ledgerId"]}"]'),
        ("app-endpoint-disabled", endpoints, ".endpoint .chart", f'.endpoint[data-webhook-id="{fixture["archiveId"]}"]'),
        ("app-deliveries", hookd.base + "/portal/#/deliveries", "tr[data-delivery-id]", None),
        ("app-delivery", delivery_url, ".attempt", None),
    ]
    for width, height, suffix in [(1280, 900, "wide"), (390, 844, "phone")]:
        driver.set_window_size(width, height)
        for name, url, ready, top in shots:
            page.go("about:blank")
            page.go(url)
            page.one(ready)
            page.wait(
                lambda d: all(b.find_elements(By.CSS_SELECTOR, "svg.chart, .error") for b in page.all(".health-body")),
                "every endpoint's health",
            )
            driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
            if top:
                driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", page.one(top))
            path = os.path.join(directory, f"{name}-{suffix}.png")
            check(driver.save_screenshot(path), f"could not save {path}")
            step(f"screenshot {path}")
    driver.set_window_size(1280, 900)


def operator_portal(page, hookd, fixture, screenshots):
    driver = page.driver
    step("open the operator's link: the apps with their queue depth")
    status, answer = hookd.call("POST", "/api/v3/internal/portal-sessions", {"operator": True}, token=fixture["operatorKey"])
    check(status in (200, 201) and answer and answer.get("success"), f"no operator link ({status}): {answer}")
    page.go(answer["data"]["url"])
    page.wait(lambda d: d.current_url.startswith(hookd.base + "/portal/operator"), "the operator page")
    check("link=" not in driver.current_url, "the address still holds the operator link's token")
    row = page.one(f'tr[data-app-id="{fixture["otherAppId"]}"]', "the second app's row")
    depth = row.find_element(By.CSS_SELECTOR, ".queue-depth").text
    check(depth == str(fixture["otherQueued"]), f"the second app's queue depth is {depth!r}, expected {fixture['otherQueued']}")
    check(page.one(f'tr[data-app-id="{fixture["appId"]}"]').get_attribute("data-status") == "ACTIVE", "the first app is not ACTIVE")
    page.one("#activity-hour svg.chart", "the last hour's chart")
    page.one("#activity-day svg.chart", "the last day's chart")
    summary = page.text_of('.activity-summary[data-window="hour"]')
    check(re.search(r"\b[1-9]\d* succeeded", summary), f"the last hour shows no succeeded attempt: {summary!r}")

    step("the failing endpoints across apps, oldest first: the Ledger with its disable date, Archive DISABLED (GONE)")
    ledger, archive = (
        hookd.call("GET", f"/api/v3.20/webhooks/{fixture[key]}", token=fixture["token"], expect=200)[1]["data"]
        for key in ("ledgerId", "archiveId")
    )
    listed = hookd.call("GET", "/api/v3/internal/endpoints/failing", token=fixture["operatorKey"], expect=200)[1]["data"]
    ids = [row["webhookId"] for row in listed]
    check(ids[:2] == [ledger["webhookId"], archive["webhookId"]], f"the operator route lists {ids}, expected the Ledger, then Archive")
    page.one("table.failing-endpoints", "the failing endpoints")
    shown = [row.get_attribute("data-webhook-id") for row in page.all("table.failing-endpoints tbody tr")]
    check(shown == ids, f"the page lists {shown}, the operator route {ids}")
    check(fixture["payoutsId"] not in shown, "Payouts, delivered again, is still listed as failing")
    ledger_row = page.one(f'table.failing-endpoints tr[data-webhook-id="{ledger["webhookId"]}"]').text
    for text in ("Acme cards", ledger["url"], shown_time(ledger["failingSince"]), shown_time(ledger["disableAt"])):
        check(text in ledger_row, f"the Ledger's row lacks {text!r}: {ledger_row!r}")
    archive_row = page.one(f'table.failing-endpoints tr[data-webhook-id="{archive["webhookId"]}"]')
    check(archive_row.get_attribute("data-status") == "DISABLED", "Archive's row is not DISABLED")
    for text in ("Acme cards", archive["url"], shown_time(archive["failingSince"]), "DISABLED", "GONE"):
        check(text in archive_row.text, f"Archive's row lacks {text!r}: {archive_row.text!r}")

    if screenshots:
        for width, height, suffix in [(1280, 900, "wide"), (390, 844, "phone")]:
            driver.set_window_size(width, height)
            for name, top in (("operator", None), ("operator-failing", "#failing")):
                driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
                if top:
                    driver.execute_script("arguments[0].closest('section').scrollIntoView({block: 'start'})", page.one(top))
                path = os.path.join(screenshots, f"{name}-{suffix}.png")
                check(driver.save_screenshot(path), f"could not save {path}")
                step(f"screenshot {path}")
        driver.set_window_size(1280, 900)

    step("suspend the second app, then activate it")
    page.click(page.one(f'tr[data-app-id="{fixture["otherAppId"]}"] button[data-action="suspend"]'))
    suspended = page.one(f'tr[data-app-id="{fixture["otherAppId"]}"] button[data-action="activate"]', "the app suspended")
    status = page.one(f'tr[data-app-id="{fixture["otherAppId"]}"]').get_attribute("data-status")
    check(status != "ACTIVE", f"the app's status is {status} after suspending")
    apps = hookd.call("GET", "/api/v3/internal/apps", token=fixture["operatorKey"], expect=200)[1]["data"]
    check(next(a for a in apps if a["appId"] == fixture["otherAppId"])["status"] != "ACTIVE", "the API still says ACTIVE")
    page.click(suspended)
    page.one(f'tr[data-app-id="{fixture["otherAppId"]}"][data-status="ACTIVE"]', "the app active again")
    page.collect_console()


# ---- The fixture --------------------------------------------------------------------------------------------------


def prepare(hookd, receiver):
    step("create two apps, start hookd serve, point the first app's v3 URL at the receiver")
    first = json.loads(hookd.command("apps", "create", "--name", "Acme cards", "--json").strip().splitlines()[-1])
    other = json.loads(
        hookd.command("apps", "create", "--name", "Sandbox shop", "--type", "collection", "--environment", "SANDBOX", "--json")
        .strip()
        .splitlines()[-1]
    )
    operator_key = hookd.command("operator-key").strip().splitlines()[-1].strip()
    hookd.start()
    _, token = hookd.call(
        "POST",
        "/api/v3/auth/token",
        {"appId": first["appId"], "secretKey": first["secretKey"], "grantType": "client_credentials"},
        expect=200,
    )
    token = token["data"]["accessToken"]
    _, configured = hookd.call("PUT", "/api/v3/webhooks", {"webhookUrl": receiver.url("/v3")}, token=token, expect=200)
    v3_secret = configured["data"]["webhookSecret"]
    _, endpoints = hookd.call("GET", "/api/v3.20/webhooks", token=token, expect=200)
    v3_id = next(e["webhookId"] for e in endpoints["data"] if e["url"] == receiver.url("/v3"))
    # A second endpoint that fails, so the log and the charts show failures too.
    _, ledger = hookd.call(
        "POST",
        "/api/v3.20/webhooks",
        {"url": receiver.url("/fail/ledger"), "events": ["card.funded"], "description": "Ledger (staging)"},
        token=token,
        expect=201,
    )

    step("publish events")
    published = []
    events = ["card.funded", "card.transaction.approved", "card.created", "card.funded", "cardholder.kyc.approved"]
    for index, event in enumerate(events):
        _, answer = hookd.call(
            "POST",
            "/api/v3/internal/events",
            {"appId": first["appId"], "event": event, "data": {"reference": f"portal-test-{index}", "amount": 100 + index}},
            token=operator_key,
            expect=202,
        )
        published.append(answer["data"]["eventId"])
    for event_id in published:
        receiver.wait_for(lambda r, e=event_id: for_event(e)(r) and r["path"] == "/v3", 1, f"event {event_id}")
    funded = sum(1 for e in events if e == "card.funded")
    receiver.wait_for(lambda r: r["path"].startswith("/fail"), funded, "the failing endpoint's first attempts")
    # The second app has no URL: its events wait in the queue, which the operator page counts.
    other_queued = 2
    for index in range(other_queued):
        hookd.call(
            "POST",
            "/api/v3/internal/events",
            {"appId": other["appId"], "event": "collection.received", "data": {"reference": f"waiting-{index}"}},
            token=operator_key,
            expect=202,
        )

    step("get a one-time link with hookd portal-link")
    output = hookd.command("portal-link", first["appId"], "--public-url", hookd.base)
    match = re.search(r"(http://127\.0\.0\.1:\d+/portal/enter\?link=\S+)", output)
    check(match, f"hookd portal-link printed no link: {output!r}")
    return {
        "appId": first["appId"],
        "otherAppId": other["appId"],
        "otherQueued": other_queued,
        "operatorKey": operator_key,
        "token": token,
        "v3Secret": v3_secret,
        "v3WebhookId": v3_id,
        "ledgerId": ledger["data"]["webhookId"],
        "published": published,
        "deliveryCount": len(published) + funded,
        "link": match.group(1),
    }


def check_headers(hookd):
    step("the pages are served with the documented Content-Security-Policy")
    for path in ["/portal/", "/portal/operator", "/portal/assets/app.js", "/portal/assets/portal.css"]:
        status, headers, _ = raw_get(hookd.base + path)
        check(status == 200, f"GET {path} answered {status}")
        if path.startswith("/portal/assets/"):
            continue
        check(headers.get("Content-Security-Policy") == CSP, f"{path} has CSP {headers.get('Content-Security-Policy')!r}")
        check(headers.get("X-Content-Type-Options") == "nosniff", f"{path} lacks X-Content-Type-Options: nosniff")


def main():
    # Stopped from outside (a test's time limit): end like a failure, so the cleanup below still runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hookd", help="the path of a built hookd binary")
    parser.add_argument("--screenshots", metavar="DIR", help="save PNGs of the main pages into DIR")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.hookd)
    screenshots = os.path.abspath(arguments.screenshots) if arguments.screenshots else None
    if screenshots:
        os.makedirs(screenshots, exist_ok=True)

    started = time.monotonic()
    data_dir = tempfile.mkdtemp(prefix="hookd-portal-test-")
    receiver = Receiver()
    hookd = Hookd(binary, data_dir)
    driver = None
    try:
        fixture = prepare(hookd, receiver)
        check_headers(hookd)
        driver = start_browser()
        page = Page(driver)
        app_portal(page, hookd, receiver, fixture, screenshots)
        operator_portal(page, hookd, fixture, screenshots)
        check(not page.console, "the browser's console has errors:\n" + "\n".join(e["message"] for e in page.console))
        print(f"portal browser test passed in {time.monotonic() - started:.0f} s")
        return 0
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
    except Exception:
        traceback.print_exc()
    finally:
        if driver is not None:
            try:
                for entry in driver.get_log("browser"):
                    if entry.get("level") == "SEVERE":
                        print(f"browser console: {entry.get('message')}", file=sys.stderr)
            except Exception:
                pass
            driver.quit()
        hookd.stop()
        receiver.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    print("hookd serve said:\n" + "\n".join(hookd.output[-40:]), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
