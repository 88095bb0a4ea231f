"""The Drive review of 2026-12-03 (../shared/reviews/drive-2026-12-03.md), its probes flipped: each test
drives the stricter fake Drive through the real client and a real PostgreSQL, and failed on the ETL before
the fix it names."""

from __future__ import annotations

import json
import threading

import httplib2
import psycopg2
import pytest
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from etl_task import store
from etl_task.drive import DriveError, DriveSource, credentials_from_info
from etl_task.pipeline import Run
from local.fake_drive import SERVICE_ACCOUNT, USER, FakeDrive
from tests.conftest import reset_library

GENRE = "Review"


def _movie(title: str) -> bytes:
    return json.dumps({"title": title, "genre": GENRE, "rating": 5.0, "year": 2020}).encode()


def _source(drive: FakeDrive, folder: str, service_account: bool = False, **kw) -> DriveSource:
    info = drive.service_account_info() if service_account else drive.user_credentials()
    return DriveSource(
        folder, credentials_from_info(info, drive.token_uri), api_endpoint=drive.endpoint, backoff_base=0.001, max_tries=2, **kw
    )


def _run(stack, source, **kw):
    """Tiny libraries here: removing 1 of 2 movies is not what the max-delete guard is about."""
    conn = psycopg2.connect(stack.database_url)
    try:
        return Run(conn, source, concurrency=2, **{"max_delete_share": 1.0, **kw}).execute()
    finally:
        conn.close()


def _titles(stack) -> set[str]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title FROM movies WHERE genre = %s", (GENRE,))
        rows = {r[0] for r in cur.fetchall()}
    conn.close()
    return rows


def _sync_state(stack, name):
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        state = store.sync_state(cur, name)
    conn.close()
    return state


def _files_api(drive: FakeDrive):
    http = AuthorizedHttp(credentials_from_info(drive.user_credentials(), drive.token_uri), http=httplib2.Http())
    return build("drive", "v3", http=http, static_discovery=True, client_options={"api_endpoint": drive.endpoint}).files()


@pytest.fixture()
def drive():
    fake = FakeDrive(page_size_cap=50)
    fake.endpoint = fake.start()
    yield fake
    fake.stop()


# --- 1. changeType drive entries ----------------------------------------------------------------


def test_a_shared_drive_level_change_in_the_user_log_is_skipped_and_the_token_advances(stack, drive) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("a.json", top, _movie("Drive change A"))
    drive.drive_members["0ATeam"].add(USER)
    reset_library(stack, None)
    source = _source(drive, top)
    assert _run(stack, source).mode == "walk"
    drive.drive_changed("0ATeam")  # the shared drive renamed: an entry with changeType drive and no fileId
    drive.add_file("b.json", top, _movie("Drive change B"))
    second = _run(stack, _source(drive, top))
    assert second.mode == "changes" and second.fallback is None and second.files_loaded == 1
    assert "Drive change B" in _titles(stack)
    token, runs_since_walk = _sync_state(stack, source.name)
    assert token is not None and runs_since_walk == 1  # advanced


def test_any_failure_of_the_feed_falls_back_to_a_walk(stack, drive, monkeypatch) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("a.json", top, _movie("Feed A"))
    reset_library(stack, None)
    assert _run(stack, _source(drive, top)).mode == "walk"
    drive.add_file("b.json", top, _movie("Feed B"))

    def broken(self, token):
        raise KeyError("fileId")  # whatever the feed's answer breaks, the run must not

    monkeypatch.setattr(DriveSource, "_read_feed", broken)
    second = _run(stack, _source(drive, top))
    assert second.mode == "walk" and "KeyError" in (second.fallback or "") and "Feed B" in _titles(stack)


# --- 2. a link-only root: the feed cannot see it ------------------------------------------------


