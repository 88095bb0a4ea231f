"""#24 (review 3): ETL details are for librarians. A plain user (reader@example.com) sees each run's state,
counts and a plain message: never the source (Drive folder id or local path), recorded error text, file
paths or quarantine reasons, over REST or the WebSocket. A librarian (the demo user) sees them, with
recorded error text sanitized (one line, no traceback). Both answers match the OpenAPI document; the
Sync page shows the report only to the librarian."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from jsonschema import Draft202012Validator
from playwright.sync_api import Browser, expect

from api import openapi
from etl_task.live import dynamodb_sender
from etl_task.pipeline import Run
from etl_task.sources import FolderSource
from local import aws
from tests.conftest import reset_library
from tests.e2e.browser import chromium, csp_context, sign_in, watch
from tests.e2e.live import User

# What a failed run on AWS records: an exception whose text names private hosts, and a traceback.
RAW_ERROR = (
    "Traceback (most recent call last):\n"
    '  File "/var/task/etl_task/pipeline.py", line 270, in _execute\n'
    "    items, changes, after_walk = self._items(summary, run_id, token)\n"
    'OperationalError: connection to server at "db.internal" (10.20.3.4), port 5432 failed:\n'
    "\tFATAL: password authentication failed for user \x1b[31m movie_etl"
)
SECRETS = ("10.20.3.4", "Traceback", "pipeline.py", "bad0.json", "folder:", "'title' is missing")


def _validate(operation_path: str, body: dict) -> None:
    schema = openapi.document()["paths"][operation_path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": openapi.document()["components"]})
    assert not list(validator.iter_errors(body)), list(validator.iter_errors(body))


@pytest.fixture(scope="module")
def runs(stack, tmp_path_factory, fixture_library) -> Iterator[tuple[int, int, Path]]:
    """A run that quarantined files, and one that failed with a raw exception and a traceback."""
    folder = tmp_path_factory.mktemp("roles-library")
    (folder / "good.json").write_text(json.dumps({"title": "Roles Good", "genre": "Drama"}))
    (folder / "bad0.json").write_text(json.dumps({"genre": "Drama"}))
    reset_library(stack, None)
    conn = psycopg2.connect(stack.database_url)
    try:
        quarantined = Run(conn, FolderSource(folder)).execute().run_id
        failed = Run(conn, FolderSource(folder), full=True).execute().run_id
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE etl_runs SET status = 'failed', error = %s WHERE id = %s", (RAW_ERROR, failed))
    finally:
        conn.close()
    yield quarantined, failed, folder
    reset_library(stack, fixture_library)


@pytest.fixture()
def reader(stack) -> Iterator[User]:
    user = User(stack, aws.PLAIN_USER, aws.PLAIN_PASSWORD)
    yield user
    user.close()


@pytest.fixture()
def librarian(stack) -> Iterator[User]:
    user = User(stack, aws.DEMO_USER, aws.DEMO_PASSWORD)  # make run's demo user is in the librarians group
    yield user
    user.close()


def test_a_plain_user_sees_state_and_counts_only(runs, reader: User) -> None:
    quarantined, failed, _folder = runs
    listed = reader.http.get("/api/etl/runs")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    _validate("/api/etl/runs", body)
    by_id = {r["id"]: r for r in body["runs"]}
    assert set(by_id) >= {str(quarantined), str(failed)}
    assert all("details" not in r and "source" not in r for r in body["runs"])
    assert by_id[str(failed)]["state"] == "failed"
    assert by_id[str(failed)]["error"] == "The sync stopped on an error; a librarian can see the details."
    assert by_id[str(quarantined)]["counts"]["quarantined"] == 1 and by_id[str(quarantined)]["error"] is None
    one = reader.http.get(f"/api/etl/runs/{quarantined}")
    assert one.status_code == 200, one.text
    _validate("/api/etl/runs/{id}", one.json())
    assert set(one.json()) == {"run"}, "a plain user got the file report"
    for text in (listed.text, one.text, reader.http.get(f"/api/etl/runs/{failed}").text):
        assert not [s for s in SECRETS if s in text], text


def test_a_librarian_sees_the_details_with_the_error_sanitized(runs, librarian: User) -> None:
    quarantined, failed, folder = runs
    body = librarian.http.get("/api/etl/runs").json()
    _validate("/api/etl/runs", body)
    by_id = {r["id"]: r for r in body["runs"]}
    details = by_id[str(failed)]["details"]
    assert details["source"] == by_id[str(quarantined)]["details"]["source"] and str(folder) in details["source"]
    assert details["error"] == ('OperationalError: connection to server at "db.internal" (10.20.3.4), port 5432 failed:'), (
        "the exception's line, not the traceback"
    )
    assert by_id[str(quarantined)]["details"]["error"] is None
    report = librarian.http.get(f"/api/etl/runs/{quarantined}").json()
    _validate("/api/etl/runs/{id}", report)
    assert [f["path"] for f in report["files"]] == ["bad0.json"] and "'title' is missing" in report["files"][0]["reason"]
    failed_run = librarian.http.get(f"/api/etl/runs/{failed}").json()["run"]
    assert "Traceback" not in json.dumps(failed_run) and "\x1b" not in json.dumps(failed_run)


def test_progress_reaches_plain_sockets_without_the_source(stack, reader: User, librarian: User) -> None:
    reader.connect()
    librarian.connect()
    message = {
        "type": "etlProgress",
        "runId": "987654",
        "seq": 1,
        "source": "drive:1AbCdEfGhIjKlMnOpQrStUvWxYz",
        "mode": "walk",
        "phase": "loading",
        "counts": dict.fromkeys(openapi.document()["components"]["schemas"]["EtlCounts"]["required"], 1),
        "filesQueued": 3,
        "filesPerSecond": 1.5,
        "etaSeconds": 2.0,
        "elapsedSeconds": 0.7,
        "libraryChanged": False,
    }
    dynamodb_sender(stack.resources.table_name("EtlEventsTable"))(message)

    def heard(user: User) -> dict:
        deadline = time.monotonic() + 30
        while True:
            got = user.next_reply(max(0.1, deadline - time.monotonic()))
            if got.get("runId") == "987654":
                return got

    plain, full = heard(reader), heard(librarian)
    assert full == message
    assert plain == {k: v for k, v in message.items() if k != "source"}
    schema = {**openapi.document()["components"]["schemas"]["EtlProgressMessage"], "components": openapi.document()["components"]}
    assert not list(Draft202012Validator(schema).iter_errors(plain))


def test_the_sync_page_shows_the_report_only_to_librarians(stack, runs) -> None:
    quarantined, _failed, folder = runs
    with chromium() as browser:
        _sync_page_as(browser, stack, quarantined, folder, aws.DEMO_USER, aws.DEMO_PASSWORD, librarian=True)
        _sync_page_as(browser, stack, quarantined, folder, aws.PLAIN_USER, aws.PLAIN_PASSWORD, librarian=False)


def _sync_page_as(browser: Browser, stack, run_id: int, folder: Path, email: str, password: str, *, librarian: bool) -> None:
    context = csp_context(browser, stack)
    page = context.new_page()
    problems = watch(page)
    try:
        sign_in(page, email, password)
        page.goto("/sync")
        row = page.locator(f'tr[data-run="{run_id}"]')
        expect(row).to_contain_text("Succeeded")
        expect(page.locator("tr[data-run]").filter(has_text="Failed").first).to_contain_text("The sync stopped on an error")
        report = row.get_by_role("button", name="Report")
        if librarian:
            report.click()
            expect(page.get_by_role("cell", name="bad0.json")).to_be_visible()
            expect(page.get_by_test_id("etl-details")).to_contain_text(str(folder))
        else:
            expect(report).to_have_count(0)
            assert str(folder) not in page.content() and "bad0.json" not in page.content()
    finally:
        context.close()
    assert not problems, problems
