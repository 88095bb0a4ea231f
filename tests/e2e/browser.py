"""What the Playwright tests (tests/e2e/test_browser*.py) share: Debian's Chromium, the UI's CSP
around a context, screenshots checked with axe, and the steps a person repeats (sign in, add a movie)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "frontend" / "dist"
SHOTS = ROOT / "test-results" / "screenshots"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DEMO = ("demo@example.com", "Demo-Passw0rd!")
# The UI's CSP (CloudFront's response headers policy in AWS): scripts and styles from the site
# only, connections only to the REST, WebSocket and Cognito endpoints (all on the UI's origin locally).
# The same directives as template.yaml's UiSecurityHeaders, less upgrade-insecure-requests (plain http
# locally) and with the local WebSocket endpoint.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "manifest-src 'self'; connect-src 'self' ws://{host}; base-uri 'self'; form-action 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)
# Assertions wait for the UI; on a busy 2-core machine (CI shares it with the whole stack) Playwright's 5 s
# default is too short for a render after a round trip. Speed is not what these tests check.
expect.set_options(timeout=15_000)


@contextmanager
def chromium(*extra_args: str) -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test module (the UI must be built first)."""
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    assert (DIST / "index.html").exists(), "make test builds the UI first"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, *extra_args])
        yield browser
        browser.close()


def watch(page: Page) -> list[str]:
    """Collects the page's JavaScript errors and CSP refusals (the test asserts it stays empty)."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    return problems


def _with_csp(context: BrowserContext, base_url: str) -> None:
    policy = CSP.format(host=urlparse(base_url).netloc)

    def serve(route: Route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    context.route("**/*", serve)


def csp_context(browser: Browser, stack, viewport=DESKTOP, **kwargs) -> BrowserContext:
    """A context on the local stack whose documents carry the UI's CSP. A `storage_state` from
    `signed_in_state` also carries the tab's session (Playwright keeps no sessionStorage): it is put in
    the context's first page once (tests.seeded marks it, in localStorage, which sign-out leaves alone);
    later tabs get it from an open one, as a person's do."""
    state = kwargs.get("storage_state")
    tab: dict[str, str] = {}
    if isinstance(state, dict) and "sessionStorage" in state:
        tab = state["sessionStorage"]
        kwargs["storage_state"] = {k: v for k, v in state.items() if k != "sessionStorage"}
    context = browser.new_context(base_url=stack.url, viewport=viewport, **kwargs)
    _with_csp(context, stack.url)
    if tab:
        context.add_init_script(
            f"""(() => {{
            if (location.origin !== {json.dumps(urlparse(stack.url)._replace(path="").geturl())}) return;
            if (localStorage.getItem("tests.seeded")) return;
            localStorage.setItem("tests.seeded", "1");
            for (const [k, v] of Object.entries({json.dumps(tab)})) sessionStorage.setItem(k, v);
            }})()"""
        )
    return context


def signed_in_state(context: BrowserContext, page: Page) -> dict:
    """The context's storage state plus the signed-in tab's session (sessionStorage), for csp_context."""
    tab = page.evaluate("() => Object.fromEntries(Object.entries(sessionStorage).filter(([k]) => k.startsWith('mle.')))")
    return {**context.storage_state(), "sessionStorage": tab}


def snap(page: Page, name: str) -> None:
    """Screenshot, then axe: injected through the DevTools protocol, since a page with the UI's CSP
    (rightly) refuses an injected script tag."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.evaluate(f"() => {{ {AXE.read_text()}\n }}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"accessibility problems on {name}: {serious}"


def sign_in(page: Page, email: str = DEMO[0], password: str = DEMO[1], *, demo_button: bool = False) -> None:
    """Signs in from the sign-in page (typed, or the e-mail from its "Fill in the demo e-mail" button)."""
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    if demo_button:  # it fills in the e-mail only: the password is printed by make run, never served
        page.get_by_role("button", name="Fill in the demo e-mail").click()
        page.get_by_label("Password").fill(password)
    else:
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def sign_up(page: Page, email: str, password: str) -> None:
    """Fills and sends the create-an-account form (reached from the sign-in page)."""
    page.goto("/")
    page.get_by_role("button", name="New here? Create an account").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create an account").click()


def fill_movie(page: Page, title: str | None, genre: str = "Drama", rating: str = "7.5", year: str = "2024") -> None:
    """Fills the add form and clicks "Add movie" (title None: keep the title already typed). A genre the
    library does not have yet is created on purpose (the form's "Create … as a new one" box)."""
    if title is not None:
        page.get_by_label("Title").fill(title)
    # Whether the genre is new is known once the library's genres have loaded.
    expect(page.locator("form[data-genres]")).not_to_have_attribute("data-genres", "loading")
    page.get_by_label("Genre").fill(genre)
    form = page.locator("form[data-genres]")
    expect(form).to_have_attribute("data-genre", genre)  # the form has taken the value in
    if form.get_attribute("data-genre-new") == "true":
        page.get_by_label(re.compile(r"Create .* as a new one")).check()
    page.get_by_label("Rating").fill(rating)
    page.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Add movie").click()


def expire_session(page: Page) -> None:
    """The stored id token expires and its refresh token is revoked, as if the tab sat for hours."""
    page.evaluate("""() => {
        const s = JSON.parse(sessionStorage.getItem('mle.session'));
        s.idToken = 'expired.' + s.idToken.split('.')[1] + '.sig'; s.refreshToken = 'revoked';
        sessionStorage.setItem('mle.session', JSON.stringify(s));
    }""")


@contextmanager
def plain_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A page in a fresh context without the CSP; the test fails on any JavaScript error it raised."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 850})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@contextmanager
def sized_page(
    browser: Browser, stack, size: str, storage_state: dict, color_scheme: str = "light"
) -> Iterator[tuple[Page, str]]:
    """A signed-in page at "desktop" (1280x800) or "phone" (390x844) size, in the system's light or dark
    colour scheme, under the CSP, and the suffix for its screenshots' names; fails on any JavaScript
    error or CSP refusal."""
    viewport, suffix = (DESKTOP, "") if size == "desktop" else (PHONE, "-phone")
    if color_scheme == "dark":
        suffix += "-dark"
    context = csp_context(browser, stack, viewport=viewport, storage_state=storage_state, color_scheme=color_scheme)
    page = context.new_page()
    problems = watch(page)
    yield page, suffix
    context.close()
    assert not problems, problems


def settled_snap(page: Page, shot: str, what: str) -> None:
    """Once nothing is loading: the page (`what`) fits the screen's width, then `snap` as `shot`."""
    expect(page.get_by_test_id("loading")).to_have_count(0)
    wide = page.evaluate("""() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
        [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 8)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)""")
    assert not wide, f"{what} scrolls sideways: past the right edge: {wide}"
    snap(page, shot)


def until(page: Page, check: Callable[[], object], timeout_ms: int) -> None:
    """Poll with a deadline; waiting through Playwright lets it deliver the page's events meanwhile."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, f"condition not met within {timeout_ms} ms"
        page.wait_for_timeout(50)
