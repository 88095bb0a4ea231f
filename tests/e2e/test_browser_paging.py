"""Issue 25's paging model in Debian's Chromium under the UI's CSP: Browse and Top rated page the same
way ("Load more", 20 at a time, with a total), keep the rows already shown, dimmed and aria-busy, while
the next ones load (the request is held back so the loading state is certain), and Top rated ranks its rows."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.browser import DESKTOP, PHONE

# `page` (signed in, under the UI's CSP, fixture library loaded) is in tests/e2e/conftest.py.


def _until(page: Page, check: Callable[[], object], timeout_ms: int = 20_000) -> None:
    """Poll with a deadline; waiting through Playwright lets it deliver the page's events meanwhile."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, f"condition not met within {timeout_ms} ms"
        page.wait_for_timeout(50)


def _hold(page: Page, wanted: Callable[[str], bool]) -> list[Route]:
    """API requests whose URL `wanted` matches are held (not sent) until the test lets them go."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(lambda url: "/api/" in url and wanted(url), hold)
    return held


def test_top_rated_ranks_rows_and_keeps_them_dimmed_while_the_next_page_loads(page: Page) -> None:
    page.goto("/top")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(20)  # the same page size as Browse
    expect(page.get_by_role("columnheader", name="Rank")).to_be_visible()
    expect(rows.nth(0).get_by_test_id("rank")).to_have_text("#1")
    expect(rows.nth(19).get_by_test_id("rank")).to_have_text("#20")
    held = _hold(page, lambda url: "/movies/top-rated" in url and "cursor=" in url)
    page.get_by_role("button", name="Load more").click()
    _until(page, lambda: held)
    results = page.get_by_test_id("results")
    expect(results).to_have_attribute("aria-busy", "true")
    expect(results).to_have_class("stale")
    expect(rows).to_have_count(20)  # the loaded rows stay while the next page is on its way
    held[0].fallback()
    expect(rows).to_have_count(32)
    expect(results).to_have_attribute("aria-busy", "false")
    expect(rows.nth(20).get_by_test_id("rank")).to_have_text("#21")
    expect(page.get_by_test_id("top-progress")).to_contain_text("Showing 32 of 32")


def test_browse_keeps_the_old_list_dimmed_while_new_filters_load(page: Page) -> None:
    page.goto("/browse")
    rows = page.locator("tbody tr")
    expect(page.get_by_test_id("filter-count")).to_have_text("32 movies, showing 20")
    expect(rows).to_have_count(20)
    held = _hold(page, lambda url: "/movies/filter" in url and "genre=Drama" in url)
    page.get_by_label("Drama").check()
    _until(page, lambda: held)
    results = page.get_by_test_id("results")
    expect(results).to_have_attribute("aria-busy", "true")
    expect(results).to_have_class("stale")
    expect(rows).to_have_count(20)  # not swapped for a skeleton: nothing jumps
    held[0].fallback()
    expect(page.get_by_test_id("filter-count")).to_have_text("6 movies")
    expect(results).to_have_attribute("aria-busy", "false")
    expect(rows).to_have_count(6)


def _column_lefts(page: Page) -> list[int]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid="etl-runs"] thead th')]
        .map(th => Math.round(th.getBoundingClientRect().left))""")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_b20_sync_report_opens_without_reflowing_and_the_copy_is_plain(page: Page, viewport: dict) -> None:
    # Short enough that the page scrolls before the report opens: a desktop scrollbar appearing would
    # narrow the table for a reason of its own (phones overlay theirs).
    page.set_viewport_size({**viewport, "height": 400})
    page.goto("/sync")
    runs = page.get_by_test_id("etl-runs")
    expect(runs.locator("tbody tr").first).to_be_visible()
    intro = page.get_by_role("heading", name="Library sync").locator("xpath=following-sibling::p[1]")
    expect(intro).not_to_contain_text("ETL")
    expect(runs).not_to_contain_text("0.0 s")
    before = _column_lefts(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sync scrolls sideways"
    runs.get_by_role("button", name="Report").first.click()
    expect(runs.get_by_role("button", name="Hide report")).to_be_visible()
    assert _column_lefts(page) == before


# Words of a table's cells that wrap inside themselves ("Starte d"), and cells whose content spills out.
_BROKEN = """(table) => {
    const split = [], spills = [];
    for (const cell of table.querySelectorAll('th, td')) {
        if (cell.getBoundingClientRect().width === 0) continue; // a folded optional column
        if (cell.scrollWidth > cell.clientWidth + 1) spills.push(cell.textContent.trim());
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest('.visually-hidden')) continue;
            for (const m of node.textContent.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) split.push(m[0]);
            }
        }
    }
    return {split, spills};
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sync_runs_headers_and_cells_keep_whole_words(page: Page, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto("/sync")
    runs = page.get_by_test_id("etl-runs")
    expect(runs.locator("tbody tr").first).to_contain_text("Succeeded")
    assert runs.evaluate(_BROKEN) == {"split": [], "spills": []}
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sync scrolls sideways"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_librarians_select_column_is_narrow_and_titles_keep_their_room(page: Page, viewport: dict) -> None:
    # The demo user is a librarian: its lists start with a Select column (checkboxes), which took the
    # Title column's share when widths went by position.
    page.set_viewport_size(viewport)
    page.goto("/search?q=bloom")
    expect(page.get_by_role("checkbox").first).to_be_visible()
    select = page.locator("table.movies thead th").first.bounding_box()
    title = page.locator("table.movies thead th").nth(1).bounding_box()
    assert select and title and select["width"] <= 48 and title["width"] > select["width"] * 3, (select, title)
