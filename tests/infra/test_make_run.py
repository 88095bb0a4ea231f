"""`make run`'s program: starts everything, prints how to sign in, stops cleanly, restarts with the data kept."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]


def _start(state: Path) -> tuple[subprocess.Popen, list[str], float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**_clean_env(), "LOCAL_STATE_DIR": str(state), "PORT": "0"},
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl-C" in line:
            return proc, lines, time.monotonic() - started
    proc.kill()
    raise AssertionError("make run did not become ready:\n" + "".join(lines))


def _clean_env() -> dict[str, str]:
    """The environment of a new terminal: nothing from the test session's own stack."""
    from local.stack import stack_env_keys

    return {k: v for k, v in os.environ.items() if k not in stack_env_keys()}


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)


def _postgres_for(state: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if "postgres" in (p.info["name"] or "") and str(state) in " ".join(p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            continue
    return found


def _curl(output: str) -> tuple[str, str]:
    """The banner's curl line, run as a person would: the token its command prints, and the URL. The banner
    itself holds no token (review 22)."""
    assert "eyJ" not in output, "make run printed a live token"
    url = re.search(r"""curl -s -H "Authorization: Bearer \$\(\.venv/bin/python -m local\.token\)" '(\S+)'""", output).group(1)
    printed = subprocess.run(
        [sys.executable, "-m", "local.token", "--url", url.split("/api/")[0]],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return printed.stdout.strip(), url


def test_run_prints_a_working_curl_stops_cleanly_and_keeps_data() -> None:
    state = ROOT / ".local" / "test" / f"run-{os.getpid()}"
    shutil.rmtree(state, ignore_errors=True)
    try:
        proc, lines, _ = _start(state)
        output = "".join(lines)
        assert "demo@example.com" in output and "Demo-Passw0rd!" in output
        assert "Loaded the sample library" in output and '"movies_new": 32' in output
        token, url = _curl(output)
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()["totalMovies"] == 32
        _stop(proc)
        assert proc.returncode == 0
        assert not _postgres_for(state), "PostgreSQL still running after Ctrl-C"

        proc, lines, seconds = _start(state)
        output = "".join(lines)
        print(f"second start ready in {seconds:.2f}s")
        assert "Loaded the sample library" not in output  # the data was kept
        token, url = _curl(output)
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()["totalMovies"] == 32
        _stop(proc)
        assert not _postgres_for(state)
    finally:
        for p in _postgres_for(state):
            p.kill()
        shutil.rmtree(state, ignore_errors=True)


def test_invoke_runs_one_function_on_a_sample_event_like_sam_local_invoke() -> None:
    state = ROOT / ".local" / "test" / f"invoke-{os.getpid()}"
    shutil.rmtree(state, ignore_errors=True)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "local.invoke", "ReadApiFunction", "events/read_api_genres.json"],
            cwd=ROOT,
            env={**_clean_env(), "LOCAL_STATE_DIR": str(state)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout[done.stdout.index('{\n  "statusCode"') :])
        assert result["statusCode"] == 200
        assert len(json.loads(result["body"])["genres"]) == 13  # the bundled sample library
        unknown = subprocess.run(
            [sys.executable, "-m", "local.invoke", "NoSuchFunction", "events/ws_ping.json"],
            cwd=ROOT,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert unknown.returncode == 2 and "ReadApiFunction" in unknown.stderr
    finally:
        for p in _postgres_for(state):
            p.kill()
        shutil.rmtree(state, ignore_errors=True)


def test_database_url_points_the_whole_stack_at_another_server() -> None:
    from local.postgres import EmbeddedPostgres

    other = EmbeddedPostgres(ROOT / ".local" / "test" / f"other-pg-{os.getpid()}", delete_on_stop=True)
    url = other.start()
    state = ROOT / ".local" / "test" / f"run-url-{os.getpid()}"
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "local.stack"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**_clean_env(), "LOCAL_STATE_DIR": str(state), "PORT": "0", "DATABASE_URL": url},
        )
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        output = "".join(lines)
        token, api = _curl(output)
        assert httpx.get(api, headers={"Authorization": f"Bearer {token}"}).json()["totalMovies"] == 32
        _stop(proc)
        assert not (state / "pg").exists(), "no embedded server of its own when DATABASE_URL is set"
        import psycopg2

        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM movies")
            assert cur.fetchone()[0] == 32  # the rows went to the other server
        conn.close()
    finally:
        other.stop()
        shutil.rmtree(state, ignore_errors=True)


def test_run_on_a_taken_port_says_so_in_one_line_and_exits_cleanly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "local.stack"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**_clean_env(), "LOCAL_STATE_DIR": str(tmp_path), "PORT": str(port)},
        )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"127.0.0.1:{port} is already in use" in output and f"PORT={port + 1} make run" in output, output
    assert "Traceback" not in output and "never retrieved" not in output, output
    assert len(output.strip().splitlines()) == 1, output
    assert not _postgres_for(tmp_path)
