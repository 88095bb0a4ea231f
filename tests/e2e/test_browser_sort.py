"""Issue 16 in Chromium against the real local stack: Browse and Search sort from their column headers
(by mouse and by keyboard, the order in the URL so Back restores it), and the dashboard's newest
addition. The module's browser, sign-in and CSP-wrapped `page` are tests/e2e/conftest.py's (one browser
per module)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import fill_movie, settled_snap, sized_page
from tests.e2e.live import flush_stage_cache


def _header(page: Page, name: str) -> Locator:
    return page.locator("thead th").filter(has=page.get_by_role("button", name=name, exact=True))


def _position(page: Page, header: str) -> int:
    """The 1-based column of the header that reads `header` (a librarian's lists start with a Select column),
    once the rows shown are the new ones (the old stay, dimmed and aria-busy, while the next load)."""
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    names = [t.strip() for t in page.locator("table.movies thead th").all_inner_texts()]
    return next(i for i, name in enumerate(names, 1) if name.startswith(header))


def _column(page: Page, header: str) -> list[str]:
    return [t.strip() for t in page.locator(f"tbody tr td:nth-child({_position(page, header)})").all_inner_texts()]


def _titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(f"tbody tr td:nth-child({_position(page, 'Title')}) a").all_inner_texts()]


def _years(page: Page) -> list[int]:
    return [int(y) for y in _column(page, "Year")]


def _ratings(page: Page) -> list[float]:
    return [float(r) for r in _column(page, "Rating") if r != "not rated"]


def test_browse_sorts_by_year_and_back_restores_the_order(page: Page) -> None:
    page.goto("/browse")
    expect(page.get_by_test_id("filter-count")).to_have_text("32 movies, showing 20")
    expect(_header(page, "Rating")).to_have_attribute("aria-sort", "descending")
    ranked = _titles(page)
    _header(page, "Year").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/browse\?sort=year&order=desc$"))
    expect(_header(page, "Year")).to_have_attribute("aria-sort", "descending")
    expect(_header(page, "Rating")).not_to_have_attribute("aria-sort", re.compile(".*"))
    expect(page.get_by_test_id("filter-count")).to_have_text("32 movies, showing 20")
    years = _years(page)
    assert years == sorted(years, reverse=True) and years[0] == 2022, years
    # Keyboard: focus stayed on the header; Enter turns the order round.
    expect(_header(page, "Year").get_by_role("button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=year&order=asc$"))
    expect(_header(page, "Year")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("tbody tr").first.locator("td").nth(_position(page, "Year") - 1)).to_have_text("2016")
    years = _years(page)
    assert years == sorted(years) and len(years) == 20, years
    # "Load more" continues the same order (keyset), then Back walks the orders back.
    page.get_by_role("button", name="Load more").click()
    expect(page.get_by_test_id("filter-count")).to_have_text("32 movies")
    years = _years(page)
    assert years == sorted(years) and len(years) == 32, years
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=year&order=desc$"))
    expect(_header(page, "Year")).to_have_attribute("aria-sort", "descending")
    years = _years(page)
    assert years == sorted(years, reverse=True), years
    page.go_back()
    expect(page).to_have_url(re.compile(r"/browse$"))
    expect(_header(page, "Rating")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("tbody tr").first.locator("td a")).to_have_text(ranked[0])
    assert _titles(page) == ranked


def test_browse_headers_work_from_the_keyboard_and_keep_the_filters(page: Page) -> None:
    page.goto("/browse?genre=Drama&genre=Sci-Fi")
    expect(page.get_by_test_id("filter-count")).to_have_text("10 movies")
    _header(page, "Title").get_by_role("button").focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"genre=Drama&genre=Sci-Fi&sort=title&order=asc$"))
    expect(_header(page, "Title")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("tbody tr")).to_have_count(10)
    titles = _titles(page)
    assert len(titles) == 10 and titles == sorted(titles), titles  # the local database collates as C
    expect(_header(page, "Title").get_by_role("button")).to_be_focused()
    page.keyboard.press("Tab")  # the genre header is not sortable: Tab goes on to Rating
    expect(_header(page, "Rating").get_by_role("button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"genre=Drama&genre=Sci-Fi$"))  # rating, highest first: the default
    expect(_header(page, "Rating")).to_have_attribute("aria-sort", "descending")  # shown with the new rows
    expect(page.locator("tbody tr")).to_have_count(10)
    ratings = _ratings(page)
    assert ratings == sorted(ratings, reverse=True), ratings
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=rating&order=asc$"))
    expect(_header(page, "Rating")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("tbody tr")).to_have_count(10)
    ratings = _ratings(page)
    assert ratings == sorted(ratings) and len(ratings) == 10, ratings
    expect(page.get_by_label("Drama")).to_be_checked()


def test_dashboard_shows_the_newest_addition_after_an_add(page: Page, stack) -> None:
    page.goto("/add")
    expect(page.get_by_test_id("socket-state")).to_have_text("Live updates on")
    title = f"Newest Film {uuid.uuid4().hex[:6]}"
    fill_movie(page, title, genre="Issue16 Newest", rating="7.2", year="2024")
    expect(page.get_by_test_id("add-request").filter(has_text=title).get_by_text("Created")).to_be_visible(timeout=15_000)
    flush_stage_cache(stack)  # what the 30 s stage-cache TTL running out does
    page.goto("/")
    newest = page.get_by_test_id("newest-movie")
    expect(newest).to_have_text(title)
    expect(page.get_by_text("Newest addition")).to_be_visible()
    expect(page.get_by_test_id("unrated-movies")).to_have_count(0)  # none unrated: no card that always says 0 (issue 25)
    newest.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_sorted_browse_and_dashboard_screenshots(browser: Browser, stack, signed_state, size: str) -> None:
    with sized_page(browser, stack, size, signed_state) as (page, suffix):
        page.goto("/browse?genre=Drama&genre=Sci-Fi&sort=year&order=desc")
        expect(_header(page, "Year")).to_have_attribute("aria-sort", "descending")
        settled_snap(page, f"browse-sorted{suffix}", "browse")
        page.goto("/")
        expect(page.get_by_test_id("newest-movie")).to_be_visible()
        settled_snap(page, f"dashboard-newest{suffix}", "dashboard")
