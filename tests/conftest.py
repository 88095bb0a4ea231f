"""One real local stack per test session: embedded PostgreSQL, moto, and the gateway on a free port."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg2
import pytest

from infra import template
from local.postgres import reap_orphans
from local.stack import ROOT, LocalStack
from tests import throttle
from tests.http_stub import CfnResponses, serving

# Handlers called in this process outside a stack (unit tests) get the Powertools service name and metrics
# namespace that the template's Globals give every function (in Lambda and in the local stack).
for _name, _value in template.load()["Globals"]["Function"]["Environment"]["Variables"].items():
    if _name.startswith("POWERTOOLS_"):
        os.environ.setdefault(_name, str(_value))
# ... and placeholders for the variables the handlers require at import (src/settings.require), so tests can
# import a handler outside a stack; the fakes stand in for AWS there, and a stack sets the real values over these.
for _name, _value in {
    "ADD_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/no-stack-adds.fifo",
    "REQUESTS_TABLE": "no-stack-requests",
    "ADD_LIMITS_TABLE": "no-stack-add-limits",
    "CONNECTIONS_TABLE": "no-stack-connections",
    "WS_MANAGEMENT_ENDPOINT": "https://no-stack.execute-api.us-east-1.amazonaws.com/test",
    "COGNITO_CLIENT_ID": "no-stack-client",
}.items():
    os.environ.setdefault(_name, _value)

SHARED = ROOT.parent / "shared"
# ../shared holds the fixtures beside the clone; FIXTURE_LIBRARY points elsewhere (e.g. the bundled copy).
FIXTURE_LIBRARY = Path(os.environ.get("FIXTURE_LIBRARY") or SHARED / "fixtures" / "netflix_movie_collection")

TESTS = Path(__file__).resolve().parent
LAYERS = ("unit", "integration", "e2e")
# emulator/: local/'s own parts (the private-API canaries) checked without starting the stack; docs/: what
# the README must say (wording, kept apart from behaviour tests; the cost table needs the SAM transform).
_LAYER_OF_FOLDER = {
    "unit": "unit",
    "integration": "integration",
    "infra": "integration",
    "client": "integration",
    "emulator": "integration",
    "docs": "integration",
    "e2e": "e2e",
}


# Fixtures that start servers or databases: a test that uses one is not a unit test.
_INFRASTRUCTURE = {"stack", "db", "library"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One layer marker per test (make test-unit / test-integration / test-e2e select by it): its folder's.
    The folder is the layer, so a test that says otherwise, or a unit test that needs the stack, stops the
    run naming it (move the test) instead of being re-labelled quietly."""
    misplaced = []
    for item in items:
        folder = Path(item.path).resolve().relative_to(TESTS).parts[0]
        layer = _LAYER_OF_FOLDER.get(folder, "integration")
        declared = [name for name in LAYERS if item.get_closest_marker(name)]
        if declared and declared != [layer]:
            misplaced.append(f"{item.nodeid}: marked {declared} in the {layer} folder {folder}/")
        elif layer == "unit" and _INFRASTRUCTURE & set(item.fixturenames):
            misplaced.append(f"{item.nodeid}: a unit test using {sorted(_INFRASTRUCTURE & set(item.fixturenames))}")
        item.add_marker(layer)
    if misplaced:
        raise pytest.UsageError("tests outside their layer's folder:\n  " + "\n  ".join(misplaced))


@pytest.fixture(scope="session")
def fixture_library() -> Path:
    assert FIXTURE_LIBRARY.is_dir(), f"tests need ../shared beside the project: {FIXTURE_LIBRARY} is missing"
    return FIXTURE_LIBRARY


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    os.environ.pop("DATABASE_URL", None)
    # The stage-cache tests need the cache that DashboardCache=true deploys (off by default, as make run).
    # The whole session adds as one user, more than the per-user limits allow in a minute or a day: the
    # tests of those limits set their own (ADDS_PER_USER_PER_*, read per call). Likewise the demo user's sockets
    # across the session's pages (SOCKETS_PER_USER: tests/e2e/test_socket_cap.py sets its own).
    os.environ.setdefault(
        "LOCAL_PARAMETER_OVERRIDES",
        "DashboardCache=true AddsPerUserPerMinute=1000000 AddsPerUserPerDay=1000000 SocketsPerUser=1000",
    )
    reap_orphans(ROOT / ".local" / "test")  # servers of earlier runs that were killed before their teardown
    local = LocalStack(pg_dir=ROOT / ".local" / "test" / f"pg-{os.getpid()}", port=0, sample_library=None, ephemeral=True)
    try:
        local.start()
        yield local
    finally:
        local.stop()


@pytest.fixture()
def db(stack: LocalStack) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(stack.database_url)
    conn.autocommit = True
    yield conn
    conn.close()


def reset_library(stack: LocalStack, folder: Path | None) -> dict | None:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE movies, etl_files, etl_runs")
    conn.close()
    if stack.gateway:
        stack.gateway.flush_cache()
    return stack.load_library(folder) if folder else None


@pytest.fixture()
def library(stack: LocalStack, fixture_library: Path) -> dict | None:
    """The fixture library, freshly loaded."""
    return reset_library(stack, fixture_library)


@pytest.fixture()
def token(stack: LocalStack) -> str:
    # One per test: id tokens live 15 minutes (the template's IdTokenValidity), shorter than a session.
    return stack.demo_token()


@pytest.fixture()
def api(stack: LocalStack, token: str) -> Iterator[httpx.Client]:
    with throttle.client(stack.url, token) as client:
        yield client


def wait_for(check: Callable[[], object], timeout: float = 10.0, interval: float = 0.05) -> object:
    """Poll until check() returns something truthy, or fail at the deadline (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        time.sleep(interval)


@pytest.fixture()
def cfn_response_url() -> Iterator[str]:
    """A stand-in for the pre-signed S3 URL a CloudFormation custom resource answers (tests.http_stub)."""
    CfnResponses.bodies = []
    with serving(CfnResponses) as url:
        yield f"{url}/response"
