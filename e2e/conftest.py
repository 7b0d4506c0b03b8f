"""Browser tests: start the real platform (gunicorn + worker, as `make run` does) and drive Debian's Chromium.

Never downloads a browser: Playwright launches /usr/bin/chromium (override with CHROMIUM). Screenshots of every
step land in e2e/artifacts/<test name>/.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import TOTP
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Platform:
    def __init__(self, base_url: str, env: dict[str, str]):
        self.base_url = base_url
        self.env = env

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=120)
        return done.stdout

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("platform")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TASKS_BACKEND"}}
    env.update(DATA_DIR=str(data_dir), DEBUG="0", DEVIDP_ENABLED="1", SECRET_KEY=secrets.token_urlsafe(40),
               FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(32), PORT=str(port), PYTHONUNBUFFERED="1",
               OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the tests' push service and receivers run on loopback
    platform = Platform(f"http://127.0.0.1:{port}", env)
    platform.manage("migrate", "--noinput", "-v", "0")
    platform.manage("collectstatic", "--noinput", "-v", "0")
    platform.manage("load_reference", "--demo")
    bindir = Path(sys.executable).parent
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed at teardown
    processes = [
        subprocess.Popen([str(bindir / "gunicorn"), "congdanso.wsgi", "-c", "gunicorn.conf.py",
                          "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=log,
                         start_new_session=True),
        subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env, stdout=log, stderr=log,
                         start_new_session=True),
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(platform.url("/readyz"), timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                log.flush()
                raise RuntimeError("platform did not become ready:\n" + (data_dir / "server.log").read_text()[-4000:])
            time.sleep(0.5)
        yield platform
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


# Every page of every context reports Content-Security-Policy violations to the console: Chromium logs blocked
# loads itself ("Refused to ... because it violates the following Content Security Policy directive"), and this
# script logs the DOM's securitypolicyviolation events too (inline styles set by scripts, eval, ...).
CSP_WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " at " + (e.sourceFile || e.documentURI) + ":" + e.lineNumber);
});
"""
CSP_MESSAGE = re.compile(r"Content Security Policy|CSP violation", re.IGNORECASE)


class CspWatch:
    """Collects CSP violations seen by any page of any browser context during one test."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if CSP_MESSAGE.search(message.text):
            self.violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.add_init_script(CSP_WATCH_SCRIPT)
        context.on("console", self.on_console)
        return context


CSP = CspWatch()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
            return CSP.watch(new_context(*args, **kwargs))

        browser.new_context = watched_context  # type: ignore[method-assign]
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violation() -> Iterator[CspWatch]:
    """Fails any browser test during which a page broke the Content-Security-Policy."""
    CSP.violations.clear()
    yield CSP
    found, CSP.violations[:] = list(CSP.violations), []
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


class Shots:
    def __init__(self, page: Page, name: str):
        self.page = page
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 412, "height": 915})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)


def assert_accessible(page: Page) -> None:
    """axe-core: no serious or critical violation on the current page."""
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    detail = "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
                       for v in bad)
    assert not bad, f"accessibility violations on {page.url}:\n{detail}"


def wait_until(page: Page, expression: str, timeout: float = 10.0) -> None:
    """Poll a JavaScript expression until it is true. Playwright's ``wait_for_function`` evaluates its expression
    with ``eval`` inside the page, which the strict Content-Security-Policy (rightly) blocks; ``page.evaluate`` goes
    through the DevTools protocol instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


def code_for(secret: str, offset_steps: int = 0) -> str:
    """The TOTP code an authenticator app would show for this base32 secret (``offset_steps`` later)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * offset_steps
    return f"{totp.token():06d}"


def sign_in_new_staff(page: Page, platform: Platform, path: str, username: str, name: str, password: str,
                      *roles: str, agency: str | None = None) -> str:
    """Create a staff account, open ``path`` (which asks for the staff login), enrol TOTP; returns the secret."""
    args = ["create_staff", username, "--name", name, "--password", password]
    for role in roles:
        args += ["--role", role]
    if agency:
        args += ["--agency", agency]
    platform.manage(*args)
    page.goto(platform.url(path))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Tiếp tục").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("Mã xác thực 6 số").fill(code_for(secret))
    page.get_by_role("button", name="Xác nhận và đăng nhập").click()
    return secret
