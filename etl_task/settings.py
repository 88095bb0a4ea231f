"""The ETL task's settings: every environment variable etl_task/ reads, read here only, typed and validated.

main() builds them first, so a malformed number fails the task at start naming its variable. The database
login comes from the functions' settings (src/settings, read by data/config), which the image ships too.
As there, `current()` rebuilds on a changed environment (tests set variables per call) and `reload()` on demand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_NAMES = (
    "LOG_LEVEL",
    "ETL_SOURCE",
    "ETL_FOLDER",
    "DRIVE_FOLDER_ID",
    "ETL_ALLOW_EMPTY",
    "ETL_WALK_EVERY",
    "ETL_LEASE_SECONDS",
    "ETL_BATCH_SIZE",
    "ETL_CONCURRENCY",
    "ETL_QUARANTINE_FILE",
    "ETL_RECONNECTS",
    "ETL_PROGRESS_SECONDS",
    "DRIVE_API_ENDPOINT",
    "DRIVE_REQUESTS_PER_SECOND",
    "DRIVE_BACKOFF_SECONDS",
    "DRIVE_MAX_TRIES",
    "DRIVE_FOLDER_RESOURCE_KEY",
    "DRIVE_CREDENTIALS_SECRET",
    "DRIVE_CREDENTIALS_FILE",
    "DRIVE_TOKEN_URI",
    "ETL_EVENTS_TABLE",
    "ETL_LIVE_SECONDS",
    "ETL_ALLOW_DELETIONS",
    "ETL_MAX_DELETE_SHARE",
    "ETL_MAX_DELETE_ROWS",
    "DRIVE_IMPERSONATE",
)


class SettingsError(ValueError):
    """A variable is malformed; the message names it."""


@dataclass(frozen=True)
class EtlSettings:
    """None: unset (or empty). The command line's flags default to these."""

    log_level: str
    source: str
    folder: str | None
    folder_id: str | None
    allow_empty: bool
    walk_every: int
    lease_seconds: float
    batch_size: int
    concurrency: int
    quarantine_file: str | None
    reconnects: int
    progress_seconds: float
    drive_api_endpoint: str | None
    drive_requests_per_second: float | None  # None: etl_task.drive's default
    drive_backoff_seconds: float
    drive_max_tries: int
    drive_folder_resource_key: str | None
    drive_credentials_secret: str | None
    drive_credentials_file: str | None
    drive_token_uri: str | None
    events_table: str | None  # None: no live progress messages
    live_seconds: float
    allow_deletions: bool  # apply removals beyond the limits below (after a held run)
    max_delete_share: float  # a run removing more than this share of the library is held
    max_delete_rows: int  # ... or more than this many movies
    drive_impersonate: str | None  # domain-wide delegation: the user a service account acts as

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EtlSettings:
        def text(name: str) -> str | None:
            return env.get(name) or None

        def whole(name: str, default: int) -> int:
            raw = env.get(name) or ""
            try:
                return int(raw) if raw else default
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, got {raw[:40]!r}") from None

        def real(name: str, default: float) -> float:
            raw = env.get(name) or ""
            try:
                return float(raw) if raw else default
            except ValueError:
                raise SettingsError(f"{name} must be a number, got {raw[:40]!r}") from None

        per_second = env.get("DRIVE_REQUESTS_PER_SECOND") or ""
        return cls(
            log_level=env.get("LOG_LEVEL", "INFO"),
            source=env.get("ETL_SOURCE", "folder"),
            folder=env.get("ETL_FOLDER"),
            folder_id=env.get("DRIVE_FOLDER_ID"),
            allow_empty=env.get("ETL_ALLOW_EMPTY") == "true",
            walk_every=whole("ETL_WALK_EVERY", 10),
            lease_seconds=real("ETL_LEASE_SECONDS", 60),
            batch_size=whole("ETL_BATCH_SIZE", 1000),
            concurrency=whole("ETL_CONCURRENCY", 16),
            quarantine_file=env.get("ETL_QUARANTINE_FILE"),
            reconnects=whole("ETL_RECONNECTS", 5),
            progress_seconds=real("ETL_PROGRESS_SECONDS", 5),
            drive_api_endpoint=text("DRIVE_API_ENDPOINT"),
            drive_requests_per_second=real("DRIVE_REQUESTS_PER_SECOND", 0) if per_second else None,
            drive_backoff_seconds=real("DRIVE_BACKOFF_SECONDS", 1.0),
            drive_max_tries=whole("DRIVE_MAX_TRIES", 6),
            drive_folder_resource_key=text("DRIVE_FOLDER_RESOURCE_KEY"),
            drive_credentials_secret=text("DRIVE_CREDENTIALS_SECRET"),
            drive_credentials_file=text("DRIVE_CREDENTIALS_FILE"),
            drive_token_uri=text("DRIVE_TOKEN_URI"),
            events_table=text("ETL_EVENTS_TABLE"),
            live_seconds=real("ETL_LIVE_SECONDS", 3),
            allow_deletions=env.get("ETL_ALLOW_DELETIONS") == "true",
            max_delete_share=real("ETL_MAX_DELETE_SHARE", 0.10),
            max_delete_rows=whole("ETL_MAX_DELETE_ROWS", 10_000),
            drive_impersonate=text("DRIVE_IMPERSONATE"),
        )


_built: tuple[tuple[str | None, ...], EtlSettings] | None = None


def reload() -> EtlSettings:
    """Build the settings from the environment now."""
    global _built
    _built = (tuple(os.environ.get(name) for name in _NAMES), EtlSettings.from_env(os.environ))
    return _built[1]


def current() -> EtlSettings:
    """The settings, built once (and again if the environment has changed since)."""
    if _built is None or _built[0] != tuple(os.environ.get(name) for name in _NAMES):
        return reload()
    return _built[1]
