"""The fake Drive answers as Drive does wherever the ETL depends on it, seen through the real
google-api-python-client and google-auth (both credential types)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import httplib2
import psycopg2
import pytest
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from etl_task.drive import DriveSource, credentials_from_info
from etl_task.pipeline import Run
from local.fake_drive import DOC, FOLDER, SERVICE_ACCOUNT, USER, FakeDrive, rate_limit_error
from tests.conftest import reset_library


@pytest.fixture()
def drive() -> Iterator[FakeDrive]:
    fake = FakeDrive(page_size_cap=4)
    fake.endpoint = fake.start()  # type: ignore[attr-defined]
    yield fake
    fake.stop()


def _service(drive: FakeDrive, info: dict) -> Any:
    http = AuthorizedHttp(credentials_from_info(info, drive.token_uri), http=httplib2.Http(timeout=10))
    return build(
        "drive", "v3", http=http, cache_discovery=False, static_discovery=True, client_options={"api_endpoint": drive.endpoint}
    )


def _status(exc: pytest.ExceptionInfo[HttpError]) -> tuple[int, list[dict]]:
    error = json.loads(exc.value.content)["error"]
    return exc.value.resp.status, error["errors"]


@pytest.mark.parametrize("kind", ["user", "service_account"])
def test_a_401_mid_run_makes_either_credential_refresh_and_the_run_completes(stack, drive: FakeDrive, kind: str) -> None:
    top = drive.add_folder("Library", drive.root)
    for i in range(12):
        folder = top if i % 3 else drive.add_folder(f"F{i}", top)
        drive.add_file(f"m{i}.json", folder, json.dumps({"title": f"Refresh {kind} {i}", "genre": "Drama"}).encode())
    info = drive.user_credentials() if kind == "user" else drive.service_account_info()
    if kind == "service_account":
        drive.share(top, SERVICE_ACCOUNT)
    drive.revoke_tokens_after = 6  # every access token stops working part way through
    reset_library(stack, None)
    conn = psycopg2.connect(stack.database_url)
    try:
        summary = Run(
            conn,
            DriveSource(top, credentials_from_info(info, drive.token_uri), api_endpoint=drive.endpoint, max_tries=2),
            concurrency=3,
        ).execute()
    finally:
        conn.close()
    assert summary.files_loaded == 12 and summary.failed == 0
    assert drive.requests["unauthorized"] >= 1
    assert drive.requests[f"token_{kind}"] >= 2  # the first token, and the refresh the 401 forced


def test_the_token_endpoint_checks_the_assertions_signature_and_the_refresh_token(drive: FakeDrive) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    forged = credentials_from_info({**drive.service_account_info(), "private_key": other}, drive.token_uri)
    with pytest.raises(google.auth.exceptions.RefreshError, match="Invalid JWT Signature"):
        forged.refresh(google.auth.transport.requests.Request())
    stranger = credentials_from_info(
        {**drive.service_account_info(), "client_email": "x@evil.iam.gserviceaccount.com"}, drive.token_uri
    )
    with pytest.raises(google.auth.exceptions.RefreshError, match="issuer"):
        stranger.refresh(google.auth.transport.requests.Request())
    revoked = credentials_from_info({**drive.user_credentials(), "refresh_token": "revoked"}, drive.token_uri)
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        revoked.refresh(google.auth.transport.requests.Request())
    good = credentials_from_info(drive.service_account_info(), drive.token_uri)
    good.refresh(google.auth.transport.requests.Request())
    assert good.token and drive.requests["token_service_account"] == 1


def test_listing_is_strict_about_access_fields_q_corpora_and_page_tokens(drive: FakeDrive) -> None:
    top = drive.add_folder("Library", drive.root)
    for i in range(6):
        drive.add_file(f"m{i}.json", top, b"{}")
    trashed = drive.add_file("old.json", top, b"{}")
    drive.trash(trashed)
    drive.add_folder("Sub", top)
    team = drive.add_folder("Team", top, drive_id="0ATeam")
    drive.add_file("t.json", team, b"{}", drive_id="0ATeam")
    user = _service(drive, drive.user_credentials())
    robot = _service(drive, drive.service_account_info())
    files = user.files()

    # A parent the caller can't see, or that doesn't exist, lists as empty: no 404.
    assert robot.files().list(q=f"'{top}' in parents", fields="files(id)").execute() == {"files": []}
    assert files.list(q="'nope' in parents", fields="files(id)").execute() == {"files": []}
    # Without fields: only the default ones; a field not asked for is missing.
    page = files.list(q=f"'{top}' in parents and trashed = false").execute()
    assert set(page["files"][0]) == {"kind", "id", "name", "mimeType"} and "nextPageToken" in page
    assert set(files.list(q=f"'{top}' in parents", fields="files(id)").execute()) == {"files"}
    # q: trashed and mimeType are applied; anything unsupported is a 400 naming q.
    everything = _all(files, f"'{top}' in parents")
    live = _all(files, f"'{top}' in parents and trashed = false")
    assert trashed in everything and trashed not in live and len(live) == 7  # the shared drive needs includeItemsFromAllDrives
    assert _all(files, f"'{top}' in parents and mimeType = '{FOLDER}'") == [
        drive.nodes[i].id for i in live if drive.nodes[i].mime == FOLDER
    ]
    with pytest.raises(HttpError) as bad_q:
        files.list(q="fullText contains 'x'").execute()
    assert _status(bad_q) == (
        400,
        [{"domain": "global", "reason": "invalid", "message": bad_q.value.reason, "locationType": "parameter", "location": "q"}],
    )
    # corpora=allDrives gives up on shared drives and says so.
    every = files.list(
        q=f"'{team}' in parents",
        corpora="allDrives",
        supportsAllDrives=True,
        includeItemsFromAllDrives=True,
        fields="incompleteSearch, files(id)",
    ).execute()
    assert every == {"incompleteSearch": True, "files": []}
    # corpora=drive is for members of the shared drive: access to a folder in it is not enough (404 driveId).
    with pytest.raises(HttpError) as not_member:
        files.list(
            q=f"'{team}' in parents",
            corpora="drive",
            driveId="0ATeam",
            supportsAllDrives=True,
            includeItemsFromAllDrives=True,
            fields="incompleteSearch, files(id)",
        ).execute()
    assert _status(not_member)[0] == 404 and _status(not_member)[1][0]["location"] == "driveId"
    drive.drive_members["0ATeam"].add(USER)
    own = files.list(
        q=f"'{team}' in parents",
        corpora="drive",
        driveId="0ATeam",
        supportsAllDrives=True,
        includeItemsFromAllDrives=True,
        fields="incompleteSearch, files(id)",
    ).execute()
    assert own["incompleteSearch"] is False and len(own["files"]) == 1
    # Page tokens can expire.
    drive.expire_page_tokens()
    with pytest.raises(HttpError) as expired:
        files.list(q=f"'{top}' in parents", pageToken=page["nextPageToken"]).execute()
    assert _status(expired)[0] == 400 and _status(expired)[1][0]["location"] == "pageToken"


def _all(files: Any, q: str) -> list[str]:
    ids, token = [], None
    while True:
        page = files.list(q=q, pageToken=token, fields="nextPageToken, files(id)").execute()
        ids += [f["id"] for f in page["files"]]
        token = page.get("nextPageToken")
        if not token:
            return ids


def test_downloads_resource_keys_versions_and_both_error_formats(drive: FakeDrive) -> None:
    top = drive.add_folder("Library", drive.root)
    movie = drive.add_file("m.json", top, b'{"title": "A"}')
    doc = drive.add_file("x.json", top, b"", mime=DOC)
    files = _service(drive, drive.user_credentials()).files()
    for native in (doc, top):
        with pytest.raises(HttpError) as refused:
            files.get_media(fileId=native).execute()
        assert _status(refused)[0] == 403 and _status(refused)[1][0]["reason"] == "fileNotDownloadable"
    before = files.get(fileId=movie, fields="modifiedTime, md5Checksum, headRevisionId").execute()
    drive.update_file(movie, b'{"title": "B"}')
    after = files.get(fileId=movie, fields="modifiedTime, md5Checksum, headRevisionId").execute()
    assert all(before[k] != after[k] for k in before) and len(before) == 3
    assert files.get_media(fileId=movie).execute() == b'{"title": "B"}'

    theirs = drive.add_folder("Theirs", None, owner="owner@example.org")  # in their Drive, not ours
    keyed = drive.add_file("k.json", theirs, b"{}")
    drive.share_by_link(theirs)
    with pytest.raises(HttpError) as no_key:
        files.get_media(fileId=keyed).execute()
    assert no_key.value.resp.status == 404
    request = files.get_media(fileId=keyed)
    request.headers["X-Goog-Drive-Resource-Keys"] = f"{keyed}/{drive.nodes[keyed].resource_key}"
    assert request.execute() == b"{}"

    drive.injected = [rate_limit_error(newer_format=True)]
    with pytest.raises(HttpError) as limited:
        files.get(fileId=movie).execute()
    body = json.loads(limited.value.content)["error"]
    assert body["errors"][0]["reason"] == "rateLimitExceeded" and body["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert limited.value.error_details == body["details"]  # what the client library hands on: details, not errors


def test_the_changes_feed_reports_parents_and_its_tokens_expire(drive: FakeDrive) -> None:
    top = drive.add_folder("Library", drive.root)
    changes = _service(drive, drive.user_credentials()).changes()
    start = changes.getStartPageToken().execute()["startPageToken"]
    new = drive.add_file("n.json", top, b"{}")
    drive.update_file(new, b"[]")  # two changes of one file: reported once, at the latest
    page = changes.list(
        pageToken=start, fields="newStartPageToken, changes(fileId, removed, file(parents, md5Checksum))"
    ).execute()
    assert page["changes"] == [{"fileId": new, "removed": False, "file": {"parents": [top], "md5Checksum": drive.nodes[new].md5}}]
    robot = _service(drive, drive.service_account_info()).changes()
    assert robot.list(pageToken=start, fields="changes(fileId)").execute() == {"changes": []}  # not shared with it
    drive.expire_change_tokens()
    with pytest.raises(HttpError) as expired:
        changes.list(pageToken=start).execute()
    assert _status(expired)[1][0]["location"] == "pageToken"
    assert changes.list(pageToken=page["newStartPageToken"]).execute()["changes"] == []
