"""The processor's error classifier, judged on exceptions the real database and real clients raise:
transient faults are retried, everything else is an outcome reported at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import boto3
import psycopg2
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from psycopg2 import sql

from data import db as data_db
from data.faults import is_transient
from domain import movie_rules as normalize
from domain.errors import Unavailable


def _raised(action: Callable[[], object]) -> BaseException:
    try:
        action()
    except BaseException as exc:  # the exception is the result under test
        return exc
    raise AssertionError("nothing was raised")


@pytest.fixture()
def scratch(db) -> Iterator[str]:
    name = f"classifier_{uuid.uuid4().hex[:8]}"
    with db.cursor() as cur:
        table = sql.Identifier(name)
        cur.execute(sql.SQL("CREATE TABLE {t} (id int PRIMARY KEY, n int CHECK (n >= 0), t varchar(3))").format(t=table))
        cur.execute(sql.SQL("INSERT INTO {t} VALUES (1, 1, 'a'), (2, 2, 'b')").format(t=sql.Identifier(name)))
    yield name
    with db.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE {t}").format(t=sql.Identifier(name)))


def _run(stack, *statements: str, params: tuple = ()) -> None:
    """Run statements in one transaction on a fresh connection (the last one gets `params`)."""
    conn = psycopg2.connect(stack.database_url)
    try:
        with conn, conn.cursor() as cur:
            for sql in statements[:-1]:
                cur.execute(sql)
            cur.execute(statements[-1], params or None)
    finally:
        conn.close()


_OVERSIZED_INDEX_ROW = (
    "CREATE TEMP TABLE big (v text) ON COMMIT DROP",
    "CREATE INDEX ON big (v)",
    "INSERT INTO big SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400)",
)


# --- transient: retrying later can succeed ---------------------------------------------------


def test_connection_refused_is_transient() -> None:
    exc = _raised(lambda: psycopg2.connect("postgresql://nobody@127.0.0.1:1/none", connect_timeout=2))
    assert isinstance(exc, psycopg2.OperationalError) and is_transient(exc)


def test_admin_shutdown_of_the_session_is_transient(stack, db) -> None:
    victim = psycopg2.connect(stack.database_url, application_name="classifier-victim")
    try:
        with db.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'classifier-victim'")
        exc = _raised(lambda: victim.cursor().execute("SELECT 1"))
        assert isinstance(exc, psycopg2.OperationalError)
        assert exc.pgcode in (None, "57P01") and is_transient(exc)  # admin_shutdown, or the reset it causes
    finally:
        victim.close()


def test_connection_reset_by_a_dead_server_is_transient(stack) -> None:
    # data.db wraps a lost connection in Unavailable; the classifier looks at what it wrapped.
    conn = psycopg2.connect(stack.database_url)
    conn.close()
    exc = _raised(lambda: conn.cursor())
    assert isinstance(exc, psycopg2.InterfaceError) and is_transient(exc)
    try:
        raise Unavailable("The database is unavailable; please retry shortly.") from exc
    except Unavailable as wrapped:
        assert is_transient(wrapped)


def test_statement_timeout_is_transient(stack) -> None:
    exc = _raised(lambda: _run(stack, "SET LOCAL statement_timeout = 10", "SELECT pg_sleep(1)"))
    assert exc.pgcode == "57014" and is_transient(exc)  # query_canceled


def test_serialization_failure_is_transient(stack, scratch: str) -> None:
    first = psycopg2.connect(stack.database_url)
    second = psycopg2.connect(stack.database_url)
    for conn in (first, second):
        conn.set_session(isolation_level="SERIALIZABLE")
    try:
        with first.cursor() as a, second.cursor() as b:
            a.execute(sql.SQL("SELECT sum(n) FROM {t}").format(t=sql.Identifier(scratch)))
            b.execute(sql.SQL("SELECT sum(n) FROM {t}").format(t=sql.Identifier(scratch)))
            a.execute(sql.SQL("UPDATE {t} SET n = n + 1 WHERE id = 1").format(t=sql.Identifier(scratch)))
            b.execute(sql.SQL("UPDATE {t} SET n = n + 1 WHERE id = 2").format(t=sql.Identifier(scratch)))
            first.commit()
            exc = _raised(second.commit)
        assert exc.pgcode == "40001" and is_transient(exc)
    finally:
        first.close()
        second.close()


def test_deadlock_is_transient(stack, scratch: str) -> None:
    first = psycopg2.connect(stack.database_url)
    second = psycopg2.connect(stack.database_url)
    errors: list[BaseException] = []
    try:
        a, b = first.cursor(), second.cursor()
        a.execute(sql.SQL("UPDATE {t} SET n = 5 WHERE id = 1").format(t=sql.Identifier(scratch)))
        b.execute(sql.SQL("UPDATE {t} SET n = 5 WHERE id = 2").format(t=sql.Identifier(scratch)))

        def cross(cur, row: int) -> None:
            try:
                cur.execute(sql.SQL("UPDATE {t} SET n = 6 WHERE id = %s").format(t=sql.Identifier(scratch)), (row,))
            except psycopg2.Error as exc:
                errors.append(exc)
                cur.connection.rollback()

        thread = threading.Thread(target=cross, args=(a, 2))
        thread.start()
        cross(b, 1)
        thread.join(30)
        assert [e.pgcode for e in errors] == ["40P01"] and is_transient(errors[0])
    finally:
        first.close()
        second.close()


def test_aws_outage_and_throttling_are_transient(stack) -> None:
    closed = boto3.client(
        "dynamodb", endpoint_url="http://127.0.0.1:1", config=Config(retries={"max_attempts": 1}, connect_timeout=1)
    )
    assert is_transient(_raised(closed.list_tables))
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "PutItem"
    )
    assert is_transient(throttled)


# --- permanent: the same message would fail the same way every time ----------------------------


def test_nul_in_text_is_not_transient(stack) -> None:
    exc = _raised(lambda: _run(stack, "SELECT %s::text", params=("Nul\x00Byte",)))
    assert isinstance(exc, ValueError) and not is_transient(exc)


def test_check_violation_is_not_transient(stack, scratch: str) -> None:
    exc = _raised(lambda: _run(stack, sql.SQL("INSERT INTO {t} VALUES (3, -1, 'c')").format(t=sql.Identifier(scratch))))
    assert exc.pgcode == "23514" and not is_transient(exc)


def test_unique_violation_is_not_transient(stack, scratch: str) -> None:
    exc = _raised(lambda: _run(stack, sql.SQL("INSERT INTO {t} VALUES (1, 1, 'c')").format(t=sql.Identifier(scratch))))
    assert exc.pgcode == "23505" and not is_transient(exc)


def test_data_errors_are_not_transient(stack, scratch: str) -> None:
    too_long = _raised(lambda: _run(stack, sql.SQL("INSERT INTO {t} VALUES (3, 1, 'abcd')").format(t=sql.Identifier(scratch))))
    overflow = _raised(lambda: _run(stack, "SELECT %s::numeric(3,1)", params=(1000,)))
    bad_encoding = _raised(lambda: _run(stack, "SELECT convert_from('\\xff'::bytea, 'UTF8')"))
    assert [too_long.pgcode, overflow.pgcode, bad_encoding.pgcode] == ["22001", "22003", "22021"]
    assert not any(map(is_transient, (too_long, overflow, bad_encoding)))


def test_program_limit_is_not_transient_though_psycopg2_calls_it_operational(stack) -> None:
    exc = _raised(lambda: _run(stack, *_OVERSIZED_INDEX_ROW))
    assert isinstance(exc, psycopg2.OperationalError) and exc.pgcode == "54000"  # index row too large
    assert not is_transient(exc)

    def oversized(cur) -> None:
        for statement in _OVERSIZED_INDEX_ROW:
            cur.execute(statement)

    wrapped = _raised(lambda: data_db.run(oversized))  # data.db calls it Unavailable: look inside
    assert isinstance(wrapped, Unavailable) and not is_transient(wrapped)


def test_older_schema_and_malformed_input_are_not_transient(stack) -> None:
    missing_column = _raised(lambda: _run(stack, "SELECT director FROM movies LIMIT 1"))
    assert missing_column.pgcode == "42703" and not is_transient(missing_column)
    assert not is_transient(_raised(lambda: normalize.text("title", "A\x00", 255)))
    assert not is_transient(KeyError("movie"))
    rejected = ClientError(
        {"Error": {"Code": "ValidationException", "Message": "bad item"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "PutItem"
    )
    assert not is_transient(rejected)
