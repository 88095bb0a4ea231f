"""e2e fixtures for `make test-deployed`: the same tests against a deployed stack (tests/e2e/deployed.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
