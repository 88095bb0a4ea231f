"""The `movie-library` command as a user gets it: the package built into a wheel, installed into a fresh
virtualenv (no system or project packages), run in a subprocess against the local stack."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import threading
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest

from local import aws
from local.stack import ROOT, _banner

PACKAGE = ROOT / "clients" / "python"
PASSWORD = "User-Passw0rd!"

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources and install it into a new virtualenv; the entry point's path."""
    work = tmp_path_factory.mktemp("cli")
    source = work / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "dist"))
    wheels = work / "wheels"
    # pip builds it as any user's pip would: the backend (setuptools) in an isolated environment from PyPI.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            str(source),
            "-w",
            str(wheels),
        ],
        check=True,
    )
    wheel = next(wheels.glob("movie_library_client-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        assert "movie_library/py.typed" in archive.namelist()
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = sorted(re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)", metadata, re.MULTILINE))
    assert requires == ["boto3", "httpx", "websockets"] and "Requires-Python: >=3.10" in metadata
    assert re.search(r"Requires-Dist: boto3.*extra == .aws.", metadata)  # boto3 only as the [aws] extra
    venv = work / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    # No pip inside (ensurepip is the slow part): the project's pip installs into it with --python.
    subprocess.run([base_python, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
    )
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import movie_library, boto3"], capture_output=True, text=True)
    assert "No module named 'boto3'" in check.stderr  # really a fresh environment: boto3 is only an extra
    return venv / "bin" / "movie-library"


@pytest.fixture()
def user(stack) -> str:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    aws.ensure_user(
        boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint), stack.resources.user_pool_id, email, PASSWORD
    )
    return email


@pytest.fixture()
def env(tmp_path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {**keep, "MOVIE_LIBRARY_CONFIG_DIR": str(tmp_path / "config")}


def run(cli: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def run_on_terminal(cli: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """stdout and stderr on a pseudo-terminal each, as in an interactive shell."""
    fds = [pty.openpty(), pty.openpty()]
    chunks: list[list[bytes]] = [[], []]

    def drain(master: int, into: list[bytes]) -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            into.append(data)

    readers = [threading.Thread(target=drain, args=(m, c), daemon=True) for (m, _), c in zip(fds, chunks, strict=True)]
    for r in readers:
        r.start()
    process = subprocess.run(
        [str(cli), *args], stdout=fds[0][1], stderr=fds[1][1], stdin=subprocess.DEVNULL, env=env, timeout=300
    )
    for _, slave in fds:
        os.close(slave)
    for r in readers:
        r.join(10)
    for master, _ in fds:
        os.close(master)
    outputs = [b"".join(c).decode() for c in chunks]
    return process.returncode, outputs[0], outputs[1]


def login(cli: Path, env: dict[str, str], stack, email: str) -> subprocess.CompletedProcess:
    return run(cli, env, "--base-url", stack.url, "login", "--username", email, "--password-stdin", stdin=PASSWORD + "\n")


def test_login_keeps_only_a_refresh_token_readable_by_the_user(cli: Path, env: dict[str, str], stack, user: str) -> None:
    result = login(cli, env, stack, user)
    assert result.returncode == 0, result.stderr
    config = Path(env["MOVIE_LIBRARY_CONFIG_DIR"])
    credentials = config / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert json.loads(credentials.read_text())["default"]["refresh_token"]
    assert not any(PASSWORD in f.read_text() for f in config.iterdir())
    assert f"ws_url = ws://127.0.0.1:{stack.port}/ws" in (config / "config.ini").read_text()
    # Later commands need neither the URL nor the password: both come from the profile.
    dashboard = run(cli, env, "dashboard")
    assert dashboard.returncode == 0, dashboard.stderr
    assert json.loads(dashboard.stdout)["totalMovies"] == 32  # piped: JSON


def test_the_two_lines_make_run_prints_set_up_the_cli(cli: Path, env: dict[str, str], stack) -> None:
    lines = [line.strip() for line in _banner(stack).splitlines()]
    first = next(n for n, line in enumerate(lines) if line.startswith("export MOVIE_LIBRARY_BASE_URL="))
    login = lines[first + 1]
    assert login.startswith("movie-library login --username "), lines  # it asks for the password: typed here
    script = "\n".join([lines[first], f"{login} --password-stdin", "movie-library dashboard"])
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        input=aws.DEMO_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PATH": f"{cli.parent}:{env['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totalMovies"] == 32


def test_reads_as_json_when_piped_and_as_a_table_on_a_terminal(cli: Path, env: dict[str, str], stack, user: str) -> None:
    assert login(cli, env, stack, user).returncode == 0
    drama = json.loads(run(cli, env, "filter", "--genre", "Drama", "--page-size", "5").stdout)
    assert len(drama) == 6 and {m["genre"] for m in drama} == {"Drama"}
    several = json.loads(run(cli, env, "filter", "--genre", "drama", "--genre", "SCI-FI", "--min-rating", "7").stdout)
    assert several and all(m["rating"] >= 7 and m["genre"] in {"Drama", "Sci-Fi"} for m in several)
    top = json.loads(run(cli, env, "top", "--limit", "5").stdout)
    assert len(top) == 5 and [m["rating"] for m in top] == sorted((m["rating"] for m in top), reverse=True)
    assert len(json.loads(run(cli, env, "top", "--all", "--page-size", "7").stdout)) == 32
    found = json.loads(run(cli, env, "search", top[0]["title"].lower()).stdout)
    assert top[0]["id"] in [m["id"] for m in found]
    assert json.loads(run(cli, env, "show", top[0]["id"]).stdout) == top[0]
    assert len(json.loads(run(cli, env, "genres").stdout)) == 13

    code, out, _ = run_on_terminal(cli, env, "filter", "--genre", "Drama")
    assert code == 0 and out.splitlines()[0].split() == ["Title", "Genre", "Rating", "Year", "Id"]
    assert "6 movie(s)" in out
    code, out, _ = run_on_terminal(cli, env, "dashboard")
    assert code == 0 and "Average rating  7.4" in out and "Unrated movies  0" in out and "Top genres" in out
    code, out, _ = run_on_terminal(cli, env, "--json", "dashboard")
    assert code == 0 and json.loads(out)["totalMovies"] == 32


def test_exit_codes(cli: Path, env: dict[str, str], stack, user: str) -> None:
    not_signed_in = run(cli, env, "--base-url", stack.url, "dashboard")
    assert not_signed_in.returncode == 2 and "movie-library login" in not_signed_in.stderr
    assert run(cli, env, "dashboard").returncode == 2  # no URL at all
    assert run(cli, env, "no-such-command").returncode == 2
    assert run(cli, env, "filter", "--min-rating", "high").returncode == 2
    assert login(cli, env, stack, user).returncode == 0
    bad = run(cli, env, "filter", "--min-rating", "11")
    assert bad.returncode == 1 and "minRating" in bad.stderr
    assert run(cli, env, "show", str(uuid.uuid4())).returncode == 1
    assert run(cli, env, "add", "--title", "Half a movie").returncode == 2
    assert run(cli, env, "--profile", "elsewhere", "dashboard").returncode == 2
    wrong = run(cli, env, "--base-url", stack.url, "login", "--username", user, "--password-stdin", stdin="nope\n")
    assert wrong.returncode == 1
    assert run(cli, {**env, "MOVIE_LIBRARY_TOKEN": "not-a-token"}, "dashboard").returncode == 1
    assert run(cli, env, "--help").returncode == 0


def test_environment_alone_configures_it(cli: Path, env: dict[str, str], stack, user: str) -> None:
    """No login and no files: the base URL and the credentials from the environment (the Cognito ids from /config.json)."""
    result = run(
        cli,
        {**env, "MOVIE_LIBRARY_BASE_URL": stack.url, "MOVIE_LIBRARY_USERNAME": user, "MOVIE_LIBRARY_PASSWORD": PASSWORD},
        "genres",
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 13
    assert not Path(env["MOVIE_LIBRARY_CONFIG_DIR"]).exists()


def test_profiles_from_the_config_file(cli: Path, env: dict[str, str], stack, user: str) -> None:
    assert (
        run(
            cli,
            env,
            "--profile",
            "local",
            "--base-url",
            stack.url,
            "login",
            "--username",
            user,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        ).returncode
        == 0
    )
    assert run(cli, env, "dashboard").returncode == 2  # the default profile is still empty
    assert run(cli, env, "--profile", "local", "dashboard").returncode == 0
    assert run(cli, {**env, "MOVIE_LIBRARY_PROFILE": "local"}, "dashboard").returncode == 0


def test_add_wait_created_then_duplicate_and_requests(cli: Path, env: dict[str, str], stack, user: str) -> None:
    assert login(cli, env, stack, user).returncode == 0
    title = f"CLI Wait {uuid.uuid4().hex[:8]}"
    movie = ["--title", title, "--genre", "Drama", "--rating", "7.1", "--year", "2023"]
    created = run(cli, env, "add", *movie, "--wait")
    assert created.returncode == 0, created.stderr
    first = json.loads(created.stdout)
    assert first["status"] == "created" and first["movie"]["title"] == title
    duplicate = json.loads(run(cli, env, "add", *movie, "--wait").stdout)
    assert duplicate["status"] == "duplicate" and duplicate["movie"]["id"] == first["movie"]["id"]
    queued = json.loads(
        run(cli, env, "add", "--title", f"{title} 2", "--genre", "Drama", "--rating", "6", "--year", "2023").stdout
    )
    assert queued["status"] == "queued"
    recent = json.loads(run(cli, env, "requests").stdout)
    assert [r["requestId"] for r in recent][:3] == [queued["requestId"], duplicate["requestId"], first["requestId"]]
    one = json.loads(run(cli, env, "requests", first["requestId"]).stdout)
    assert one[0]["status"] == "created"


def _bulk_file(path: Path, existing: list[dict]) -> tuple[int, int]:
    """200 lines: 178 new movies, 20 duplicates (10 of the library, 10 of earlier lines), 2 invalid lines."""
    tag = uuid.uuid4().hex[:8]
    new = [
        {"title": f"Bulk {tag} {i:03d}", "genre": "Drama", "rating": round(5 + (i % 50) / 10, 1), "year": 2000 + i % 25}
        for i in range(178)
    ]
    lines = [json.dumps(m) for m in new]
    lines += [json.dumps({k: m[k] for k in ("title", "genre", "rating", "year")}) for m in existing[:10]]
    lines += [json.dumps({**m, "title": m["title"].upper()}) for m in new[:10]]  # same movie after normalising
    lines.insert(50, '{"title": "Broken", "genre": ')
    lines.insert(120, json.dumps({"title": "Too Good", "genre": "Drama", "rating": 11, "year": 2020}))
    path.write_text("\n".join(lines) + "\n\n")
    return 51, 121


def test_bulk_add_200_movies_with_duplicates_and_invalid_lines(
    cli: Path, env: dict[str, str], stack, user: str, tmp_path: Path, monkeypatch, api
) -> None:
    # The stack's per-user limit (AddsPerUserPerMinute, default 60) would hold the run back for minutes.
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "1000")
    assert login(cli, env, stack, user).returncode == 0
    existing = api.get("/api/movies/top-rated", params={"limit": 10}).json()["movies"]
    movies = tmp_path / "movies.jsonl"
    broken_line, invalid_line = _bulk_file(movies, existing)

    code, out, err = run_on_terminal(cli, env, "--json", "add", "--file", str(movies), "--concurrency", "8")
    summary = json.loads(out)
    assert code == 1, err  # some lines were not added
    assert summary["total"] == 200
    assert summary["counts"] == {"created": 178, "duplicate": 20, "invalid": 2}
    assert [(p["line"], p["status"]) for p in summary["problems"]] == [(broken_line, "invalid"), (invalid_line, "invalid")]
    assert summary["problems"][0]["error"]["code"] == "INVALID_JSON"
    assert summary["problems"][1]["error"]["code"] == "VALIDATION_ERROR"
    assert "200/200" in err and "[###" in err  # the progress bar, drawn on the terminal
    tag = json.loads(movies.read_text().splitlines()[0])["title"].rsplit(" ", 1)[0]
    stored = api.get("/api/movies/search", params={"title": tag, "limit": 100}).json()
    listed = stored["movies"]
    while stored["pagination"]["hasMore"]:
        stored = api.get(
            "/api/movies/search", params={"title": tag, "limit": 100, "cursor": stored["pagination"]["nextCursor"]}
        ).json()
        listed += stored["movies"]
    assert len(listed) == 178

    code, out, _ = run_on_terminal(cli, env, "add", "--file", str(movies), "--no-progress")
    assert code == 1 and "duplicate" in out and "Not added" in out and "INVALID_JSON" not in out


def test_bulk_add_reports_a_missing_file_as_a_usage_error(
    cli: Path, env: dict[str, str], stack, user: str, tmp_path: Path
) -> None:
    assert login(cli, env, stack, user).returncode == 0
    missing = run(cli, env, "add", "--file", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "nope.jsonl" in missing.stderr


def test_top_limit_is_how_many_to_show_and_page_size_the_page(cli: Path, env: dict[str, str], stack, user: str) -> None:
    """Issue 22: `top --limit 3` printed 10 (--limit was the page size); now it is the count, as in gh."""
    assert login(cli, env, stack, user).returncode == 0
    assert len(json.loads(run(cli, env, "top", "--limit", "3").stdout)) == 3
    assert len(json.loads(run(cli, env, "top", "--limit", "12", "--page-size", "5").stdout)) == 12
    assert len(json.loads(run(cli, env, "top", "--max", "4").stdout)) == 4  # the old name still works
    assert run(cli, env, "top", "--page-size", "101").returncode == 2


def test_edit_history_and_delete_an_own_add(cli: Path, env: dict[str, str], stack, user: str) -> None:
    assert login(cli, env, stack, user).returncode == 0
    created = json.loads(
        run(
            cli,
            env,
            "add",
            "--title",
            f"CLI Fix {uuid.uuid4().hex[:8]}",
            "--genre",
            "Drama",
            "--rating",
            "5",
            "--year",
            "2020",
            "--wait",
        ).stdout
    )
    movie_id = created["movie"]["id"]
    edited = run(cli, env, "edit", movie_id, "--rating", "8")
    assert edited.returncode == 0, edited.stderr
    assert json.loads(edited.stdout)["rating"] == 8.0 and json.loads(edited.stdout)["etag"]
    assert run(cli, env, "edit", movie_id).returncode == 2  # nothing to change
    stale = run(cli, env, "edit", movie_id, "--rating", "9", "--if-match", '"stale"')
    assert stale.returncode == 2 and "changed since you read it" in stale.stderr
    cleared = json.loads(run(cli, env, "edit", movie_id, "--no-rating").stdout)
    assert cleared["rating"] is None
    history = json.loads(run(cli, env, "history", movie_id).stdout)
    assert [(h["before"]["rating"], h["after"]["rating"]) for h in history] == [(8.0, None), (5.0, 8.0)]
    assert len(json.loads(run(cli, env, "history", movie_id, "--limit", "1").stdout)) == 1
    refused = run(cli, env, "delete", movie_id)  # piped: it cannot ask, so it does not delete
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert run(cli, env, "delete", movie_id, "--yes").returncode == 0
    assert run(cli, env, "show", movie_id).returncode == 1
    assert run(cli, env, "delete", movie_id, "--yes").returncode == 1  # 404 now


def test_watch_library_prints_each_change(cli: Path, env: dict[str, str], stack, user: str) -> None:
    assert login(cli, env, stack, user).returncode == 0
    created = json.loads(
        run(
            cli,
            env,
            "add",
            "--title",
            f"CLI Watch {uuid.uuid4().hex[:8]}",
            "--genre",
            "Drama",
            "--rating",
            "5",
            "--year",
            "2020",
            "--wait",
        ).stdout
    )
    movie_id = created["movie"]["id"]
    watcher = subprocess.Popen(
        [str(cli), "watch", "--library"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    lines: list[dict] = []
    try:
        # Until the watcher's socket is registered, a change could go unheard: edit until one is heard.
        reader = threading.Thread(target=lambda: lines.extend(json.loads(line) for line in watcher.stdout), daemon=True)
        reader.start()
        from tests.conftest import wait_for

        rating = [5.0]

        def heard_an_edit() -> bool:
            rating[0] = 10.0 - rating[0]
            assert run(cli, env, "edit", movie_id, "--rating", str(rating[0])).returncode == 0
            return any({"action": "edited", "movieId": movie_id} in m["changes"] for m in list(lines))

        wait_for(heard_an_edit, timeout=60, interval=1.0)
        assert run(cli, env, "delete", movie_id, "--yes").returncode == 0
        wait_for(lambda: any({"action": "deleted", "movieId": movie_id} in m["changes"] for m in list(lines)), timeout=30)
        assert all(m["type"] == "libraryChanged" for m in lines)
    finally:
        watcher.terminate()
        watcher.wait(30)
