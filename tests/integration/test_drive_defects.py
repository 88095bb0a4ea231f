"""Each real-Drive defect of issue 13, against the strict fake Drive through the real google-api-python-client
and a real PostgreSQL. Every test here fails on the ETL as it was before the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from etl_task.drive import DriveError, DriveSource, credentials_from_info
from etl_task.pipeline import Run
from local.fake_drive import DOC, SERVICE_ACCOUNT, FakeDrive, rate_limit_error
from tests.conftest import reset_library

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def drive() -> Iterator[FakeDrive]:
    fake = FakeDrive(page_size_cap=3)
    fake.endpoint = fake.start()  # type: ignore[attr-defined]
    yield fake
    fake.stop()


def _movie(title: str, genre: str = "Drama", rating: float = 7.0, year: int = 2020) -> bytes:
    return json.dumps({"title": title, "genre": genre, "rating": rating, "year": year}).encode()


def _library(drive: FakeDrive, count: int = 5, parent: str | None = None) -> str:
    top = drive.add_folder("Library", parent or drive.root)
    sub = drive.add_folder("Sub", top)
    for i in range(count):
        drive.add_file(f"m{i}.json", sub if i % 2 else top, _movie(f"Defect Movie {i}"))
    return top


def _source(drive: FakeDrive, folder_id: str, kind: str = "user", **kwargs) -> DriveSource:
    info = drive.user_credentials() if kind == "user" else drive.service_account_info()
    return DriveSource(
        folder_id,
        credentials_from_info(info, drive.token_uri),
        api_endpoint=drive.endpoint,
        backoff_base=0.001,
        max_tries=4,
        **kwargs,
    )


def _run(stack, source: DriveSource, **kwargs):
    conn = psycopg2.connect(stack.database_url)
    try:
        return Run(conn, source, concurrency=4, **kwargs).execute()
    finally:
        conn.close()


def _titles(stack) -> set[str]:
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title FROM movies")
        rows = {r[0] for r in cur.fetchall()}
    conn.close()
    return rows


def _cli(
    stack, drive: FakeDrive, folder_id: str, creds: dict, tmp_path: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess:
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(creds))
    full_env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "DRIVE_API_ENDPOINT": drive.endpoint,
        "DRIVE_TOKEN_URI": drive.token_uri,
        "DRIVE_CREDENTIALS_FILE": str(path),
        "DRIVE_BACKOFF_SECONDS": "0.01",
        "DRIVE_MAX_TRIES": "3",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "etl_task", "--source", "drive", "--folder-id", folder_id, *extra],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# 1. Silent empty run -----------------------------------------------------------------------------


def test_1_a_folder_not_shared_with_the_service_account_is_a_clear_error_not_an_empty_success(
    stack, drive: FakeDrive, tmp_path: Path
) -> None:
    top = _library(drive)  # the user's folder, never shared with the service account
    reset_library(stack, None)
    done = _cli(stack, drive, top, drive.service_account_info(), tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    failure = json.loads(done.stdout.strip().splitlines()[-1])
    assert failure["event"] == "etl_failed"
    assert SERVICE_ACCOUNT in failure["error"] and "Share the folder" in failure["error"]
    wrong = _cli(stack, drive, "no-such-folder-id", drive.user_credentials(), tmp_path)
    assert wrong.returncode == 1 and "was not found" in wrong.stdout


def test_1_a_walk_that_finds_no_files_exits_non_zero_unless_allow_empty(stack, drive: FakeDrive, tmp_path: Path) -> None:
    empty = drive.add_folder("Empty", drive.root)
    drive.add_folder("Also empty", empty)
    reset_library(stack, None)
    done = _cli(stack, drive, empty, drive.user_credentials(), tmp_path)
    assert done.returncode == 1 and "no movie files" in done.stdout, done.stdout + done.stderr
    allowed = _cli(stack, drive, empty, drive.user_credentials(), tmp_path, "--allow-empty")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert json.loads(allowed.stdout.strip().splitlines()[-1])["files_seen"] == 0


# 2. Google-native files named *.json ------------------------------------------------------------


def test_2_a_google_doc_named_json_is_quarantined_once_and_later_runs_succeed(stack, drive: FakeDrive) -> None:
    top = _library(drive)
    doc = drive.add_file("x.json", top, b"", mime=DOC)
    reset_library(stack, None)
    first = _run(stack, _source(drive, top))
    assert first.failed == 0 and first.files_loaded == 5
    assert [q["fileId"] for q in first.quarantine] == [doc] and "Google editor file" in first.quarantine[0]["reason"]
    assert drive.downloads[doc] == 0  # never asked for: Drive would answer 403 fileNotDownloadable
    again = _run(stack, _source(drive, top))  # the changes feed: nothing changed
    assert again.failed == 0 and again.files_downloaded == 0
    walked = _run(stack, _source(drive, top), walk_every=1)
    assert walked.mode == "walk" and walked.failed == 0 and walked.quarantined == 0 and walked.files_skipped == 6
    assert drive.downloads[doc] == 0


# 3. Shortcuts to files -----------------------------------------------------------------------------


def test_3_an_edit_to_a_shortcut_target_is_fetched_again(stack, drive: FakeDrive) -> None:
    top = _library(drive)
    elsewhere = drive.add_folder("Elsewhere", drive.root)
    target = drive.add_file("target.json", elsewhere, _movie("Shortcut Target v1"))
    drive.add_shortcut("linked.json", top, target)
    reset_library(stack, None)
    first = _run(stack, _source(drive, top))
    assert first.files_loaded == 6 and "Shortcut Target v1" in _titles(stack)
    drive.update_file(target, _movie("Shortcut Target v2"))  # the shortcut itself does not change
    again = _run(stack, _source(drive, top))
    assert again.files_downloaded == 1 and drive.downloads[target] == 2
    assert "Shortcut Target v2" in _titles(stack)


# 4. corpora=allDrives and incompleteSearch ------------------------------------------------------------


def test_4_files_in_a_shared_drive_are_all_listed(stack, drive: FakeDrive) -> None:
    top = _library(drive)
    team = drive.add_folder("Team drive folder", top, drive_id="0ATeamDrive")
    for i in range(4):
        drive.add_file(f"team{i}.json", team, _movie(f"Team Movie {i}"), drive_id="0ATeamDrive")
    reset_library(stack, None)
    summary = _run(stack, _source(drive, top))
    assert summary.files_loaded == 9
    assert {f"Team Movie {i}" for i in range(4)} <= _titles(stack)


# 5. Rejected page tokens -------------------------------------------------------------------------------


def test_5_a_rejected_page_token_restarts_that_folders_listing(stack, drive: FakeDrive) -> None:
    top = _library(drive, count=12)  # several pages of 3 per folder
    reset_library(stack, None)
    drive.expire_page_tokens(2)
    summary = _run(stack, _source(drive, top))
    assert drive.reject_page_tokens == 0, "the fake should have rejected two page tokens"
    assert summary.files_loaded == 12 and summary.failed == 0
    assert {f"Defect Movie {i}" for i in range(12)} <= _titles(stack)


# 6. Resource keys -----------------------------------------------------------------------------------------


def test_6_a_link_shared_folder_with_resource_keys_loads_with_the_configured_key(stack, drive: FakeDrive) -> None:
    theirs = drive.add_folder("Someone else's library", None, owner="owner@example.org")  # in their Drive
    for i in range(4):
        drive.add_file(f"k{i}.json", theirs, _movie(f"Keyed Movie {i}"))
    drive.share_by_link(theirs, with_resource_key=True)  # shared before 2021: every item has a key
    key = drive.nodes[theirs].resource_key
    reset_library(stack, None)
    with pytest.raises(DriveError, match="DRIVE_FOLDER_RESOURCE_KEY"):  # without the key Drive says 404
        _run(stack, _source(drive, theirs))
    summary = _run(stack, _source(drive, theirs, resource_key=key))
    assert summary.files_loaded == 4 and summary.failed == 0
    assert {f"Keyed Movie {i}" for i in range(4)} <= _titles(stack)


# 7. Rate limits in the newer error format ----------------------------------------------------------------


def test_7_a_rate_limit_in_the_newer_error_format_is_retried(stack, drive: FakeDrive) -> None:
    top = _library(drive)
    drive.injected = [rate_limit_error(newer_format=True), rate_limit_error(newer_format=True)]
    reset_library(stack, None)
    summary = _run(stack, _source(drive, top))
    assert not drive.injected and summary.files_loaded == 5 and summary.failed == 0


# 8. Quota ---------------------------------------------------------------------------------------------------


def test_8_the_default_rate_stays_inside_one_projects_quota_and_is_a_setting(drive: FakeDrive, monkeypatch) -> None:
    from etl_task.__main__ import _source as cli_source
    from etl_task.__main__ import parse_args

    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"creds-{os.getpid()}.json"
    path.write_text(json.dumps(drive.user_credentials()))
    monkeypatch.setenv("DRIVE_CREDENTIALS_FILE", str(path))
    monkeypatch.delenv("DRIVE_REQUESTS_PER_SECOND", raising=False)
    default = cli_source(parse_args(["--source", "drive", "--folder-id", "x"]))
    # Drive's quota: 12,000 requests a minute per project (and per user) = 200/s; leave room for others.
    assert 1 / default.limiter.interval < 200
    monkeypatch.setenv("DRIVE_REQUESTS_PER_SECOND", "20")
    assert cli_source(parse_args(["--source", "drive", "--folder-id", "x"])).limiter.interval == pytest.approx(0.05)
    assert "per project and per user" in " ".join((ROOT / "README.md").read_text().split())


# 9. Service accounts ----------------------------------------------------------------------------------------


def test_9_a_service_account_needs_the_folder_shared_with_its_email(stack, drive: FakeDrive, tmp_path: Path) -> None:
    top = _library(drive)
    drive.share_by_link(top, with_resource_key=False)  # 'anyone with the link' is not enough for it
    reset_library(stack, None)
    check = _cli(stack, drive, top, drive.service_account_info(), tmp_path, "--check")  # the preflight
    assert check.returncode == 1 and f"Share the folder with the service account {SERVICE_ACCOUNT}" in check.stdout
    refused = _cli(stack, drive, top, drive.service_account_info(), tmp_path)
    assert refused.returncode == 1 and f"Share the folder with the service account {SERVICE_ACCOUNT}" in refused.stdout
    drive.share(top, SERVICE_ACCOUNT)
    check = _cli(stack, drive, top, drive.service_account_info(), tmp_path, "--check")
    assert check.returncode == 0 and json.loads(check.stdout)["event"] == "etl_check_ok", check.stdout + check.stderr
    done = _cli(stack, drive, top, drive.service_account_info(), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["files_loaded"] == 5
    assert drive.requests["token_service_account"] >= 2  # a signed assertion each run, checked by the fake
    assert "share the folder with the service account" in " ".join((ROOT / "README.md").read_text().lower().split())