def test_a_link_only_folder_read_with_a_user_token_walks_every_run_and_says_why(stack, drive) -> None:
    theirs = drive.add_folder("Public library", None, owner="owner@example.org")
    for i in range(3):
        drive.add_file(f"p{i}.json", theirs, _movie(f"Public {i}"))
    drive.share_by_link(theirs, with_resource_key=False)
    reset_library(stack, None)
    first = _run(stack, _source(drive, theirs))
    assert first.mode == "walk" and first.files_loaded == 3 and "link" in (first.feed_note or "")
    drive.add_file("new.json", theirs, _movie("Public new"))
    drive.update_file(drive.children[theirs][0], _movie("Public 0 edited"))
    second = _run(stack, _source(drive, theirs))
    assert second.mode == "walk" and second.files_loaded == 2 and "every run walks" in second.feed_note
    assert {"Public new", "Public 0 edited"} <= _titles(stack) and "Public 0" not in _titles(stack)


def test_a_folder_shared_directly_with_the_user_still_uses_the_feed(stack, drive) -> None:
    theirs = drive.add_folder("Shared with me", None, owner="owner@example.org")
    drive.add_file("s.json", theirs, _movie("Shared 0"))
    drive.share(theirs, USER)
    reset_library(stack, None)
    assert _run(stack, _source(drive, theirs)).feed_note is None
    drive.add_file("t.json", theirs, _movie("Shared 1"))
    second = _run(stack, _source(drive, theirs))
    assert second.mode == "changes" and second.files_loaded == 1 and "Shared 1" in _titles(stack)


def test_a_walk_that_finds_changes_the_feed_never_reported_turns_the_feed_off(stack, drive, monkeypatch) -> None:
    top = drive.add_folder("Library", drive.root)
    hidden = drive.add_file("h.json", top, _movie("Hidden v1"))
    drive.add_file("s.json", top, _movie("Seen v1"))
    reset_library(stack, None)
    assert _run(stack, _source(drive, top), walk_every=3).mode == "walk"
    original = FakeDrive._change
    monkeypatch.setattr(
        FakeDrive,
        "_change",
        lambda self, principal, item_id, *rest: None if item_id == hidden else original(self, principal, item_id, *rest),
    )  # a feed blind to this file
    drive.update_file(hidden, _movie("Hidden v2"))
    blind = _run(stack, _source(drive, top), walk_every=3)
    assert blind.mode == "changes" and "Hidden v2" not in _titles(stack)
    drive.update_file(drive.children[top][1], _movie("Seen v2"))
    assert _run(stack, _source(drive, top), walk_every=3).mode == "changes"
    walk = _run(stack, _source(drive, top), walk_every=3)  # the every-third-run walk finds what the feed missed
    assert walk.mode == "walk" and "Hidden v2" in _titles(stack)
    assert "did not report 1 file(s)" in (walk.feed_note or "")
    after = _run(stack, _source(drive, top), walk_every=3)
    assert after.mode == "walk" and "it is off for this source" in (after.feed_note or "")


# --- 3. folder-level access inside a shared drive ----------------------------------------------


def test_a_service_account_with_access_to_a_folder_in_a_shared_drive_it_is_not_a_member_of(stack, drive) -> None:
    team_root = drive.add_folder("Team drive", None, drive_id="0ATeamX", owner="admin@example.org")
    folder = drive.add_folder("Movies", team_root, drive_id="0ATeamX")
    sub = drive.add_folder("More", folder, drive_id="0ATeamX")
    drive.add_file("a.json", folder, _movie("Team A"), drive_id="0ATeamX")
    drive.add_file("b.json", sub, _movie("Team B"), drive_id="0ATeamX")
    drive.drive_members["0ATeamX"].add("admin@example.org")
    drive.share(folder, SERVICE_ACCOUNT)  # the README's advice: share the folder with the service account
    reset_library(stack, None)
    summary = _run(stack, _source(drive, folder, service_account=True))
    assert summary.failed == 0 and summary.files_loaded == 2 and {"Team A", "Team B"} <= _titles(stack)


# --- 4. a root in a shared drive: its own change log ---------------------------------------------


def test_a_shared_drive_root_read_by_a_member_is_walked_so_its_edits_load(stack, drive) -> None:
    team = drive.add_folder("Team movies", None, drive_id="0ATeamY", owner="admin@example.org")
    file_id = drive.add_file("a.json", team, _movie("Member v1"), drive_id="0ATeamY")
    drive.drive_members["0ATeamY"].add(USER)
    reset_library(stack, None)
    assert _run(stack, _source(drive, team)).files_loaded == 1
    drive.update_file(file_id, _movie("Member v2"))  # logged only in the shared drive's own log
    second = _run(stack, _source(drive, team))
    assert second.mode == "walk" and "shared drive" in (second.feed_note or "")
    assert "Member v2" in _titles(stack) and "Member v1" not in _titles(stack)


