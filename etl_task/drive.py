"""A Google Drive folder as a source, through google-api-python-client.

Checks the root first (a folder the caller can't see lists as empty, not as an error), walks every
level and page with folder listings in parallel (shared-drive folders by parent, like any other; folder
shortcuts once, file shortcuts by their target's metadata), sends resource keys for link-shared
items, and lets the client library retry rate limits (429, 403 rate-limit reasons), server errors and
dropped connections with exponential backoff and jitter. What the library lacks is added at the
transport: a request rate shared by all threads, and waiting out a server's Retry-After.
With a user token it can also read the changes feed instead of walking.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from email.utils import parsedate_to_datetime
from typing import Any

import google.oauth2.credentials
import httplib2
from google.auth.credentials import Credentials
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from etl_task import settings
from etl_task.changes import Changes, Tree
from etl_task.sources import Gone, Refused, SourceFile, is_json_name

log = logging.getLogger("etl.drive")
SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
NATIVE_PREFIX = "application/vnd.google-apps."
FILE_FIELDS = (
    "id, name, mimeType, parents, trashed, driveId, modifiedTime, md5Checksum, headRevisionId, size,"
    " resourceKey, capabilities/canDownload, shortcutDetails(targetId, targetMimeType, targetResourceKey)"
)
LIST_FIELDS = f"nextPageToken, incompleteSearch, files({FILE_FIELDS})"
# A change is a file's or, with changeType 'drive' and no fileId, a shared drive's (renamed, membership).
CHANGE_FIELDS = f"nextPageToken, newStartPageToken, changes(changeType, driveId, fileId, removed, file({FILE_FIELDS}))"
ROOT_FIELDS = (
    "id, name, mimeType, driveId, resourceKey, trashed, ownedByMe, sharedWithMeTime, shortcutDetails(targetId, targetMimeType)"
)
REFUSALS = {"cannotDownloadAbusiveFile", "cannotDownloadFile"}  # a version Drive will never hand out
# Drive's quota is per project and per user (historically 12,000 requests a minute each, ~200/s);
# the default leaves a quarter of one project's quota to everything else that uses it.
DEFAULT_REQUESTS_PER_SECOND = 150.0
RETRY_AFTER_CAP_SECONDS = 120.0  # a Retry-After longer than this is waited only this long


class DriveError(RuntimeError):
    """The Drive API refused for good (after retries, or a non-retryable answer)."""


def credentials_from_info(info: dict[str, Any], token_uri: str | None = None, subject: str | None = None) -> Credentials:
    """A service-account key, or an OAuth user token with a refresh token.

    token_uri replaces Google's token endpoint (google-auth ignores the one in a user token file);
    DRIVE_TOKEN_URI sets it, with DRIVE_API_ENDPOINT, for a Drive stand-in. subject (DRIVE_IMPERSONATE):
    a Workspace service account with domain-wide delegation acts as that user.
    """
    if info.get("type") == "service_account":  # google-auth leaves the from_*_info constructors unannotated
        creds: service_account.Credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=SCOPES
        )
        if subject:
            creds = creds.with_subject(subject)  # type: ignore[no-untyped-call]  # google-auth: unannotated
        return creds.with_token_uri(token_uri) if token_uri else creds
    if subject:
        raise ValueError("DRIVE_IMPERSONATE (domain-wide delegation) needs a service-account key, not a user token")
    if "refresh_token" in info:
        user: google.oauth2.credentials.Credentials = google.oauth2.credentials.Credentials.from_authorized_user_info(
            info, scopes=SCOPES
        )  # type: ignore[no-untyped-call]
        return user.with_token_uri(token_uri) if token_uri else user
    raise ValueError("Drive credentials must be a service-account key or an OAuth user token with a refresh_token")


def load_credentials() -> Credentials:
    """From Secrets Manager (DRIVE_CREDENTIALS_SECRET) or a local file (DRIVE_CREDENTIALS_FILE); never the image."""
    env = settings.current()
    if env.drive_credentials_secret:
        from data import config

        secret = env.drive_credentials_secret
        try:
            info = config.read_secret(secret)
        except Exception as exc:  # Powertools wraps the client error (GetParameterError)
            if "ResourceNotFoundException" not in str(exc):
                raise
            # The stack deploys without the secret; the run that needs it says what to do (and its alarm fires).
            raise ValueError(
                f"no Drive credentials: the Secrets Manager secret {secret!r} does not exist; create it "
                f"with aws secretsmanager create-secret --name {secret} --secret-string "
                "file://credentials.json (README: Deploy to AWS)"
            ) from exc
    elif env.drive_credentials_file:
        with open(env.drive_credentials_file) as handle:
            info = json.load(handle)
    else:
        raise ValueError("set DRIVE_CREDENTIALS_SECRET (Secrets Manager) or DRIVE_CREDENTIALS_FILE")
    return credentials_from_info(info, env.drive_token_uri, env.drive_impersonate)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header (delay-seconds or an HTTP date) as seconds from now; None if absent or unreadable."""
    if not value:
        return None
    try:
        return min(RETRY_AFTER_CAP_SECONDS, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(RETRY_AFTER_CAP_SECONDS, max(0.0, when - (time.time() if now is None else now)))


def _error_reason(exc: BaseException | None) -> str | None:
    """The first errors[].reason of a Drive error answer."""
    if not isinstance(exc, HttpError):
        return None
    try:
        errors = json.loads(exc.content.decode("utf-8"))["error"].get("errors") or []
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    reason = first.get("reason")
    return str(reason) if reason else None


def _bad_page_token(exc: Exception) -> bool:
    if not isinstance(exc, HttpError) or exc.resp.status != 400:
        return False
    try:
        errors = json.loads(exc.content.decode("utf-8"))["error"].get("errors") or []
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return False
    return any(isinstance(e, dict) and e.get("location") == "pageToken" for e in errors)


class RateLimiter:
    """A token bucket shared by all threads: stay under the Drive quota instead of hitting 429s.

    Slots missed while every thread was busy (parsing, writing to the database, a busy machine) may be used
    later, up to `catch_up` seconds' worth: without that, each stall is lost for good and a full load runs
    below its rate. Drive counts its quota per minute, so any minute still sees at most
    (60 + catch_up) x the rate (the default 150/s then stays well under Drive's ~200/s).
    """

    def __init__(
        self,
        per_second: float,
        catch_up: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.catch_up = catch_up
        self._clock, self._sleep = clock, sleep  # tests drive both
        self._next = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now - self.catch_up, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)

    def hold(self, seconds: float) -> None:
        """No thread sends for `seconds` (the quota is shared, so a server's Retry-After holds them all)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


class PacedHttp(AuthorizedHttp):  # type: ignore[misc]  # google_auth_httplib2 has no types: a subclass of Any
    """One thread's authorised transport: every request the client library sends, its own retries
    included, first waits its turn at the shared limiter and is counted; a Retry-After holds everyone."""

    def __init__(self, credentials: Credentials, http: httplib2.Http, limiter: RateLimiter, count: Callable[[], None]):
        super().__init__(credentials, http=http)
        self.limiter, self.count = limiter, count
        self.sent = 0  # requests of the current call (this transport serves one thread)

    def request(
        self, uri: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> tuple[httplib2.Response, bytes]:
        self.limiter.wait()
        self.sent += 1
        self.count()
        response, content = super().request(uri, method, body=body, headers=headers, **kwargs)
        wait = retry_after_seconds(response.get("retry-after"))
        if wait and (response.status in (403, 429) or response.status >= 500):
            log.info("Drive asked to retry after %.1fs: holding every request", wait)
            self.limiter.hold(wait)
        return response, content


class DriveSource:
    def __init__(
        self,
        folder_id: str,
        credentials: Credentials,
        *,
        api_endpoint: str | None = None,
        page_size: int = 1000,
        max_tries: int = 6,
        backoff_base: float = 1.0,
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        timeout: float = 60.0,
        resource_key: str | None = None,
        list_concurrency: int = 16,
    ):
        self.folder_id = folder_id
        self.name = f"drive:{folder_id}"
        self.remote = True
        self.credentials = credentials
        self.api_endpoint = api_endpoint
        self.page_size = page_size
        self.max_tries = max_tries
        self.backoff_base = backoff_base
        self.timeout = timeout
        self.list_concurrency = list_concurrency
        self.limiter = RateLimiter(requests_per_second)
        self.keys: dict[str, str] = {folder_id: resource_key} if resource_key else {}
        self.tree = Tree()
        self.requests = 0
        self.feed_reason: str | None = "the root has not been checked yet"  # preflight decides
        self._local = threading.local()
        self._count_lock = threading.Lock()

    @property
    def user_token(self) -> bool:
        """A user's view of Drive: a user's token, or a service account acting as a user (domain-wide
        delegation). A plain service account's change log is its own small corpus: it always walks."""
        return isinstance(self.credentials, google.oauth2.credentials.Credentials) or bool(
            getattr(self.credentials, "_subject", None)
        )

    @property
    def principal(self) -> str:
        email = getattr(self.credentials, "service_account_email", None)
        subject = getattr(self.credentials, "_subject", None)
        if email and subject:
            return f"the service account {email} acting as {subject}"
        return f"the service account {email}" if email else "the signed-in Google user"

    def _service(self) -> Any:
        # httplib2 is not thread-safe: one client per thread.
        service = getattr(self._local, "service", None)
        if service is None:
            http = PacedHttp(self.credentials, httplib2.Http(timeout=self.timeout), self.limiter, self._count)
            options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
            service = build("drive", "v3", http=http, cache_discovery=False, static_discovery=True, client_options=options)
            self._local.service, self._local.http = service, http
        return service

    def _count(self) -> None:
        with self._count_lock:
            self.requests += 1

    def _jitter(self) -> float:
        # The client library sleeps rand() * 2**n before its retry n; backoff_base scales it (tests: ~0).
        return self.backoff_base * random.random()

    def _call(self, make_request: Callable[[Any], Any], what: str, keys: tuple[str, ...] = ()) -> Any:
        """Run one API request; the client library retries what is transient (max_tries in all)."""
        request = make_request(self._service())
        http: PacedHttp = self._local.http
        header = ",".join(f"{i}/{self.keys[i]}" for i in keys if self.keys.get(i))
        if header:  # link-shared items from before 2021 need their resource keys
            request.headers["X-Goog-Drive-Resource-Keys"] = header
        request._rand = self._jitter  # the library's own hook for its backoff's randomness
        http.sent = 0
        try:
            return request.execute(num_retries=max(0, self.max_tries - 1))
        except Exception as exc:
            raise DriveError(f"{what}: {exc} (after {http.sent} tries)") from exc

    # --- the root ---------------------------------------------------------------------------

    def preflight(self) -> dict[str, Any]:
        """The root folder's metadata, or a clear error: Drive lists a folder nobody shared as empty. Also
        decides whether the changes feed can see the root (feed_reason None) or every run must walk."""
        root = self._root(self.folder_id)
        if root.get("mimeType") == SHORTCUT:
            details = root.get("shortcutDetails") or {}
            if details.get("targetMimeType") != FOLDER or not details.get("targetId"):
                raise DriveError(
                    f"{self.folder_id} ({root.get('name')}) is a shortcut to a {details.get('targetMimeType')}, not to a folder"
                )
            raise DriveError(
                f"{self.folder_id} ({root.get('name')}) is a shortcut; set DRIVE_FOLDER_ID to the "
                f"folder it points to, {details['targetId']}"
            )
        if root.get("mimeType") != FOLDER:
            raise DriveError(f"{self.folder_id} ({root.get('name')}) is a {root.get('mimeType')}, not a folder")
        if root.get("trashed"):
            raise DriveError(
                f"the Drive folder {self.folder_id} ({root.get('name')}) is in the trash: everything "
                "under it reads as trashed, so nothing is loaded and nothing is removed; restore it "
                "or point DRIVE_FOLDER_ID at another folder"
            )
        self.feed_reason = self._feed_reason(root)
        return dict(root)

    def _root(self, folder_id: str) -> dict[str, Any]:
        try:
            return dict(
                self._call(
                    lambda s: s.files().get(fileId=folder_id, supportsAllDrives=True, fields=ROOT_FIELDS),
                    f"reading the root folder {folder_id}",
                    (folder_id,),
                )
            )
        except DriveError as exc:
            cause = exc.__cause__
            if isinstance(cause, HttpError) and cause.resp.status in (403, 404):
                raise DriveError(
                    f"the Drive folder {folder_id} was not found or {self.principal} may not read it "
                    f"(HTTP {cause.resp.status}). Share the folder with {self.principal} as a Viewer (a service "
                    "account does not get access through 'anyone with the link'), check DRIVE_FOLDER_ID, and set "
                    "DRIVE_FOLDER_RESOURCE_KEY if the link has a resourcekey parameter."
                ) from exc
            raise

    def _feed_reason(self, root: dict[str, Any]) -> str | None:
        """The user's change log covers the user's corpus only (My Drive, and items shared with the user
        or a group), and a shared drive keeps its own log: anything else is walked every run."""
        if not self.user_token:
            return "a service account's change log does not cover what was shared with it: every run walks"
        if root.get("driveId"):
            return (
                "the root is in a shared drive, which keeps its own change log that the user's log does not "
                "replace: every run walks"
            )
        if not root.get("ownedByMe") and not root.get("sharedWithMeTime"):
            return (
                "the root is reached by its link only (not owned by or shared directly with this account), so "
                "the account's change log never shows its files: every run walks; share the folder with the "
                "account to use the changes feed"
            )
        return None

    # --- listing ----------------------------------------------------------------------------

    def _children(self, folder_id: str) -> list[dict[str, Any]]:
        """One folder's entries, all pages; a rejected page token restarts the folder from the top."""
        quoted = folder_id.replace("\\", "\\\\").replace("'", "\\'")
        # No corpora/driveId, also in a shared drive: corpora=drive answers 404 "Shared drive not found" to
        # anyone who is not a member, even with access to this folder; 'allDrives' may give up.
        for _restart in range(4):
            entries: list[dict[str, Any]] = []
            token = None
            try:
                while True:
                    # mypy cannot infer a lambda with a default argument (t binds this page's token): ignore[misc]
                    page = self._call(
                        lambda s, t=token: s.files().list(  # type: ignore[misc]
                            q=f"'{quoted}' in parents and trashed = false",
                            fields=LIST_FIELDS,
                            pageSize=self.page_size,
                            pageToken=t,
                            supportsAllDrives=True,
                            includeItemsFromAllDrives=True,
                        ),
                        f"listing folder {folder_id}",
                        (folder_id,),
                    )
                    if page.get("incompleteSearch") is not False:
                        raise DriveError(
                            f"listing folder {folder_id}: Drive says the search was incomplete "
                            "(or did not say it was complete); not trusting a partial listing"
                        )
                    entries.extend(page.get("files", []))
                    token = page.get("nextPageToken")
                    if not token:
                        return entries
            except DriveError as exc:
                if not isinstance(exc.__cause__, Exception) or not _bad_page_token(exc.__cause__):
                    raise
                log.info("page token rejected while listing %s; listing it again from the start", folder_id)
        raise DriveError(f"listing folder {folder_id}: page tokens kept being rejected")

    def _target(self, target_id: str) -> dict[str, Any] | None:
        try:
            return dict(
                self._call(
                    lambda s: s.files().get(fileId=target_id, supportsAllDrives=True, fields=FILE_FIELDS),
                    f"reading shortcut target {target_id}",
                    (target_id,),
                )
            )
        except DriveError as exc:
            cause = exc.__cause__
            if isinstance(cause, HttpError) and cause.resp.status == 404:
                return None  # a shortcut whose target is gone or not shared
            raise

    def _entries(self, folder_id: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """(entry, target metadata for a file shortcut) for one folder; runs in a listing thread."""
        out = []
        for entry in self._children(folder_id):
            if entry.get("resourceKey"):
                self.keys[entry["id"]] = entry["resourceKey"]
            target = None
            if entry.get("mimeType") == SHORTCUT:
                details = entry.get("shortcutDetails") or {}
                if details.get("targetResourceKey"):
                    self.keys[details.get("targetId", "")] = details["targetResourceKey"]
                if details.get("targetMimeType") != FOLDER and details.get("targetId"):
                    target = self._target(details["targetId"])
            out.append((entry, target))
        return out

    def _file(self, entry: dict[str, Any], target: dict[str, Any] | None, path: str) -> SourceFile | None:
        """A listed non-folder entry as a source file, or None when it is not a movie file."""
        name, mime = entry.get("name", ""), entry.get("mimeType", "")
        meta = entry
        if mime == SHORTCUT:
            if target is None or target.get("trashed"):  # a trashed target is gone, as the changes feed says
                return None
            meta, mime = target, target.get("mimeType", "")  # the target's version, not the shortcut's
        if not (is_json_name(name) or is_json_name(meta.get("name", "")) or mime == "application/json"):
            return None
        version = meta.get("md5Checksum") or meta.get("headRevisionId") or meta.get("modifiedTime", "")
        size = meta.get("size")
        skip = None
        if mime.startswith(NATIVE_PREFIX):
            skip = (
                f"a Google editor file ({mime}), not a JSON file: Drive cannot download it; "
                "download it as a .json file and upload that instead"
            )
        elif (meta.get("capabilities") or {}).get("canDownload") is False:
            skip = (
                "Drive does not let this account download the file (download restricted); "
                "ask its owner to allow downloads or share a copy"
            )
        return SourceFile(meta["id"], path, version, int(size) if size else None, skip_reason=skip)

    def walk(self, folder_ids: list[tuple[str, str]] | None = None) -> Iterator[SourceFile]:
        """Every file under the root (or under the given (folder id, path) pairs), listing up to
        list_concurrency folders at a time; each folder (shortcut targets included) is listed once."""
        start = folder_ids or [(self.folder_id, "")]
        if not folder_ids:
            self.tree = Tree({self.folder_id: (None, "")})
        seen_files: set[str] = set()
        with ThreadPoolExecutor(self.list_concurrency, thread_name_prefix="list") as pool:
            pending: dict[Future[list[tuple[dict[str, Any], dict[str, Any] | None]]], tuple[str, str]] = {}
            for folder_id, prefix in start:
                self.tree.folders.setdefault(folder_id, (None, prefix))
                pending[pool.submit(self._entries, folder_id)] = (folder_id, prefix)
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    folder_id, prefix = pending.pop(future)
                    for entry, target in future.result():
                        name, mime = entry.get("name", ""), entry.get("mimeType", "")
                        entry_id = entry["id"]
                        if mime == SHORTCUT:
                            details = entry.get("shortcutDetails") or {}
                            if details.get("targetMimeType") == FOLDER:
                                entry_id, mime = details.get("targetId", ""), FOLDER
                        if mime == FOLDER:
                            if entry_id and entry_id not in self.tree.folders:
                                if entry_id != entry["id"]:  # reached through a shortcut: it decides
                                    self.tree.linked[entry_id] = entry["id"]
                                self.tree.folders[entry_id] = (folder_id, f"{prefix}{name}/")
                                pending[pool.submit(self._entries, entry_id)] = (entry_id, f"{prefix}{name}/")
                            continue
                        item = self._file(entry, target, f"{prefix}{name}")
                        if item is None or item.file_id in seen_files:
                            continue
                        seen_files.add(item.file_id)
                        if item.file_id != entry["id"]:
                            self.tree.targets[item.file_id] = item.path
                            self.tree.shortcuts[entry["id"]] = item.file_id
                        yield item

    def list_files(self) -> Iterator[SourceFile]:
        yield from self.walk()

    def fetch(self, item: SourceFile) -> bytes:
        """The file's content. Gone: deleted (or unshared) since it was listed. Refused: Drive will never
        hand this version out (flagged as abusive, download-restricted)."""
        try:
            return bytes(
                self._call(
                    lambda s: s.files().get_media(fileId=item.file_id, supportsAllDrives=True),
                    f"downloading {item.path}",
                    (item.file_id,),
                )
            )
        except DriveError as exc:
            cause = exc.__cause__
            if isinstance(cause, HttpError) and cause.resp.status == 404:
                raise Gone(f"{item.path} is no longer in Drive (404 on download)") from exc
            reason = _error_reason(cause)
            if isinstance(cause, HttpError) and cause.resp.status == 403 and reason in REFUSALS:
                raise Refused(
                    f"Drive refuses to download {item.path} ({reason}); it is tried again only when it changes"
                ) from exc
            raise

    # --- the changes feed -------------------------------------------------------------------

    def start_page_token(self) -> str:
        page = self._call(lambda s: s.changes().getStartPageToken(supportsAllDrives=True), "changes.getStartPageToken")
        return str(page["startPageToken"])

    def changes(self, token: str, tree: Tree) -> Changes:
        """What changed under the tree since token. Raises DriveError (e.g. an expired token, or the root
        itself gone: the walk then says why, and nothing is removed)."""
        before = self.requests
        latest, new_start = self._read_feed(token)
        root = latest.get(self.folder_id)
        if root and (root.get("removed") or (root.get("file") or {}).get("trashed")):
            raise DriveError(f"the root folder {self.folder_id} was trashed, deleted or unshared")
        self.tree = tree.copy()
        folders = self.tree.folders
        live = {fid: c["file"] for fid, c in latest.items() if not c.get("removed") and c.get("file")}
        gone: set[str] = set()
        self._follow_shortcuts(latest, live, gone)
        for fid, change in latest.items():
            if fid != self.folder_id and fid in folders and (change.get("removed") or live[fid].get("trashed")):
                self._drop_folder(fid)
        added = self._place_folders(live)
        files: list[SourceFile] = []
        for fid in latest:
            meta = live.get(fid)
            if meta is None or meta.get("trashed"):
                gone.add(fid)
                continue
            if meta.get("mimeType") == FOLDER:
                continue
            if meta.get("resourceKey"):
                self.keys[fid] = meta["resourceKey"]
            parent = next((p for p in meta.get("parents", []) if p in folders), None)
            if parent is None and fid not in self.tree.targets:
                gone.add(fid)  # moved out of the tree, or never in it (ignored unless checkpointed)
                continue
            path = f"{folders[parent][1]}{meta.get('name', '')}" if parent else self.tree.targets[fid]
            target = None
            details = meta.get("shortcutDetails") or {}
            if meta.get("mimeType") == SHORTCUT:
                if details.get("targetMimeType") == FOLDER:
                    if details.get("targetId") and details["targetId"] not in folders:
                        folders[details["targetId"]] = (parent, f"{path}/")
                        self.tree.linked[details["targetId"]] = fid
                        added.append((details["targetId"], f"{path}/"))
                    continue
                target = self._target(details.get("targetId", "")) if details.get("targetId") else None
            item = self._file(meta, target, path)
            if item is None:  # renamed away from *.json, or a shortcut whose target went: as a walk sees it
                gone |= {fid, details["targetId"]} if details.get("targetId") else {fid}
                continue
            if item.file_id != fid:
                self.tree.targets[item.file_id] = path
                self.tree.shortcuts[fid] = item.file_id
            files.append(item)
        if added:  # a folder that arrives brings files the feed does not list: walk just those
            listed = {f.file_id for f in files}
            files.extend(f for f in self.walk(added) if f.file_id not in listed)
        return Changes(files, gone - {f.file_id for f in files}, new_start, self.requests - before)

    def _read_feed(self, token: str) -> tuple[dict[str, dict[str, Any]], str]:
        """The latest change per file id since token, and the token after them. Shared-drive entries
        (changeType 'drive': renamed, membership; no fileId) are skipped: a root in a shared drive is walked
        every run, so they never concern a tree read through this feed."""
        latest: dict[str, dict[str, Any]] = {}
        next_token: str | None = token
        new_start = token
        while next_token:
            # mypy cannot infer a lambda with a default argument (t binds this page's token): ignore[misc]
            page = self._call(
                lambda s, t=next_token: s.changes().list(  # type: ignore[misc]
                    pageToken=t,
                    pageSize=self.page_size,
                    fields=CHANGE_FIELDS,
                    includeRemoved=True,
                    spaces="drive",
                    supportsAllDrives=True,
                    includeItemsFromAllDrives=True,
                ),
                "changes.list",
            )
            for change in page.get("changes", []):
                if change.get("changeType", "file") == "file" and change.get("fileId"):
                    latest[change["fileId"]] = change  # a later page's change of a file wins
            next_token = page.get("nextPageToken")
            new_start = page.get("newStartPageToken") or new_start
        return latest, new_start

    def _follow_shortcuts(self, latest: dict[str, dict[str, Any]], live: dict[str, dict[str, Any]], gone: set[str]) -> None:
        """A shortcut removed, trashed or moved out takes what it reached: a folder (and its subtree) or a
        file (unless another shortcut still reaches it)."""
        folders, tree = self.tree.folders, self.tree
        for fid in latest:
            meta = live.get(fid)
            if meta is not None and not meta.get("trashed") and any(p in folders for p in meta.get("parents", [])):
                continue
            for target, via in list(tree.linked.items()):
                if via == fid:
                    tree.linked.pop(target)
                    self._drop_folder(target)
            target_file = tree.shortcuts.pop(fid, None)
            if target_file and target_file not in tree.shortcuts.values():
                tree.targets.pop(target_file, None)
                gone.add(target_file)

    def _place_folders(self, live: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
        """Folders now under the tree (new, moved in, or moved within), repeated until nothing changes;
        returns the ones that arrived. A folder reached through a shortcut keeps its place: its own
        parents are outside the tree."""
        folders = self.tree.folders
        added: list[tuple[str, str]] = []
        moved = True
        while moved:
            moved = False
            for fid, meta in live.items():
                if meta.get("mimeType") != FOLDER or meta.get("trashed") or fid == self.folder_id or fid in self.tree.linked:
                    continue
                parent = next((p for p in meta.get("parents", []) if p in folders), None)
                if parent is None:
                    if fid in folders:
                        self._drop_folder(fid)
                        moved = True
                    continue
                place = (parent, f"{folders[parent][1]}{meta.get('name', '')}/")
                if folders.get(fid) != place:
                    if fid not in folders:
                        added.append((fid, place[1]))
                    folders[fid] = place
                    moved = True
        return added

    def _drop_folder(self, folder_id: str) -> None:
        doomed = {folder_id}
        grew = True
        while grew:
            extra = {f for f, (parent, _p) in self.tree.folders.items() if parent in doomed and f not in doomed}
            doomed |= extra
            grew = bool(extra)
        for f in doomed:
            self.tree.folders.pop(f, None)
            self.tree.linked.pop(f, None)
