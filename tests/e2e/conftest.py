"""e2e fixtures: the users of the add pipeline's tests, the browser tests' CSP-wrapped pages, and for
`make test-deployed` the same tests against a deployed stack (tests/e2e/deployed.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import reset_library
from tests.e2e.browser import chromium, csp_context, sign_in, signed_in_state, watch
from tests.e2e.deployed import DeployedStack, deployed
from tests.e2e.live import User


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "deployable: also runs against a deployed stack (make test-deployed ENV=...)")


@pytest.fixture()
def alice(stack) -> Iterator[User]:
    """Two signed-in users with a live socket each, for the add pipeline's tests."""
    user = User(stack, "alice@example.com").connect()
    yield user
    user.close()


@pytest.fixture()
def bob(stack) -> Iterator[User]:
    user = User(stack, "bob@example.com").connect()
    yield user
    user.close()


# The browser tests under the UI's CSP (test_browser_ui, test_browser_sort): one browser per module and
# one sign-in whose saved storage every `page` starts from. test_browser and test_browser_cross_origin
# define their own `browser` and `page` (no CSP).
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # A document fulfilled by the test (to add the CSP header) counts as "public" to Chromium's
    # Local Network Access checks, which would then block its WebSocket to 127.0.0.1.
    with chromium("--disable-features=LocalNetworkAccessChecks") as launched:
        yield launched


@pytest.fixture(scope="module")
def loaded(stack, fixture_library) -> None:
    reset_library(stack, fixture_library)


@pytest.fixture(scope="module")
def signed_state(browser: Browser, stack, loaded) -> dict:
    context = csp_context(browser, stack)
    page = context.new_page()
    sign_in(page)
    state = signed_in_state(context, page)
    context.close()
    return state


@pytest.fixture()
def page(browser: Browser, stack, signed_state) -> Iterator[Page]:
    context = csp_context(browser, stack, storage_state=signed_state)
    page = context.new_page()
    problems = watch(page)
    yield page
    context.close()
    assert not problems, f"errors on the page: {problems}"


if deployed():

    @pytest.fixture(scope="session")
    def stack() -> DeployedStack:
        return DeployedStack.from_env()

    @pytest.fixture()
    def library() -> None:
        """A deployed library is whatever it holds: tests marked deployable do not depend on its contents."""

    @pytest.fixture()
    def db() -> None:
        pytest.skip("a deployed stack's database is inside its VPC")
