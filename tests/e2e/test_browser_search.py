"""Search in Debian's Chromium under the UI's CSP, against the local stack with the fixture library.
Issue 25: one paging model ("Load more", 20 at a time, rows kept dimmed while the next load, focus to the
first new row, B9), Back/Forward/reload and old links. Issue 27: best match first by default beside the
column sorts, "Did you mean" links, and title suggestions as a keyboard-driven ARIA combobox."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Locator, Page, Route, expect

# `page` (signed in, under the UI's CSP, fixture library loaded) is in tests/e2e/conftest.py; `api` (the
# demo user's REST client) in tests/conftest.py. 21 of the fixture's 32 titles contain an "e".


def _until(page: Page, check: Callable[[], object], timeout_ms: int = 20_000) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, f"condition not met within {timeout_ms} ms"
        page.wait_for_timeout(50)


def _header(page: Page, name: str) -> Locator:
    return page.locator("thead th").filter(has=page.get_by_role("button", name=name, exact=True))


def _ratings(page: Page) -> list[float]:
    """The Rating column (found by its header: a librarian's lists start with Select) once the rows are the new ones."""
    expect(page.get_by_test_id("results")).to_have_attribute("aria-busy", "false")
    names = [t.strip() for t in page.locator("table.movies thead th").all_inner_texts()]
    column = next(i for i, name in enumerate(names, 1) if name.startswith("Rating"))
    return [float(t) for t in page.locator(f"tbody tr td:nth-child({column})").all_inner_texts()]


def test_bug_b9_search_loads_more_keeping_rows_dimmed_and_focus_with_the_results(page: Page) -> None:
    page.goto("/search?q=e")
    rows = page.locator("tbody tr")
    count = page.get_by_test_id("search-count")
    expect(count).to_have_text("More than 20 movies, showing 20")
    expect(rows).to_have_count(20)
    expect(page.get_by_role("button", name="Next")).to_have_count(0)  # one paging model: no Previous/Next
    held: list[Route] = []
    page.route(lambda url: "/api/movies/search" in url and "cursor=" in url, lambda route: held.append(route))
    page.get_by_role("button", name="Load more").focus()
    page.keyboard.press("Enter")
    _until(page, lambda: held)
    results = page.get_by_test_id("results")
    expect(results).to_have_attribute("aria-busy", "true")
    expect(results).to_have_class("stale")
    expect(rows).to_have_count(20)  # the rows shown stay while the next ones load
    held[0].fallback()
    expect(rows).to_have_count(21)
    expect(count).to_have_text("21 movies")
    expect(results).to_have_attribute("aria-busy", "false")
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    expect(page.locator('tbody tr[data-row="20"] a')).to_be_focused()  # the keyboard goes on from the new row
    expect(page).to_have_url(re.compile(r"/search\?q=e$"))


def test_search_keeps_its_loaded_rows_through_a_movie_back_forward_and_reload(page: Page) -> None:
    page.goto("/search")
    page.get_by_label("Title contains").fill("e")
    expect(page).to_have_url(re.compile(r"/search\?q=e$"))
    page.get_by_role("button", name="Load more").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(21)
    last = rows.nth(20).get_by_role("link")
    title = last.inner_text()
    last.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.go_back()
    expect(rows).to_have_count(21)
    expect(page.get_by_label("Title contains")).to_have_value("e")
    page.go_forward()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.go_back()
    page.reload()
    expect(rows).to_have_count(21)
    expect(page.get_by_test_id("search-count")).to_have_text("21 movies")
    # A link from the Previous/Next days opens the same search from its first rows.
    page.goto("/search?q=e&page=2&cursor=bm90LWEtY3Vyc29y")
    expect(page).to_have_url(re.compile(r"/search\?q=e$"))
    expect(rows).to_have_count(20)


def test_search_is_best_match_first_and_sorts_by_a_column_from_the_first_rows(page: Page) -> None:
    page.goto("/search?q=e")
    best = page.get_by_role("button", name="Best match first")
    expect(best).to_have_attribute("aria-pressed", "true")
    expect(page.locator("thead th[aria-sort]")).to_have_count(0)  # no column claims the order
    page.get_by_role("button", name="Load more").click()
    expect(page.locator("tbody tr")).to_have_count(21)
    _header(page, "Rating").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/search\?q=e&sort=rating&order=desc$"))
    expect(_header(page, "Rating")).to_have_attribute("aria-sort", "descending")
    expect(best).to_have_attribute("aria-pressed", "false")
    expect(page.locator("tbody tr")).to_have_count(20)  # a new order starts again from its first rows
    ratings = _ratings(page)
    assert ratings == sorted(ratings, reverse=True), ratings
    page.get_by_role("button", name="Load more").click()
    expect(page.locator("tbody tr")).to_have_count(21)
    assert _ratings(page)[-1] <= ratings[-1]
    best.click()
    expect(page).to_have_url(re.compile(r"/search\?q=e$"))
    expect(best).to_have_attribute("aria-pressed", "true")
    expect(best).to_be_focused()
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=rating&order=desc$"))
    expect(page.locator("tbody tr")).to_have_count(21)  # Back returns to the rows that were loaded


def test_suggestions_keyboard_arrow_down_and_enter_open_the_movie_escape_closes(page: Page) -> None:
    page.goto("/search")
    box = page.get_by_role("combobox", name="Title contains")
    box.click()
    page.keyboard.type("blo")
    listbox = page.get_by_role("listbox", name="Suggested titles")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "title-suggestions")
    options = listbox.get_by_role("option")
    expect(options.filter(has_text="Bloom Again")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("blo")  # Escape closes the list and keeps the text
    page.keyboard.type("o")
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    first = options.nth(0)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    title = first.locator(".option-title").inner_text()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/movies/[0-9a-f-]+\?from="))
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def _did_you_mean_probe(api: httpx.Client) -> tuple[str, str]:
    """A misspelt search the real API answers with didYouMean, and its first suggestion. Skipped while the
    backend does not send didYouMean (issue 27 lands it; the served document then requires it)."""
    document = api.get("/api/openapi.json").json()
    required = document["components"]["schemas"]["SearchResult"].get("required", [])
    # Misspellings of fixture titles, from one slip to several: whatever the ranking's thresholds, some of
    # them find nothing good enough and get close titles offered.
    candidates = [
        "Stel Horizon",
        "Parallel Erth",
        "Tiny Gaints",
        "harvst cod",
        "sunsett ryders",
        "midnite blume",
        "Quantm Drfit Zx",
        "nightingle rod",
    ]
    answers = {term: api.get("/api/movies/search", params={"title": term}).json() for term in candidates}
    if "didYouMean" not in required and not any("didYouMean" in body for body in answers.values()):
        pytest.skip(
            "the API does not send didYouMean yet (issue 27's backend): neither required in the served "
            "document's SearchResult nor in a search response"
        )
    for term, body in answers.items():
        if body.get("didYouMean"):
            return term, body["didYouMean"][0]
    raise AssertionError(f"no misspelt search got a didYouMean: {answers}")


def test_did_you_mean_links_to_a_search_for_the_suggested_title(page: Page, api: httpx.Client) -> None:
    term, suggested = _did_you_mean_probe(api)
    page.goto(f"/search?q={term}")
    hint = page.get_by_test_id("did-you-mean")
    expect(hint).to_contain_text("Did you mean")
    hint.get_by_role("link", name=suggested, exact=True).click()
    expect(page.get_by_label("Title contains")).to_have_value(suggested)
    expect(page.locator("tbody tr a").filter(has_text=re.compile(f"^{re.escape(suggested)}$")).first).to_be_visible()
