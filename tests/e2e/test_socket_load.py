"""#24 (review 7) load test, bounded and on loopback only: one user opening 50 WebSockets gets the first
SocketsPerUser and a 429 (Too Many Requests) for each one beyond; meanwhile an ETL run broadcasts progress
to every socket, and another user's add status still arrives in the usual time: before the notifier's own
timeout (template), which its broadcasts are budgeted to stay inside (logic/notifications.POST_BUDGET_S).
No timing is asserted tighter than that budget."""

from __future__ import annotations

import json
import threading
import time
import uuid

import psycopg2
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from etl_task.drive import DriveSource, credentials_from_info
from etl_task.live import Throttled, dynamodb_sender
from etl_task.pipeline import Run
from infra import template
from local.fake_drive import FakeDrive
from logic import notifications
from tests.conftest import reset_library
from tests.e2e.live import User, ws_url

SOCKETS, CAP, FILES = 50, 5, 150


def _notifier_timeout() -> float:
    return float(template.load()["Resources"]["NotifierFunction"]["Properties"]["Timeout"])


def _next_etl(ws: ClientConnection, deadline: float) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message.get("type", "").startswith("etl"):
            return message


def test_fifty_sockets_of_one_user_neither_pass_the_cap_nor_delay_another_users_add(
    stack, fixture_library, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _notifier_timeout() > notifications.POST_BUDGET_S  # the budget this test relies on
    monkeypatch.setenv("SOCKETS_PER_USER", str(CAP))
    tag = uuid.uuid4().hex[:6]
    greedy = User(stack, f"greedy-load-{tag}@example.com")
    bob = User(stack, f"bob-load-{tag}@example.com").connect()
    drive = FakeDrive(latency=0.03, page_size_cap=25)
    top = drive.add_folder("Load", drive.root)
    for i in range(FILES):
        drive.add_file(f"f{i}.json", top, json.dumps({"title": f"Load Sync {tag} {i}", "genre": "Load Sync"}).encode())
    endpoint = drive.start()
    held: list[ClientConnection] = []
    refused: list[tuple[int, str]] = []
    outcome: dict = {}
    try:
        reset_library(stack, None)
        for _ in range(SOCKETS):
            try:
                held.append(connect(f"{ws_url(stack)}?token={greedy.token}", open_timeout=10, max_queue=None))
            except InvalidStatus as exc:
                refused.append((exc.response.status_code, exc.response.reason_phrase))
        assert len(held) == CAP and refused == [(429, "Too Many Requests")] * (SOCKETS - CAP)

        def sync() -> None:
            conn = psycopg2.connect(stack.database_url)
            try:
                source = DriveSource(top, credentials_from_info(drive.user_credentials(), drive.token_uri), api_endpoint=endpoint)
                send = dynamodb_sender(stack.resources.table_name("EtlEventsTable"))
                outcome["summary"] = Run(conn, source, concurrency=2, live=Throttled(send, 0.2)).execute()
            finally:
                conn.close()

        worker = threading.Thread(target=sync, name="etl-under-load")
        worker.start()
        deadline = time.monotonic() + 60
        heard: list[dict] = [bob.next_reply(timeout=60)]  # the run is broadcasting: add now
        assert heard[0]["type"] == "etlProgress"
        response = bob.add({"title": f"Under Load {tag}", "genre": "Drama", "rating": 7.0, "year": 2021})
        assert response.status_code == 202, response.text
        request_id = response.json()["requestId"]
        status_deadline = time.monotonic() + _notifier_timeout()
        while True:
            message = bob.next_reply(timeout=max(0.1, status_deadline - time.monotonic()))
            if message.get("requestId") == request_id:
                break
            heard.append(message)
        assert message["status"] == "created", message
        # Every socket the cap let through hears the run too (the broadcast reaches all of them).
        for ws in held:
            assert _next_etl(ws, deadline)["runId"] == heard[0]["runId"]
        worker.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not worker.is_alive() and outcome["summary"].files_loaded == FILES
        assert all("source" not in m for m in heard if m["type"].startswith("etl")), "a plain user heard the source"
    finally:
        for ws in held:
            ws.close()
        greedy.close()
        bob.close()
        drive.stop()
        reset_library(stack, fixture_library)
