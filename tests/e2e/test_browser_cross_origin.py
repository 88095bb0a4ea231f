"""The UI from a second origin, as CloudFront serves it while the API is on execute-api: every call the
browser makes is cross-origin, so CORS (the functions', the preflights' and the gateway responses') is
what the browser sees. Debian's Chromium via Playwright; a `make run` stack started with the UI's origin
as the template's AllowedOrigin parameter, on the test session's database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, expect

from local.stack import stack_env_keys
from tests.conftest import wait_for
from tests.e2e.browser import DIST, ROOT, chromium, expire_session, fill_movie, plain_page, sign_in

pytestmark = pytest.mark.usefixtures("library")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Site(SimpleHTTPRequestHandler):
    """The static site: the built UI, its config.json, index.html for client-side routes, and a CSP like the
    distribution's (connect-src names the API's origin)."""

    config: bytes = b"{}"
    csp: str = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/config.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(self.config)
            return
        if not (DIST / path.lstrip("/")).is_file():
            self.path = "/index.html"
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        super().end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api_origin(stack, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(API origin, UI origin): a `make run` stack whose AllowedOrigin is the UI's origin."""
    ui_port, api_port = _free_port(), _free_port()
    ui_origin, api = f"http://127.0.0.1:{ui_port}", f"http://127.0.0.1:{api_port}"
    state = tmp_path_factory.mktemp("cross-origin-stack")
    env = {k: v for k, v in os.environ.items() if k not in stack_env_keys()} | {
        "PORT": str(api_port),
        "HOST": "127.0.0.1",
        "LOCAL_ALLOWED_ORIGIN": ui_origin,
        "DATABASE_URL": stack.database_url,
        "LOCAL_STATE_DIR": str(state),
    }
    log = (state / "stack.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:

        def up() -> bool:
            assert process.poll() is None, (state / "stack.log").read_text()
            try:
                return httpx.get(f"{api}/config.json", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, timeout=120, interval=0.25)
        yield api, ui_origin
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def ui_origin(api_origin: tuple[str, str]) -> Iterator[str]:
    api, origin = api_origin
    config = httpx.get(f"{api}/config.json").json() | {
        "apiUrl": f"{api}/api",
        "wsUrl": f"{api.replace('http', 'ws', 1)}/ws",
        "cognitoEndpoint": f"{api}/cognito",
    }
    site = type(
        "Site",
        (_Site,),
        {
            "config": json.dumps(config).encode(),
            "csp": (
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
                f"manifest-src 'self'; connect-src 'self' {api} {api.replace('http', 'ws', 1)}; base-uri 'self'; "
                "form-action 'self'; object-src 'none'; frame-ancestors 'none'"
            ),
        },
    )
    server = ThreadingHTTPServer(("127.0.0.1", int(origin.rsplit(":", 1)[1])), partial(site, directory=str(DIST)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield origin
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Browser, ui_origin: str) -> Iterator[Page]:
    with plain_page(browser, ui_origin) as opened:
        yield opened


def _api_answers(page: Page, status: int) -> list[Response]:
    seen: list[Response] = []
    page.on("response", lambda r: seen.append(r) if "/api/" in r.url and r.status == status else None)
    return seen


def test_signs_in_browses_and_adds_live_from_another_origin(page: Page, ui_origin: str, api_origin: tuple[str, str]) -> None:
    api, _ = api_origin
    ok = _api_answers(page, 200)
    sign_in(page, demo_button=True)
    expect(page.get_by_test_id("total-movies")).not_to_have_text("")
    page.get_by_role("link", name="Browse").click()
    page.get_by_label("Drama").check()
    expect(page.get_by_test_id("filter-count")).to_contain_text("movies")
    page.get_by_role("link", name="Add a movie").click()
    expect(page.get_by_test_id("socket-state")).to_have_text("Live updates on")
    title = f"Cross Origin {uuid.uuid4().hex[:6]}"
    fill_movie(page, title)
    expect(page.get_by_test_id("add-request").filter(has_text=title).first.get_by_text("Created")).to_be_visible(timeout=20_000)
    assert ok and all(r.url.startswith(api) for r in ok), "the API was not called cross-origin"
    assert all(r.headers.get("access-control-allow-origin") == ui_origin for r in ok)


def test_a_rejected_body_shows_the_gateways_message(page: Page, ui_origin: str) -> None:
    sign_in(page, demo_button=True)
    page.get_by_role("link", name="Add a movie").click()
    # A client whose body the template's model rejects (the UI's own checks would not let it through).
    page.route(
        "**/api/movies",
        lambda route: (
            route.continue_(post_data=json.dumps({"title": "x"})) if route.request.method == "POST" else route.continue_()
        ),
    )
    with page.expect_response(lambda r: r.url.endswith("/api/movies") and r.request.method == "POST") as answer:
        fill_movie(page, "Rejected Body")
    rejected = answer.value
    assert rejected.status == 400
    assert rejected.headers.get("access-control-allow-origin") == ui_origin, "a gateway response without CORS"
    expect(page.get_by_text(rejected.json()["error"]["message"])).to_be_visible()


def test_an_expired_token_sends_the_person_back_to_sign_in(page: Page, ui_origin: str) -> None:
    sign_in(page, demo_button=True)
    page.get_by_role("link", name="Add a movie").click()
    page.get_by_label("Title").fill("Typed Before Expiry")
    expire_session(page)
    with page.expect_response(lambda r: "/api/" in r.url and r.status == 401) as answer:
        fill_movie(page, None, rating="7", year="2020")
    expect(page.get_by_text("Your session expired")).to_be_visible()
    assert answer.value.headers.get("access-control-allow-origin") == ui_origin, "a gateway response without CORS"
