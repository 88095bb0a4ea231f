"""Issue 25: an add's outcome is never lost, in Debian's Chromium against the real local stack and
under the UI's CSP. The races are made certain, not left to load: the POST's answer is held back
until its outcome has come over the socket, the socket is refused, the page is reloaded while the
POST is in flight, two tabs add at once."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.e2e.browser import fill_movie, snap, until

# `browser`, `loaded`, `signed_state` and `page` (signed in, under the UI's CSP) are in tests/e2e/conftest.py.

OUTCOME_WAIT = 20_000  # ms: an add's whole trip through the queue on a busy machine


def _until(page: Page, check, timeout_ms: int = 20_000) -> None:
    until(page, check, timeout_ms)


def _socket_spy(page: Page, forward: Callable[[dict], bool] = lambda m: True) -> list[dict]:
    """Proxies the page's live socket and records what the server sends; `forward` decides which
    messages reach the page."""
    seen: list[dict] = []

    def proxy(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            try:
                parsed = json.loads(message)
            except ValueError:
                parsed = {}
            seen.append(parsed)
            if forward(parsed):
                ws.send(message)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws\?token="), proxy)
    return seen


def _hold_posts(page: Page, first_only: bool = False) -> list[Route]:
    """POST /api/movies is held (never sent) until the test says (with first_only, only the first one);
    everything else goes through."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        if route.request.method == "POST" and not (first_only and held):
            held.append(route)
        else:
            route.fallback()

    page.route("**/api/movies", hold)
    return held


def _outcome(seen: list[dict], request_id: str) -> bool:
    return any(m.get("type") == "addStatus" and m.get("requestId") == request_id and m.get("status") != "queued" for m in seen)


def _request_checks(page: Page) -> list[str]:
    checks: list[str] = []
    page.on("request", lambda r: checks.append(r.url) if "/api/movies/requests/" in r.url else None)
    return checks


def test_an_outcome_that_arrives_before_the_posts_answer_is_kept(page: Page) -> None:
    """The race from `make test`: the outcome comes over the socket before the browser has handled
    the POST's 202. Status reads are refused here, so only the kept live message can resolve it."""
    seen = _socket_spy(page)
    held = _hold_posts(page)
    page.route("**/api/movies/requests/*", lambda route: route.abort())
    page.goto("/add")
    expect(page.get_by_test_id("socket-state")).to_have_text("Live updates on")
    title = f"Early Outcome {uuid.uuid4().hex[:6]}"
    fill_movie(page, title, genre="Issue25 Test", rating="6.4", year="2019")
    _until(page, lambda: held)
    answer = held[0].fetch()  # the server queues the add; the page does not hear back yet
    request_id = answer.json()["requestId"]
    _until(page, lambda: _outcome(seen, request_id), OUTCOME_WAIT)
    held[0].fulfill(response=answer)
    item = page.get_by_test_id("add-request").filter(has_text=title)
    expect(item.get_by_text("Created")).to_be_visible()
    expect(item).to_have_count(1)


def test_a_request_left_queued_is_checked_with_the_api(page: Page) -> None:
    """The socket is open but the outcome message never comes (lost): a short while after the 202
    the page reads the request's status itself."""
    _socket_spy(page, forward=lambda m: m.get("type") != "addStatus")
    checks = _request_checks(page)
    page.goto("/add")
    expect(page.get_by_test_id("socket-state")).to_have_text("Live updates on")
    title = f"Lost Message {uuid.uuid4().hex[:6]}"
    fill_movie(page, title, genre="Issue25 Test", rating="6.5", year="2019")
    item = page.get_by_test_id("add-request").filter(has_text=title)
    expect(item.get_by_text("Created")).to_be_visible(timeout=OUTCOME_WAIT)
    assert checks, "the outcome must have come from GET /api/movies/requests/{id}"


def test_bug_b2_without_a_socket_adds_are_polled_and_the_page_says_so(page: Page) -> None:
    page.route_web_socket(re.compile(r"/ws"), lambda ws: ws.close())
    page.goto("/add")
    expect(page.get_by_test_id("socket-state")).to_contain_text("Live updates unavailable", timeout=OUTCOME_WAIT)
    title = f"No Socket {uuid.uuid4().hex[:6]}"
    fill_movie(page, title, genre="Issue25 Test", rating="6.6", year="2019")
    item = page.get_by_test_id("add-request").filter(has_text=title)
    expect(item.get_by_text("Created")).to_be_visible(timeout=OUTCOME_WAIT)
    snap(page, "add-no-socket")


