"""Issue 25 with what real movie libraries hold, loaded through the real ETL: films from 1900 to next
year, one genre with thousands of movies beside 300 genres with one each, 255-character titles and
right-to-left titles. The charts stay readable and no page scrolls sideways, at desktop and phone
sizes (Debian's Chromium, the UI's CSP, axe on every screenshot)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import reset_library
from tests.e2e.browser import DESKTOP, PHONE, csp_context, settled_snap, sized_page, watch

NEXT_YEAR = datetime.date.today().year + 1
BIG_GENRE = ("Drama", 10_000)
LONG_TITLE = ("A Very Long Title " * 15)[:254] + "Z"  # 255 characters, the most the API takes
RTL_TITLES = ["סרט ארוך מאוד על החיים בעיר", "الفيلم الطويل عن الحياة في المدينة"]


def _write(folder: Path, n: int, movie: dict) -> None:
    (folder / f"movie_{n:05d}.json").write_text(json.dumps(movie, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def real_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("real-library")
    n = 0
    genre, many = BIG_GENRE
    for i in range(many):  # the big genre spans the years the way a real catalogue does: mostly recent
        _write(
            folder,
            n := n + 1,
            {"title": f"Catalogue Film {i}", "genre": genre, "rating": round(1 + (i % 90) / 10, 1), "year": 1990 + i % 36},
        )
    for g in range(300):
        _write(
            folder, n := n + 1, {"title": f"Only One In Genre {g}", "genre": f"Niche Genre {g:03d}", "rating": 5, "year": 2000}
        )
    for year in (1900, 1927, 1939, 1955, 1968, 1975, NEXT_YEAR):
        _write(folder, n := n + 1, {"title": f"A Film From {year}", "genre": "Classic", "rating": 7.7, "year": year})
    _write(folder, n := n + 1, {"title": LONG_TITLE, "genre": "Classic", "rating": 9.9, "year": 2001})
    for title in RTL_TITLES:
        _write(folder, n := n + 1, {"title": title, "genre": "Classic", "rating": 9.8, "year": 2002})
    return folder


@pytest.fixture(scope="module")
def loaded(stack, real_library: Path) -> Iterator[None]:
    """Overrides conftest's: this module's library is the real-data one."""
    report = reset_library(stack, real_library)
    assert report is not None
    yield


def _year_chart_problems(page: Page) -> list[str]:
    """What the review saw: hair-thin columns, labels on top of each other, a chart wider than its
    card, zero rows in the table."""
    return page.evaluate("""() => {
        const chart = document.querySelector('[data-testid=chart-years]');
        const problems = [];
        const columns = [...chart.querySelectorAll('.columns li')];
        if (columns.length > 30) problems.push(`${columns.length} columns`);
        for (const c of columns) {
            const w = c.getBoundingClientRect().width;
            if (w < 8) { problems.push(`a column ${w.toFixed(1)} px wide`); break; }
        }
        const labels = [...chart.querySelectorAll('.column-label')]
            .filter(l => getComputedStyle(l).visibility !== 'hidden')
            .map(l => { const r = document.createRange(); r.selectNodeContents(l); return r.getBoundingClientRect(); });
        for (let i = 1; i < labels.length; i++) {
            if (labels[i].left < labels[i - 1].right) { problems.push('labels overlap'); break; }
        }
        const card = chart.getBoundingClientRect();
        for (const l of labels) {
            if (l.left < card.left || l.right > card.right) { problems.push('a label outside the card'); break; }
        }
        const values = [...chart.querySelectorAll('.chart-table td.num')].map(td => td.textContent.trim());
        if (values.includes('0')) problems.push('zero rows in the table');
        return problems;
    }""")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_bug_b1_the_year_chart_bins_a_century_into_readable_columns(browser: Browser, stack, signed_state, size: str) -> None:
    with sized_page(browser, stack, size, signed_state) as (page, suffix):
        page.goto("/")
        chart = page.get_by_test_id("chart-years")
        expect(chart).to_contain_text("by decade")
        expect(chart.get_by_text("1900s", exact=True).first).to_be_attached()
        chart.get_by_text("Show as a table").click()
        expect(chart.locator(".chart-table tbody tr").first).to_be_visible()
        assert _year_chart_problems(page) == []
        settled_snap(page, f"real-data-dashboard{suffix}", "the dashboard")


def test_rating_buckets_say_what_they_hold(page: Page) -> None:
    page.goto("/")
    chart = page.get_by_test_id("chart-ratings")
    chart.get_by_text("Show as a table").click()
    expect(chart.locator(".chart-table tbody")).to_contain_text("9–9.9")
    expect(page.get_by_test_id("unrated-movies")).to_have_count(0)  # none unrated here: no card that is always 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_long_and_right_to_left_titles_fit_every_list(browser: Browser, stack, signed_state, viewport: dict) -> None:
    context = csp_context(browser, stack, viewport=viewport, storage_state=signed_state)
    page = context.new_page()
    problems = watch(page)
    name = "desktop" if viewport == DESKTOP else "phone"
    for path, what, text in (
        ("/top", "Top rated", LONG_TITLE[:30]),
        ("/search?q=%D7%A1%D7%A8%D7%98", "Search", RTL_TITLES[0]),
        ("/browse?genre=Niche+Genre+007", "Browse", "Only One In Genre 7"),
    ):
        page.goto(path)
        expect(page.locator("tbody").get_by_text(text).first).to_be_visible()
        settled_snap(page, f"real-data-{what.lower().replace(' ', '-')}-{name}", what)
    context.close()
    assert not problems, problems