def test_the_fake_keeps_a_change_log_per_shared_drive(drive) -> None:
    team = drive.add_folder("Team", None, drive_id="0ATeamZ", owner="admin@example.org")
    drive.drive_members["0ATeamZ"].add(USER)
    http = AuthorizedHttp(credentials_from_info(drive.user_credentials(), drive.token_uri), http=httplib2.Http())
    api = build("drive", "v3", http=http, static_discovery=True, client_options={"api_endpoint": drive.endpoint})
    start = api.changes().getStartPageToken(supportsAllDrives=True).execute()["startPageToken"]
    item = drive.add_file("t.json", team, b"{}", drive_id="0ATeamZ")
    user_log = (
        api.changes()
        .list(pageToken=start, supportsAllDrives=True, includeItemsFromAllDrives=True, fields="changes(fileId)")
        .execute()
    )
    drive_log = (
        api.changes()
        .list(
            pageToken=start,
            driveId="0ATeamZ",
            supportsAllDrives=True,
            includeItemsFromAllDrives=True,
            fields="changes(fileId, driveId)",
        )
        .execute()
    )
    assert user_log["changes"] == [] and drive_log["changes"] == [{"fileId": item, "driveId": "0ATeamZ"}]


# --- 5. a folder reached through a folder shortcut ----------------------------------------------


def test_a_change_to_a_folder_reached_through_a_shortcut_keeps_its_subtree(stack, drive) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("top.json", top, _movie("Top"))
    elsewhere = drive.add_folder("Elsewhere", drive.root)
    inner = drive.add_file("inner.json", elsewhere, _movie("Inner v1"))
    shortcut = drive.add_shortcut("Linked folder", top, elsewhere)
    reset_library(stack, None)
    first = _run(stack, _source(drive, top))
    assert first.files_loaded == 2 and "Inner v1" in _titles(stack)
    drive.rename(elsewhere, "Elsewhere (renamed)")  # a metadata change of the target carries its real parents
    drive.update_file(inner, _movie("Inner v2"))
    second = _run(stack, _source(drive, top))
    assert second.mode == "changes" and second.deleted == []
    assert "Inner v2" in _titles(stack) and "Inner v1" not in _titles(stack)
    drive.delete(shortcut)  # the shortcut goes: so does what it reached
    drive.update_file(inner, _movie("Inner v3"))
    third = _run(stack, _source(drive, top))
    assert third.mode == "changes" and third.deleted == [inner] and "Inner v2" not in _titles(stack)
    assert "Inner v3" not in _titles(stack)


# --- 6. files that can never be downloaded ------------------------------------------------------


def test_a_file_deleted_between_listing_and_download_is_gone_and_the_feed_is_kept(stack, drive) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("a.json", top, _movie("Race A"))
    doomed = drive.add_file("b.json", top, _movie("Race B"))
    reset_library(stack, None)
    drive.vanish_on_download.add(doomed)
    summary = _run(stack, _source(drive, top))
    assert summary.failed == 0 and summary.files_loaded == 1 and "Race B" not in _titles(stack)
    assert _sync_state(stack, _source(drive, top).name)[0] is not None  # the feed stays on


@pytest.mark.parametrize("kind", ["abusive", "download_restricted"])
def test_a_file_drive_refuses_to_hand_out_is_quarantined_by_version_not_failed(stack, drive, kind) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("a.json", top, _movie("Fine"))
    refused = drive.add_file("bad.json", top, _movie("Refused"))
    getattr(drive, kind).add(refused)
    reset_library(stack, None)
    first = _run(stack, _source(drive, top))
    assert first.failed == 0 and [q["fileId"] for q in first.quarantine] == [refused]
    reason = first.quarantine[0]["reason"]
    assert ("cannotDownloadAbusiveFile" in reason) if kind == "abusive" else ("download restricted" in reason)
    downloads = drive.downloads[refused]
    second = _run(stack, _source(drive, top), walk_every=1)
    assert second.quarantined == 0 and drive.downloads[refused] == downloads  # not asked for again


