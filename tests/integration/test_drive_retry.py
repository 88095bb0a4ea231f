"""Issue 17: Drive requests are retried by google-api-python-client itself (HttpRequest.execute(num_retries));
the ETL adds only what the library lacks, at the transport: every request it sends, its retries included,
is paced by the shared rate limiter and counted, and a server's Retry-After holds every thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import google.oauth2.credentials
import pytest
from googleapiclient.errors import HttpError

from etl_task.drive import FOLDER, DriveError, DriveSource, credentials_from_info, retry_after_seconds
from local.fake_drive import ApiError, FakeDrive, rate_limit_error


@pytest.fixture()
def drive() -> Iterator[FakeDrive]:
    fake = FakeDrive()
    fake.endpoint = fake.start()  # type: ignore[attr-defined]
    yield fake
    fake.stop()


def _source(drive: FakeDrive, folder_id: str, **kwargs: object) -> DriveSource:
    return DriveSource(
        folder_id,
        credentials_from_info(drive.user_credentials(), drive.token_uri),
        api_endpoint=drive.endpoint,
        backoff_base=0.001,
        **kwargs,
    )  # type: ignore[attr-defined,arg-type]


def test_the_client_librarys_retries_go_through_the_paced_counted_transport(drive: FakeDrive) -> None:
    top = drive.add_folder("Retried", drive.root)
    drive.injected = [
        ApiError(429, "rateLimitExceeded", "Too Many Requests", grpc_status="RESOURCE_EXHAUSTED"),
        ApiError(503, "backendError", "Backend Error"),
        rate_limit_error(newer_format=False),
        rate_limit_error(newer_format=True),
    ]
    source = _source(drive, top, max_tries=5)
    assert source.preflight()["id"] == top
    assert not drive.injected
    assert source.requests == drive.requests["total"] == 5  # four refused, one answered: all counted


def test_retries_stop_at_max_tries_and_a_refusal_is_not_retried(drive: FakeDrive) -> None:
    top = drive.add_folder("Refused", drive.root)
    drive.injected = [ApiError(500, "backendError", "Backend Error") for _ in range(3)]
    with pytest.raises(DriveError, match=r"after 2 tries") as raised:
        _source(drive, top, max_tries=2).preflight()
    assert isinstance(raised.value.__cause__, HttpError) and raised.value.__cause__.resp.status == 500
    drive.injected = [ApiError(403, "insufficientFilePermissions", "The user does not have sufficient permissions")]
    before = drive.requests["total"]
    with pytest.raises(DriveError, match=r"HTTP 403") as refused:
        _source(drive, top, max_tries=5).preflight()
    assert "after 1 tries" in str(refused.value.__context__) and drive.requests["total"] == before + 1


class _RetryAfterDrive(BaseHTTPRequestHandler):
    """Answers a files.get for a folder: the first time 429 with Retry-After, then the folder."""

    protocol_version = "HTTP/1.1"
    arrivals: ClassVar[list[float]] = []
    retry_after = "1"

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).arrivals.append(time.monotonic())
        if len(self.arrivals) == 1:
            status, headers = 429, {"Retry-After": self.retry_after}
            body = {
                "error": {
                    "code": 429,
                    "message": "Too Many Requests",
                    "status": "RESOURCE_EXHAUSTED",
                    "errors": [{"reason": "rateLimitExceeded", "message": "Too Many Requests"}],
                }
            }
        else:
            status, headers, body = 200, {}, {"id": "root1", "name": "Root", "mimeType": FOLDER}
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {**headers, "Content-Type": "application/json", "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.mark.parametrize("retry_after", ["1", "date"])
def test_a_retry_after_is_waited_out_though_the_librarys_backoff_is_shorter(retry_after: str) -> None:
    _RetryAfterDrive.arrivals = []
    # An HTTP date has whole seconds: two seconds ahead is at least one second away.
    _RetryAfterDrive.retry_after = formatdate(time.time() + 2, usegmt=True) if retry_after == "date" else "1"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RetryAfterDrive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = DriveSource(
            "root1",
            google.oauth2.credentials.Credentials(token="t"),
            api_endpoint=f"http://127.0.0.1:{server.server_address[1]}/drive/v3/",
            backoff_base=0.001,
            max_tries=3,
        )
        assert source.preflight()["name"] == "Root"
    finally:
        server.shutdown()
        server.server_close()
    first, second = _RetryAfterDrive.arrivals
    # The library alone would have retried within ~2 ms (backoff_base 0.001); the server asked for >= 1 s.
    assert second - first >= 0.95


def test_retry_after_values() -> None:
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("7") == 7.0 and retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("100000") == 120.0  # capped
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
