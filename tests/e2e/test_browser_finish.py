"""Issue 25's layout, navigation, search and theme items in Debian's Chromium under the UI's CSP: the
header at tablet widths and 200 % zoom (B5), the phone menu and Escape (B10), nav links that keep
their place (B12), search history, length, errors and focus (B6-B9), the `/` shortcut and dark mode."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from local import aws
from tests.e2e.browser import csp_context, settled_snap, sign_in, sign_up, snap, watch

# `browser`, `loaded`, `signed_state` and `page` (signed in, under the UI's CSP) are in tests/e2e/conftest.py.

# (name, viewport, device scale): 1280x800 at 200 % zoom is a 640x400 CSS-pixel viewport at scale 2.
SIZES = [
    ("390", {"width": 390, "height": 844}, 2),
    ("700", {"width": 700, "height": 900}, 1),
    ("900", {"width": 900, "height": 900}, 1),
    ("1100", {"width": 1100, "height": 800}, 1),
    ("1280", {"width": 1280, "height": 800}, 1),
    ("zoom200", {"width": 640, "height": 400}, 2),
]
PAGES = [
    ("/", "Dashboard"),
    ("/search?q=bloom", "Search"),
    ("/browse?genre=Drama", "Browse"),
    ("/top", "Top rated"),
    ("/add", "Add a movie"),
    ("/sync", "Library sync"),
]


@pytest.fixture()
def sized(browser: Browser, stack, signed_state, request) -> Iterator[Page]:
    _, viewport, scale = request.param
    context = csp_context(browser, stack, viewport=viewport, device_scale_factor=scale, storage_state=signed_state)
    page = context.new_page()
    problems = watch(page)
    yield page
    context.close()
    assert not problems, problems


def _height(page: Page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["height"]


@pytest.mark.parametrize("sized", SIZES, ids=[s[0] for s in SIZES], indirect=True)
def test_bug_b5_no_sideways_scroll_and_a_one_row_header(sized: Page, request) -> None:
    page = sized
    width = page.viewport_size["width"]
    for path, heading in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        # One row: the brand and the links (or the Menu button) side by side, whatever the width.
        assert _height(page, "header.top") < 70, f"{path}: the header wraps at {width} px"
        settled_snap(page, f"layout-{request.node.callspec.id}-{heading.lower().replace(' ', '-')}", heading)
    sign_out = page.get_by_role("button", name=re.compile("^Sign out"))
    if not sign_out.is_visible():
        page.get_by_role("button", name="Menu").click()
    assert sign_out.bounding_box()["height"] < 50, "Sign out breaks onto two lines"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_bug_b10_escape_and_a_click_outside_close_the_menu(page: Page) -> None:
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Browse").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    menu.click()
    page.get_by_role("heading", name="Dashboard").click()
    expect(menu).to_have_attribute("aria-expanded", "false")


def test_bug_b12_nav_links_keep_their_place_between_pages(page: Page) -> None:
    def places() -> list[float]:
        return [round(b["x"]) for b in (a.bounding_box() for a in page.locator("header nav a").all()) if b]

    page.goto("/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    on_dashboard = places()
    for path in ("/browse", "/top", "/add"):
        page.goto(path)
        expect(page.locator(f"header nav a[href='{path}']")).to_have_attribute("aria-current", "page")
        assert places() == on_dashboard, path


def test_bug_b6_slow_typing_makes_one_history_entry(page: Page) -> None:
    page.goto("/search")
    before = page.evaluate("history.length")
    box = page.get_by_label("Title contains")
    box.click()
    for letter in "bloom":
        page.keyboard.type(letter)
        page.wait_for_timeout(500)  # slower than the 300 ms pause that updates the URL, quicker than 1.5 s
    expect(page).to_have_url(re.compile(r"q=bloom"))
    expect(page.locator("tbody tr")).to_have_count(3)
    assert page.evaluate("history.length") == before + 1
    page.go_back()
    expect(page).to_have_url(re.compile(r"/search$"))


def test_bug_b7_b8_b14_long_searches_errors_that_go_and_examples_that_find_something(page: Page) -> None:
    page.goto("/search")
    box = page.get_by_label("Title contains")
    expect(box).to_have_attribute("maxlength", "255")
    example = page.get_by_test_id("search-empty").get_by_role("button").first
    expect(example).to_be_visible()
    example.click()
    expect(page.locator("tbody tr").first).to_be_visible()  # the first example finds movies
    page.route(
        "**/api/movies/search*",
        lambda route: route.fulfill(
            status=503, json={"error": {"code": "UNAVAILABLE", "message": "The service is busy; try again."}}
        ),
    )
    box.fill("night owl")
    expect(page.get_by_role("alert")).to_contain_text("try again")
    box.fill("")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_slash_goes_to_search_from_anywhere(page: Page) -> None:
    page.goto("/top")
    expect(page.get_by_role("heading", name="Top rated")).to_be_visible()
    page.keyboard.press("/")
    expect(page).to_have_url(re.compile(r"/search$"))
    expect(page.get_by_label("Title contains")).to_be_focused()
    page.keyboard.type("bloom")
    expect(page.get_by_label("Title contains")).to_have_value("bloom")  # typed "/" is not swallowed from fields


def test_dark_mode_follows_the_system_and_the_toggle_and_stays_accessible(browser: Browser, stack, signed_state) -> None:
    context = csp_context(browser, stack, color_scheme="dark", storage_state=signed_state)
    page = context.new_page()
    problems = watch(page)
    background = "() => getComputedStyle(document.documentElement).backgroundColor"
    page.goto("/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    dark = page.evaluate(background)
    assert dark == "rgb(20, 22, 31)", dark
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    snap(page, "dashboard-dark")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(background) == "rgb(246, 247, 251)"
    page.reload()
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(background) == "rgb(246, 247, 251)"
    context.close()
    assert not problems, problems


def test_bug_b17_signin_while_signed_in_goes_to_the_app(page: Page) -> None:
    page.goto("/signin?next=%2Ftop")
    expect(page.get_by_role("heading", name="Top rated")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/top$"))


def test_bug_b15_b16_the_detail_page_goes_back_where_it_came_from_and_dates_read_one_way(page: Page) -> None:
    page.goto("/top")
    page.locator("tbody tr a").first.click()
    back = page.get_by_role("link", name="Back to top rated")
    expect(back).to_be_visible()
    added = page.locator("dd time")
    expect(added).to_have_attribute("title", re.compile(r"\d{4}"))  # the exact moment, one format everywhere
    back.click()
    expect(page.get_by_role("heading", name="Top rated")).to_be_visible()


def test_bug_b21_the_app_has_an_icon(page: Page) -> None:
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")


def test_bug_b11_the_confirm_code_hint_sits_under_its_field(browser: Browser, stack, loaded) -> None:
    context = csp_context(browser, stack)
    page = context.new_page()
    sign_up(page, f"hint-{uuid.uuid4().hex[:8]}@example.com", "Brand-New-Passw0rd")
    expect(page.get_by_role("heading", name="Confirm your e-mail")).to_be_visible()
    hint = page.locator("#code-hint").bounding_box()
    button = page.get_by_role("button", name="Confirm your e-mail").bounding_box()
    assert hint["y"] + hint["height"] <= button["y"], (hint, button)
    context.close()


def test_bug_b19_table_columns_stay_put_and_headers_line_up(browser: Browser, stack, loaded) -> None:
    # As a plain user: a librarian's lists add a selection column on Browse and Search (bulk delete) only.
    context = csp_context(browser, stack)
    page = context.new_page()
    sign_in(page, aws.PLAIN_USER, aws.PLAIN_PASSWORD)

    def header_places() -> list[tuple[str, int, float]]:
        return page.evaluate("""() => [...document.querySelectorAll('table.movies thead th')].map(th => {
            const text = document.createTreeWalker(th, NodeFilter.SHOW_TEXT).nextNode();
            const r = document.createRange(); r.selectNodeContents(text);
            const label = th.textContent.trim().split(' ')[0];
            return [label, Math.round(th.getBoundingClientRect().left), r.getBoundingClientRect().bottom];
        })""")

    seen = {}
    for path in ("/browse", "/top", "/search?q=e"):
        page.goto(path)
        expect(page.locator("table.movies tbody tr").first).to_be_visible()
        places = header_places()
        bottoms = [bottom for _, _, bottom in places]
        assert max(bottoms) - min(bottoms) <= 1, f"{path}: headers on different baselines {places}"
        # Top rated's own Rank column comes first and narrows Title; Genre, Rating and Year stay put.
        seen[path] = [(label, left) for label, left, _ in places if label not in ("Title", "Rank")]
    context.close()
    assert len({tuple(v) for v in seen.values()}) == 1, seen


def test_bug_b18_a_page_that_failed_to_load_offers_retry_and_retries_when_back_online(page: Page) -> None:
    page.route("**/api/movies/top-rated*", lambda route: route.abort())
    page.goto("/top")
    expect(page.get_by_role("alert")).to_contain_text("Cannot reach the server")
    page.unroute("**/api/movies/top-rated*")
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("tbody tr")).to_have_count(20)
    page.route("**/api/dashboard", lambda route: route.abort())
    page.goto("/")
    expect(page.get_by_role("alert")).to_be_visible()
    page.unroute("**/api/dashboard")
    page.context.set_offline(True)
    page.context.set_offline(False)  # the browser's `online` event: the page tries again by itself
    expect(page.get_by_test_id("total-movies")).to_be_visible()