def test_bug_b13_reload_during_an_add_keeps_it_and_retries_with_the_same_key(page: Page) -> None:
    keys: list[str] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key", "")) if r.method == "POST" and r.url.endswith("/api/movies") else None
        ),
    )
    held = _hold_posts(page, first_only=True)
    page.goto("/add")
    title = f"Reload Mid Add {uuid.uuid4().hex[:6]}"
    fill_movie(page, title, genre="Issue25 Test", rating="6.7", year="2019")
    _until(page, lambda: held)
    held[0].fetch()  # the server has it; the page is reloaded before it hears back (the held answer never arrives)
    page.reload()
    item = page.get_by_test_id("add-request").filter(has_text=title)
    expect(item.get_by_text("Created")).to_be_visible(timeout=OUTCOME_WAIT)
    expect(item).to_have_count(1)
    expect(page.get_by_label("Title")).to_have_value("")
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys


def test_bug_b3_two_tabs_share_one_list_of_adds(page: Page) -> None:
    other = page.context.new_page()
    page.goto("/add")
    other.goto("/add")
    for tab in (page, other):
        expect(tab.get_by_test_id("socket-state")).to_have_text("Live updates on")
    first, second = (f"Tab {name} {uuid.uuid4().hex[:6]}" for name in ("A", "B"))
    fill_movie(page, first, genre="Issue25 Test", rating="6.8", year="2019")
    expect(page.get_by_test_id("add-request").filter(has_text=first).get_by_text("Created")).to_be_visible(timeout=OUTCOME_WAIT)
    fill_movie(other, second, genre="Issue25 Test", rating="6.9", year="2019")
    for tab in (page, other):
        for title in (first, second):
            expect(tab.get_by_test_id("add-request").filter(has_text=title).get_by_text("Created")).to_be_visible(
                timeout=OUTCOME_WAIT
            )
    page.reload()
    for title in (first, second):
        expect(page.get_by_test_id("add-request").filter(has_text=title)).to_have_count(1)


def test_bug_b4_genre_combobox_completes_suggests_and_creates_only_on_purpose(page: Page) -> None:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/api/movies") else None)
    page.goto("/add")
    expect(page.locator("form[data-genres]")).to_have_attribute("data-genres", "known")
    genre = page.get_by_label("Genre")
    genre.click()
    page.keyboard.type("Thr")
    expect(page.get_by_role("listbox").get_by_role("option", name="Thriller")).to_be_visible()
    page.keyboard.press("Tab")  # completes the one genre starting with "Thr"
    expect(genre).to_have_value("Thriller")
    genre.fill("")
    genre.click()
    page.keyboard.type("Dr")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # takes the highlighted genre, does not send the form
    expect(genre).to_have_value("Drama")
    assert posts == []
    # Escape closes the list and keeps the typed text: a half-typed genre is now asked about, not created.
    page.get_by_label("Title").fill(f"Half Typed Genre {uuid.uuid4().hex[:6]}")
    genre.fill("")
    genre.click()
    page.keyboard.type("Thr")
    page.keyboard.press("Escape")
    page.get_by_label("Rating").fill("6")
    page.get_by_label("Year").fill("2020")
    expect(page.get_by_test_id("genre-new")).to_contain_text("Did you mean “Thriller”?")
    page.get_by_role("button", name="Add movie").click()
    expect(page.get_by_text("“Thr” is not a genre yet.")).to_be_visible()
    expect(genre).to_be_focused()
    assert posts == []
    genre.fill("Thriler")  # a typo is caught too
    expect(page.get_by_test_id("genre-new")).to_contain_text("Did you mean “Thriller”?")
    snap(page, "add-genre-did-you-mean")
    page.get_by_role("button", name="Use “Thriller”").click()
    expect(genre).to_have_value("Thriller")
    expect(page.get_by_test_id("genre-new")).to_have_count(0)
    # A really new genre is created by ticking the box.
    genre.fill("Mumblecore")
    page.get_by_label("Create “Mumblecore” as a new one").check()
    page.get_by_role("button", name="Add movie").click()
    _until(page, lambda: posts)


def test_b3_your_adds_follow_the_user_to_another_device(page: Page, browser, stack, signed_state) -> None:
    # An add on this "device", then the same user on another (a fresh context: none of this one's
    # localStorage): the server's list of the user's requests fills in "Your adds" there too.
    from tests.e2e.browser import csp_context

    page.goto("/add")
    expect(page.get_by_test_id("socket-state")).to_have_text("Live updates on")
    title = f"Other Device {uuid.uuid4().hex[:6]}"
    fill_movie(page, title, genre="Drama", rating="6.6", year="2022")
    expect(page.get_by_test_id("add-request").filter(has_text=title).get_by_text("Created")).to_be_visible()
    elsewhere = csp_context(browser, stack, storage_state=signed_state)
    try:
        other = elsewhere.new_page()
        other.goto("/add")
        assert other.evaluate("localStorage.getItem('mle.add-requests')") is None
        mine = other.get_by_test_id("add-request").filter(has_text=title)
        expect(mine.get_by_text("Created")).to_be_visible()
        expect(mine.get_by_role("link", name="View movie")).to_be_visible()
    finally:
        elsewhere.close()