# --- 7. shortcut bookkeeping and renames: both modes agree ---------------------------------------


@pytest.mark.parametrize("mode", ["walk", "changes"])
def test_deleting_a_file_shortcut_makes_its_target_gone(stack, drive, mode) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("top.json", top, _movie("Top"))
    elsewhere = drive.add_folder("Elsewhere", drive.root)
    target = drive.add_file("t.json", elsewhere, _movie("Target v1"))
    shortcut = drive.add_shortcut("linked.json", top, target)
    reset_library(stack, None)
    walk_every = 1 if mode == "walk" else 10
    assert _run(stack, _source(drive, top), walk_every=walk_every).files_loaded == 2
    drive.delete(shortcut)
    second = _run(stack, _source(drive, top), walk_every=walk_every)
    assert second.mode == mode and second.deleted == [target] and "Target v1" not in _titles(stack)
    drive.update_file(target, _movie("Target v2"))
    third = _run(stack, _source(drive, top), walk_every=walk_every)
    assert third.files_loaded == 0 and "Target v2" not in _titles(stack)


@pytest.mark.parametrize("mode", ["walk", "changes"])
def test_a_shortcut_to_a_trashed_target_is_gone_in_both_modes(stack, drive, mode) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("top.json", top, _movie("Top"))
    elsewhere = drive.add_folder("Elsewhere", drive.root)
    target = drive.add_file("t.json", elsewhere, _movie("Trashed target"))
    drive.add_shortcut("linked.json", top, target)
    reset_library(stack, None)
    walk_every = 1 if mode == "walk" else 10
    assert _run(stack, _source(drive, top), walk_every=walk_every).files_loaded == 2
    drive.trash(target)
    second = _run(stack, _source(drive, top), walk_every=walk_every)
    assert second.mode == mode and second.deleted == [target] and "Trashed target" not in _titles(stack)


@pytest.mark.parametrize("mode", ["walk", "changes"])
def test_a_json_file_renamed_away_from_json_is_gone_in_both_modes(stack, drive, mode) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("keep.json", top, _movie("Keep"))
    renamed = drive.add_file("r.json", top, _movie("Renamed"), mime="text/plain")
    reset_library(stack, None)
    walk_every = 1 if mode == "walk" else 10
    assert _run(stack, _source(drive, top), walk_every=walk_every).files_loaded == 2
    drive.rename(renamed, "r.txt")
    second = _run(stack, _source(drive, top), walk_every=walk_every)
    assert second.mode == mode and second.deleted == [renamed] and "Renamed" not in _titles(stack)


def test_losing_access_to_the_root_sends_tombstones_and_removes_nothing(stack, drive) -> None:
    theirs = drive.add_folder("Shared with me", None, owner="owner@example.org")
    for i in range(3):
        drive.add_file(f"s{i}.json", theirs, _movie(f"Shared {i}"))
    drive.share(theirs, USER)
    reset_library(stack, None)
    source = _source(drive, theirs)
    assert _run(stack, source).files_loaded == 3
    api = build(
        "drive",
        "v3",
        http=AuthorizedHttp(credentials_from_info(drive.user_credentials(), drive.token_uri), http=httplib2.Http()),
        static_discovery=True,
        client_options={"api_endpoint": drive.endpoint},
    )
    token = _sync_state(stack, source.name)[0]
    drive.unshare(theirs, USER)
    log = api.changes().list(pageToken=token, fields="changes(fileId, removed, file(id))").execute()["changes"]
    assert len(log) == 4 and all(c["removed"] and "file" not in c for c in log)  # tombstones, no metadata
    with pytest.raises(DriveError, match="not found or the signed-in Google user may not read it"):
        _run(stack, _source(drive, theirs))  # the feed says the root went: the walk's check says why
    assert {f"Shared {i}" for i in range(3)} <= _titles(stack)  # nothing removed


