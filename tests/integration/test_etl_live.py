"""Live ETL progress: the run's etlProgress and etlFinished messages reach a connected user's WebSocket
through the ETL events table, its stream and the notifier, as they would in AWS."""

from __future__ import annotations

import json
import time

import psycopg2

from etl_task.drive import DriveSource, credentials_from_info
from etl_task.live import Throttled, dynamodb_sender
from etl_task.pipeline import Run
from local.fake_drive import FakeDrive
from tests.conftest import reset_library
from tests.e2e.live import User


def test_a_connected_user_watches_progress_then_the_finish(stack) -> None:
    drive = FakeDrive(latency=0.02, page_size_cap=10)
    top = drive.add_folder("Live", drive.root)
    for i in range(80):
        drive.add_file(f"l{i}.json", top, json.dumps({"title": f"Live {i}", "genre": "Drama"}).encode())
    endpoint = drive.start()
    watcher = User(stack, "etl-watcher@example.com").connect()
    sent: list[dict] = []
    send = dynamodb_sender(stack.resources.table_name("EtlEventsTable"))
    try:
        reset_library(stack, None)
        source = DriveSource(top, credentials_from_info(drive.user_credentials(), drive.token_uri), api_endpoint=endpoint)
        conn = psycopg2.connect(stack.database_url)
        try:
            summary = Run(conn, source, concurrency=2, live=Throttled(lambda m: (sent.append(m), send(m)), 0.2)).execute()
        finally:
            conn.close()
        received = []
        deadline = time.monotonic() + 30
        while not received or received[-1]["type"] != "etlFinished":
            # next_reply passes over libraryChanged: the reset above (and any other test's change) is announced too.
            received.append(watcher.next_reply(timeout=max(0.1, deadline - time.monotonic())))
    finally:
        watcher.close()
        drive.stop()
    progress = [m for m in received if m["type"] == "etlProgress"]
    assert len(progress) >= 2 and len(sent) == len(received)
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in received)
    done = [m["counts"]["filesDownloaded"] for m in progress]
    assert done == sorted(done) and done[0] < 80  # the bar advances before the run ends
    assert {"phase", "filesPerSecond", "etaSeconds", "filesQueued", "runId"} <= set(progress[-1])
    finished = received[-1]
    assert finished["state"] == "succeeded" and finished["runId"] == str(summary.run_id)
    assert finished["counts"]["filesDownloaded"] == 80 and finished["counts"]["moviesNew"] == 80
