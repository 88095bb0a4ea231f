"""One PostgreSQL connection per process, reused across invocations and replaced after a failure."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg2
import psycopg2.extensions

from data import config, db_auth
from domain.errors import Unavailable

T = TypeVar("T")
Cursor = psycopg2.extensions.cursor

_local = threading.local()  # Lambda runs one invocation per process; locally, one per thread.
_CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


_LOGIN_REFUSED = ("password authentication failed", "PAM authentication failed")


def connect(**kwargs: Any) -> psycopg2.extensions.connection:
    """psycopg2.connect with the configured DSN (db_auth: local URL, IAM token or managed secret). The secret
    rotates (every 7 days) while a warm process still holds the old password: when the login is refused, read
    the secret again and retry once (with IAM auth the retry simply signs a fresh token)."""
    conn: psycopg2.extensions.connection  # **kwargs of Any leave the connect overload undecided
    try:
        conn = psycopg2.connect(db_auth.dsn(), **kwargs)
        return conn
    except psycopg2.OperationalError as exc:
        if not any(text in str(exc) for text in _LOGIN_REFUSED):
            raise
    config.forget_secrets()
    conn = psycopg2.connect(db_auth.dsn(), **kwargs)
    return conn


def _connect() -> psycopg2.extensions.connection:
    try:
        return connect(connect_timeout=3, application_name="movie-library")
    except _CONNECTION_ERRORS as exc:
        raise Unavailable("The database is unavailable; please retry shortly.") from exc


def reset() -> None:
    conn = getattr(_local, "conn", None)
    _local.conn = None
    if conn is not None and not conn.closed:
        conn.close()


def run(work: Callable[[psycopg2.extensions.cursor], T]) -> T:
    """Run `work` in one transaction. A stale reused connection is replaced and the work retried once."""
    return _on_connection(work, autocommit=False)


def read(work: Callable[[psycopg2.extensions.cursor], T]) -> T:
    """Run read-only `work` one statement at a time (autocommit): no BEGIN and COMMIT round trips around it.
    Under READ COMMITTED (the default, never changed here) a transaction gives each statement its own
    snapshot anyway, so the answers are the same; work that needs SET LOCAL or one snapshot uses run()."""
    return _on_connection(work, autocommit=True)


def _on_connection(work: Callable[[psycopg2.extensions.cursor], T], autocommit: bool) -> T:
    for attempt in (1, 2):
        conn: psycopg2.extensions.connection | None = getattr(_local, "conn", None)
        fresh = conn is None or conn.closed
        if conn is None or fresh:
            conn = _local.conn = _connect()
        try:
            conn.autocommit = autocommit  # between transactions: no round trip
            if autocommit:  # not `with conn`: since psycopg2 2.9 it opens a transaction even in autocommit
                with conn.cursor() as cur:
                    return work(cur)
            with conn, conn.cursor() as cur:
                return work(cur)
        except _CONNECTION_ERRORS as exc:
            reset()
            if fresh or attempt == 2:
                raise Unavailable("The database is unavailable; please retry shortly.") from exc
    raise AssertionError("unreachable")


def one_row(cur: Cursor) -> tuple[Any, ...]:
    """The row of a statement that always returns exactly one (INSERT … RETURNING, an aggregate)."""
    row = cur.fetchone()
    if row is None:
        raise psycopg2.ProgrammingError("the statement returned no row")
    return row
