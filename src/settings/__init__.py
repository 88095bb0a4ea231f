"""The functions' settings: every environment variable src/ reads, read here only, typed and validated.

Built once at cold start: each handler module calls `require(...)` at import with the variables its
function cannot run without, so a function deployed without, say, ADD_QUEUE_URL fails at init naming it
(and a malformed number fails naming its variable), not on its first request. `current()` hands the one
object to every layer. The environment of a Lambda never changes, so it is built once; should the
environment change in this process (tests setting a variable per call, the local stack's per-test
overrides, which AWS would roll out as new execution environments), `current()` rebuilds it, and
`reload()` rebuilds it explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SECRET_CACHE_SECONDS = 300


class SettingsError(RuntimeError):
    """A variable is missing or malformed; the message names it."""


# Each setting's variable and what it is for (named in errors).
_VARIABLES: dict[str, tuple[str, str]] = {
    "database_url": ("DATABASE_URL", "a PostgreSQL URL (local); wins over the DB_* variables"),
    "db_secret_arn": ("DB_SECRET_ARN", "the RDS-managed secret of the database login"),
    "db_host": ("DB_HOST", "the database host"),
    "db_port": ("DB_PORT", "the database port"),
    "db_name": ("DB_NAME", "the database name"),
    "db_sslmode": ("DB_SSLMODE", "libpq's sslmode"),
    "db_sslrootcert": ("DB_SSLROOTCERT", "the CA bundle that verifies the database"),
    "db_iam_user": ("DB_IAM_USER", "the database user that signs in with an IAM token"),
    "secret_cache_seconds": ("SECRET_CACHE_SECONDS", "how long a secret read is reused"),
    "cognito_issuer": ("COGNITO_ISSUER", "the id tokens' issuer"),
    "cognito_user_pool_id": ("COGNITO_USER_POOL_ID", "the Cognito user pool"),
    "cognito_jwks_url": ("COGNITO_JWKS_URL", "where the pool's signing keys are served"),
    "cognito_client_id": ("COGNITO_CLIENT_ID", "the app client the id tokens are for"),
    "add_queue_url": ("ADD_QUEUE_URL", "the add queue's URL"),
    "requests_table": ("REQUESTS_TABLE", "the add requests table"),
    "add_limits_table": ("ADD_LIMITS_TABLE", "the per-user add limits table"),
    "connections_table": ("CONNECTIONS_TABLE", "the WebSocket connections table"),
    "library_events_table": ("LIBRARY_EVENTS_TABLE", "the library change notices (libraryChanged)"),
    "ws_management_endpoint": ("WS_MANAGEMENT_ENDPOINT", "the WebSocket API's @connections endpoint"),
    "adds_per_user_per_minute": ("ADDS_PER_USER_PER_MINUTE", "adds one user may make per minute"),
    "adds_per_user_per_day": ("ADDS_PER_USER_PER_DAY", "adds one user may make per UTC day"),
    "sockets_per_user": ("SOCKETS_PER_USER", "WebSockets one user may hold open at once"),
    "add_retry_first_delay_seconds": ("ADD_RETRY_FIRST_DELAY_SECONDS", "the first retry delay of a failed add"),
    "add_retry_max_delay_seconds": ("ADD_RETRY_MAX_DELAY_SECONDS", "the longest retry delay of a failed add"),
    "allowed_origin": ("ALLOWED_ORIGIN", "the UI's origin (CORS)"),
    "sign_up_allowed_domains": ("SIGN_UP_ALLOWED_DOMAINS", "the e-mail domains that may sign up"),
}
_NAMES = ("AWS_REGION", "AWS_DEFAULT_REGION", *(variable for variable, _ in _VARIABLES.values()))


@dataclass(frozen=True)
class Settings:
    """ "" means unset: the template declares some variables empty (for `sam local invoke --env-vars`)."""

    region: str
    database_url: str
    db_secret_arn: str
    db_host: str
    db_port: int
    db_name: str
    db_sslmode: str
    db_sslrootcert: str
    db_iam_user: str
    secret_cache_seconds: int
    cognito_issuer: str
    cognito_user_pool_id: str
    cognito_jwks_url: str
    cognito_client_id: str
    add_queue_url: str
    requests_table: str
    add_limits_table: str
    connections_table: str
    library_events_table: str
    ws_management_endpoint: str
    adds_per_user_per_minute: int
    adds_per_user_per_day: int
    sockets_per_user: int
    add_retry_first_delay_seconds: int
    add_retry_max_delay_seconds: int
    allowed_origin: str
    sign_up_allowed_domains: frozenset[str]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def text(field: str, default: str = "") -> str:
            return env.get(_VARIABLES[field][0]) or default

        def number(field: str, default: int) -> int:
            raw = text(field)
            try:
                return int(raw) if raw else default
            except ValueError:
                raise SettingsError(
                    f"{_VARIABLES[field][0]} must be a whole number ({_VARIABLES[field][1]}), got {raw[:40]!r}"
                ) from None

        domains = frozenset(d.strip().lower() for d in text("sign_up_allowed_domains").split(",") if d.strip())
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            database_url=text("database_url"),
            db_secret_arn=text("db_secret_arn"),
            db_host=text("db_host"),
            db_port=number("db_port", 5432),
            db_name=text("db_name", "movies"),
            db_sslmode=text("db_sslmode", "verify-full"),
            db_sslrootcert=text("db_sslrootcert"),
            db_iam_user=text("db_iam_user"),
            secret_cache_seconds=number("secret_cache_seconds", DEFAULT_SECRET_CACHE_SECONDS),
            cognito_issuer=text("cognito_issuer"),
            cognito_user_pool_id=text("cognito_user_pool_id"),
            cognito_jwks_url=text("cognito_jwks_url"),
            cognito_client_id=text("cognito_client_id"),
            add_queue_url=text("add_queue_url"),
            requests_table=text("requests_table"),
            add_limits_table=text("add_limits_table"),
            connections_table=text("connections_table"),
            library_events_table=text("library_events_table"),
            ws_management_endpoint=text("ws_management_endpoint"),
            adds_per_user_per_minute=number("adds_per_user_per_minute", 60),
            adds_per_user_per_day=number("adds_per_user_per_day", 1000),
            sockets_per_user=number("sockets_per_user", 5),
            add_retry_first_delay_seconds=number("add_retry_first_delay_seconds", 10),
            add_retry_max_delay_seconds=number("add_retry_max_delay_seconds", 300),
            allowed_origin=text("allowed_origin", "*"),
            sign_up_allowed_domains=domains,
        )

    def need(self, field: str) -> str:
        """A setting the caller cannot do without, or a SettingsError naming its variable."""
        value = getattr(self, field)
        if not value:
            variable, purpose = _VARIABLES[field]
            raise SettingsError(f"{variable} is not set ({purpose})")
        return str(value)


_built: tuple[tuple[str | None, ...], Settings] | None = None


def _fingerprint() -> tuple[str | None, ...]:
    return tuple(os.environ.get(name) for name in _NAMES)


def reload() -> Settings:
    """Build the settings from the environment now (tests that change a variable may call it; current() also
    notices a changed environment by itself)."""
    global _built
    fingerprint = _fingerprint()
    _built = (fingerprint, Settings.from_env(os.environ))
    return _built[1]


def current() -> Settings:
    """The settings, built at cold start (or when the environment has changed since)."""
    if _built is None or _built[0] != _fingerprint():
        return reload()
    return _built[1]


def require(*fields: str) -> Settings:
    """For a handler module at import (its cold start): fail now, naming each missing variable."""
    settings = current()
    missing = [f"{_VARIABLES[f][0]} ({_VARIABLES[f][1]})" for f in fields if not getattr(settings, f)]
    if missing:
        raise SettingsError("This function cannot start without " + ", ".join(missing) + ".")
    return settings