# --- 8. a run that lost its lease leaves the newer run's state alone ------------------------------


def test_a_run_that_lost_its_lease_does_not_write_its_end_state(stack, drive, monkeypatch) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("a.json", top, _movie("Lease A"))
    reset_library(stack, None)
    stale = Run(psycopg2.connect(stack.database_url), _source(drive, top), concurrency=2)
    original = Run._settle
    taken = threading.Event()

    def settle_after_losing_the_lease(self, *args, **kwargs):
        if self is stale and not taken.is_set():
            taken.set()
            with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:  # the lease expired ...
                cur.execute("UPDATE etl_lease SET expires_at = now() - interval '1 second'")
            conn.close()
            newer = _run(stack, _source(drive, top))  # ... and another run took it and finished
            assert newer.failed == 0 and not newer.interrupted
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Run, "_settle", settle_after_losing_the_lease)
    summary = stale.execute()
    stale.conn.close()
    assert summary.interrupted
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT status FROM etl_runs ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == ["interrupted", "succeeded"]
    conn.close()


# --- 9. credentials and the root -------------------------------------------------------------------


def test_a_trashed_root_and_a_shortcut_root_are_refused_precisely(stack, drive) -> None:
    top = drive.add_folder("Library", drive.root)
    drive.add_file("a.json", top, _movie("Root A"))
    shortcut = drive.add_shortcut("Library link", drive.root, top)
    with pytest.raises(DriveError, match=f"is a shortcut; set DRIVE_FOLDER_ID to the folder it points to, {top}"):
        _source(drive, shortcut).preflight()
    drive.trash(top)
    with pytest.raises(DriveError, match="is in the trash"):
        _source(drive, top).preflight()


def test_domain_wide_delegation_acts_as_the_user_and_uses_the_feed(stack, drive) -> None:
    creds = credentials_from_info(drive.service_account_info(), drive.token_uri, subject="librarian@example.com")
    source = DriveSource("any", creds, api_endpoint=drive.endpoint)
    assert source.user_token and "acting as librarian@example.com" in source.principal
    with pytest.raises(ValueError, match="needs a service-account key"):
        credentials_from_info(drive.user_credentials(), drive.token_uri, subject="someone@example.com")


# --- the fake answers as Drive does -----------------------------------------------------------------


def test_the_fake_rejects_field_names_drive_rejects(drive) -> None:
    top = drive.add_folder("Library", drive.root)
    files = _files_api(drive)
    with pytest.raises(HttpError) as bad:
        files.get(fileId=top, fields="id, md5checksum, hedRevisionId").execute()
    assert bad.value.resp.status == 400 and "invalidParameter" in bad.value.content.decode()
    assert files.get(fileId=top, fields="id, capabilities/canDownload").execute() == {
        "id": top,
        "capabilities": {"canDownload": True},
    }


def test_the_fake_trashes_what_is_under_a_trashed_folder(drive) -> None:
    top = drive.add_folder("Library", drive.root)
    sub = drive.add_folder("Sub", top)
    child = drive.add_file("c.json", sub, b"{}")
    before = len(drive._changes)
    drive.trash(sub)
    assert drive.nodes[child].trashed is True and len(drive._changes) - before == 2
    assert _files_api(drive).get(fileId=child, fields="trashed, explicitlyTrashed").execute() == {
        "trashed": True,
        "explicitlyTrashed": False,
    }


def test_short_and_empty_pages_with_a_next_page_token_still_list_everything(stack, drive) -> None:
    top = drive.add_folder("Library", drive.root)
    for i in range(12):
        drive.add_file(f"r{i}.json", top, _movie(f"Ragged {i}"))
    drive.ragged_pages = True
    files = _files_api(drive)
    sizes, token = [], None
    while True:
        page = files.list(q=f"'{top}' in parents", pageSize=5, pageToken=token, fields="nextPageToken, files(id)").execute()
        sizes.append(len(page["files"]))
        token = page.get("nextPageToken")
        if not token:
            break
    assert 0 in sizes and sum(sizes) == 12  # an empty page that still says there is more
    reset_library(stack, None)
    assert _run(stack, _source(drive, top, page_size=5)).files_loaded == 12
