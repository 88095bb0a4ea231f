"""src/settings: one object per process, validated at a handler's cold start; a missing or malformed
variable fails naming it, and a changed environment (tests, the local stack) is picked up."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_function_without_its_queue_url_fails_at_init_naming_it(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{ROOT / 'src'}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "REQUESTS_TABLE": "requests",
        "ADD_LIMITS_TABLE": "limits",
        "POWERTOOLS_SERVICE_NAME": "unit",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import handlers.write_api"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SettingsError: This function cannot start without ADD_QUEUE_URL (the add queue's URL)." in result.stderr


def test_a_malformed_number_fails_naming_its_variable() -> None:
    with pytest.raises(settings.SettingsError, match="ADDS_PER_USER_PER_MINUTE must be a whole number"):
        settings.Settings.from_env({"ADDS_PER_USER_PER_MINUTE": "sixty"})


def test_defaults_and_empty_values() -> None:
    built = settings.Settings.from_env({"DATABASE_URL": "", "SIGN_UP_ALLOWED_DOMAINS": " Example.com, ,b.org"})
    assert (built.database_url, built.db_port, built.db_name, built.allowed_origin) == ("", 5432, "movies", "*")
    assert built.sign_up_allowed_domains == frozenset({"example.com", "b.org"})
    with pytest.raises(settings.SettingsError, match="ADD_QUEUE_URL is not set"):
        built.need("add_queue_url")


def test_the_settings_are_built_once_and_again_when_the_environment_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADDS_PER_USER_PER_DAY", "7")
    first = settings.current()
    assert first is settings.current() and first.adds_per_user_per_day == 7
    monkeypatch.setenv("ADDS_PER_USER_PER_DAY", "8")
    assert settings.current().adds_per_user_per_day == 8
    assert settings.reload() is settings.current()


def test_every_handler_imports_with_the_unit_placeholders() -> None:
    for name in ("write_api", "process_adds", "dead_letters", "notify", "websocket", "ws_authorizer", "read_api"):
        importlib.import_module(f"handlers.{name}")


def test_the_etl_fails_at_start_naming_a_malformed_variable() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "ETL_CONCURRENCY": "many"}
    result = subprocess.run(
        [sys.executable, "-m", "etl_task", "--help"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SettingsError: ETL_CONCURRENCY must be a whole number, got 'many'" in result.stderr


def test_the_etl_settings_give_the_command_lines_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from etl_task import settings as etl_settings
    from etl_task.__main__ import parse_args

    monkeypatch.setenv("ETL_WALK_EVERY", "3")
    monkeypatch.setenv("DRIVE_REQUESTS_PER_SECOND", "20")
    args = parse_args(["--source", "folder", "--folder", "x"])
    assert (args.walk_every, args.concurrency, args.allow_empty) == (3, 16, False)
    assert etl_settings.current().drive_requests_per_second == 20.0
