"""#24 (review 10) in Chromium: the session (refresh token included) is kept in the tab's sessionStorage and
never in localStorage, so it is not on disk for the next browser start; a new tab is handed the session by an
open one; signing out in one tab signs every open tab out and leaves no token anywhere."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.browser import csp_context, sign_in, watch

TOKENS = (
    "() => [...Object.entries(localStorage), ...Object.entries(sessionStorage)].filter(([, v]) => /eyJ/.test(v)).map(([k]) => k)"
)


def test_the_session_stays_out_of_local_storage_and_sign_out_reaches_every_tab(browser: Browser, stack, loaded) -> None:
    context = csp_context(browser, stack)
    first = context.new_page()
    problems = watch(first)
    sign_in(first)
    assert first.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('mle.session'))") == []
    assert first.evaluate("() => JSON.parse(sessionStorage.getItem('mle.session')).refreshToken")
    second = context.new_page()
    problems += watch(second)
    second.goto("/top")  # a new tab: handed the session by the first
    expect(second.get_by_role("heading", name="Top rated")).to_be_visible()
    assert second.evaluate(TOKENS) == ["mle.session"]
    first.get_by_role("button", name="Sign out").click()
    expect(first.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible()  # the other tab follows
    assert first.evaluate(TOKENS) == [] and second.evaluate(TOKENS) == []
    state = context.storage_state()
    assert "eyJ" not in str(state), "a token is left where the browser keeps it on disk"
    context.close()
    assert not problems, problems
