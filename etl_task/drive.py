"""A Google Drive folder as a source, through google-api-python-client.

Walks every level and page (shared drives included), follows folder shortcuts once, and retries
rate limits and server errors with exponential backoff and jitter.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import google.oauth2.credentials
import httplib2
from google.auth.credentials import Credentials
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from etl_task.sources import SourceFile, is_json_name

log = logging.getLogger("etl.drive")
SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
LIST_FIELDS = "nextPageToken, files(id, name, mimeType, modifiedTime, size, shortcutDetails)"


class DriveError(RuntimeError):
    """The Drive API refused for good (after retries, or a non-retryable answer)."""


def credentials_from_info(info: dict[str, Any], token_uri: str | None = None) -> Credentials:
    """A service-account key, or an OAuth user token with a refresh token.

    token_uri replaces Google's token endpoint (google-auth ignores the one in a user token file);
    DRIVE_TOKEN_URI sets it, with DRIVE_API_ENDPOINT, for a Drive stand-in.
    """
    if info.get("type") == "service_account":
        creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        return creds.with_token_uri(token_uri) if token_uri else creds
    if "refresh_token" in info:
        creds = google.oauth2.credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES)
        return creds.with_token_uri(token_uri) if token_uri else creds
    raise ValueError("Drive credentials must be a service-account key or an OAuth user token with a refresh_token")


def load_credentials() -> Credentials:
    """From Secrets Manager (DRIVE_CREDENTIALS_SECRET) or a local file (DRIVE_CREDENTIALS_FILE); never the image."""
    secret = os.environ.get("DRIVE_CREDENTIALS_SECRET")
    if secret:
        import boto3

        text = boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
    elif os.environ.get("DRIVE_CREDENTIALS_FILE"):
        with open(os.environ["DRIVE_CREDENTIALS_FILE"]) as handle:
            text = handle.read()
    else:
        raise ValueError("set DRIVE_CREDENTIALS_SECRET (Secrets Manager) or DRIVE_CREDENTIALS_FILE")
    return credentials_from_info(json.loads(text), os.environ.get("DRIVE_TOKEN_URI") or None)


class RateLimiter:
    """A token bucket shared by all threads: stay under Drive's per-user quota instead of hitting 429s."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class DriveSource:
    def __init__(self, folder_id: str, credentials: Credentials, *, api_endpoint: str | None = None,
                 page_size: int = 1000, max_tries: int = 6, backoff_base: float = 1.0,
                 requests_per_second: float = 200.0, timeout: float = 60.0):
        self.folder_id = folder_id
        self.name = f"drive:{folder_id}"
        self.remote = True
        self.credentials = credentials
        self.api_endpoint = api_endpoint
        self.page_size = page_size
        self.max_tries = max_tries
        self.backoff_base = backoff_base
        self.timeout = timeout
        self.limiter = RateLimiter(requests_per_second)
        self._local = threading.local()

    def _service(self) -> Any:
        # httplib2 is not thread-safe: one client per thread.
        service = getattr(self._local, "service", None)
        if service is None:
            http = AuthorizedHttp(self.credentials, http=httplib2.Http(timeout=self.timeout))
            options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
            service = build("drive", "v3", http=http, cache_discovery=False, static_discovery=True,
                            client_options=options)
            self._local.service = service
        return service

    def _retryable(self, exc: Exception) -> bool:
        if isinstance(exc, (socket.timeout, TimeoutError, ConnectionError, httplib2.HttpLib2Error)):
            return True
        if isinstance(exc, HttpError):
            status = exc.resp.status
            if status == 429 or status >= 500:
                return True
            if status == 403:
                reasons = {d.get("reason") for d in (exc.error_details or []) if isinstance(d, dict)}
                return bool(reasons & RATE_LIMIT_REASONS) or "rate limit" in str(exc).lower()
        return False

    def _call(self, make_request, what: str) -> Any:
        for attempt in range(1, self.max_tries + 1):
            self.limiter.wait()
            try:
                return make_request(self._service()).execute(num_retries=0)
            except Exception as exc:
                if not self._retryable(exc) or attempt == self.max_tries:
                    raise DriveError(f"{what}: {exc} (after {attempt} tries)") from exc
                delay = min(32.0, self.backoff_base * 2 ** (attempt - 1)) * (0.5 + random.random())
                log.debug("retrying %s in %.2fs: %s", what, delay, exc)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _children(self, folder_id: str) -> Iterator[dict]:
        quoted = folder_id.replace("\\", "\\\\").replace("'", "\\'")
        token = None
        while True:
            page = self._call(lambda s, t=token: s.files().list(
                q=f"'{quoted}' in parents and trashed = false", fields=LIST_FIELDS, pageSize=self.page_size,
                pageToken=t, supportsAllDrives=True, includeItemsFromAllDrives=True, corpora="allDrives",
            ), f"listing folder {folder_id}")
            yield from page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def list_files(self) -> Iterator[SourceFile]:
        """Breadth-first over folders; each folder (shortcut targets included) is listed once."""
        queue: deque[tuple[str, str]] = deque([(self.folder_id, "")])
        seen_folders = {self.folder_id}
        seen_files: set[str] = set()
        while queue:
            folder_id, prefix = queue.popleft()
            for entry in self._children(folder_id):
                name, mime = entry.get("name", ""), entry.get("mimeType", "")
                target_id, target_mime = entry["id"], mime
                if mime == SHORTCUT:
                    details = entry.get("shortcutDetails") or {}
                    target_id, target_mime = details.get("targetId", ""), details.get("targetMimeType", "")
                if target_mime == FOLDER:
                    if target_id and target_id not in seen_folders:
                        seen_folders.add(target_id)
                        queue.append((target_id, f"{prefix}{name}/"))
                    continue
                if (is_json_name(name) or target_mime == "application/json") and target_id not in seen_files:
                    seen_files.add(target_id)
                    size = entry.get("size")
                    yield SourceFile(target_id, f"{prefix}{name}", entry.get("modifiedTime", ""),
                                     int(size) if size else None)

    def fetch(self, item: SourceFile) -> bytes:
        return self._call(lambda s: s.files().get_media(fileId=item.file_id, supportsAllDrives=True),
                          f"downloading {item.path}")
