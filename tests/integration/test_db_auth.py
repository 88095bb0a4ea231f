"""Database auth of the request-path functions: an RDS IAM token signed locally by botocore, TLS verify-full
against the shipped RDS CA bundle, and a least-privilege role (migration 0008) checked on real PostgreSQL."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import socket
import ssl
import threading
from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlsplit

import psycopg2
import psycopg2.errors
import pytest
from psycopg2.extensions import parse_dsn

from data import db_auth

HOST = "movies.c9akciq32.us-east-1.rds.amazonaws.com"
# Any strings sign: the signature is checked by recomputing it, never by AWS.
KEY_ID, SECRET = "test-access-key-id", "test-secret-access-key-for-signing"


@pytest.fixture()
def lambda_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The read API's environment in AWS (template.yaml), with role credentials as Lambda provides them."""
    for name in ("DATABASE_URL", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_PROFILE", "DB_SECRET_ARN", "DB_SSLROOTCERT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "DB_HOST": HOST,
        "DB_NAME": "movies",
        "DB_IAM_USER": "movie_app",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    db_auth._rds.cache_clear()
    yield
    db_auth._rds.cache_clear()


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    attempts: list = []
    me, real_connect = threading.get_ident(), socket.socket.connect

    def refuse(self: socket.socket, address: object) -> None:
        if threading.get_ident() != me:  # a local stack's pollers may be running in this process
            return real_connect(self, address)
        attempts.append(address)
        raise OSError("no network in this test: the token must be signed locally")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield attempts


def _sigv4_query_signature(token: str, secret: str) -> str:
    """SigV4 for a presigned GET, computed here independently of botocore (AWS's documented algorithm)."""
    parts = urlsplit(f"https://{token}")
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params))
    host = parts.netloc
    canonical = "\n".join(["GET", "/", query, f"host:{host}\n", "host", hashlib.sha256(b"").hexdigest()])
    fields = dict(params)
    date, scope = fields["X-Amz-Date"], fields["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_token_is_signed_locally_for_the_app_user_and_tls_verifies_the_server(lambda_env, no_network) -> None:
    dsn = parse_dsn(db_auth.dsn())
    assert no_network == [], "building the token must not touch the network (no endpoint in the VPC)"
    assert (dsn["host"], dsn["port"], dsn["dbname"], dsn["user"]) == (HOST, "5432", "movies", "movie_app")
    assert dsn["sslmode"] == "verify-full"
    context = ssl.create_default_context(cafile=dsn["sslrootcert"])
    subjects = [dict(x[0] for x in cert["subject"]).get("commonName", "") for cert in context.get_ca_certs()]
    assert "Amazon RDS us-east-1 Root CA RSA2048 G1" in subjects and "Amazon RDS Root 2019 CA" in subjects
    assert "Amazon Root CA 1" in subjects, "RDS Proxy endpoints use Amazon Trust Services certificates"

    token = dsn["password"]
    assert token.startswith(f"{HOST}:5432/?")
    fields = dict(parse_qsl(urlsplit(f"https://{token}").query))
    assert fields["Action"] == "connect" and fields["DBUser"] == "movie_app"
    assert fields["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and fields["X-Amz-Expires"] == "900"
    today = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
    assert fields["X-Amz-Credential"] == f"{KEY_ID}/{today}/us-east-1/rds-db/aws4_request"
    assert fields["X-Amz-Signature"] == _sigv4_query_signature(token, SECRET), "not a valid SigV4 signature"


def test_ca_bundle_path_is_configurable(lambda_env, no_network, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text(db_auth.RDS_CA_BUNDLE.read_text())
    monkeypatch.setenv("DB_SSLROOTCERT", str(bundle))
    assert parse_dsn(db_auth.dsn())["sslrootcert"] == str(bundle)


def test_locally_database_url_wins_over_iam(lambda_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/movies")
    assert db_auth.dsn() == "postgresql://postgres@127.0.0.1:5432/movies"


# --- the role itself, on real PostgreSQL ----------------------------------------------------------------


@pytest.fixture()
def app_conn(stack) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(stack.database_url, user="movie_app")  # local trust auth stands in for the token
    yield conn
    conn.rollback()
    conn.close()


def test_app_role_reads_and_writes_the_library(app_conn) -> None:
    with app_conn.cursor() as cur:
        cur.execute("SELECT current_user, count(*) FROM movies")
        assert cur.fetchone()[0] == "movie_app"
        cur.execute(
            "INSERT INTO movies (title, genre, rating, year) VALUES ('IAM Auth Check', 'Test', 5.0, 2020) RETURNING id"
        )  # the aggregate triggers run as this role too
        assert cur.fetchone()[0]
        cur.execute("UPDATE movies SET rating = 6.0 WHERE title = 'IAM Auth Check'")
        cur.execute("DELETE FROM movies WHERE title = 'IAM Auth Check'")


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE not_allowed (id int)",
        "DROP TABLE movies",
        "ALTER TABLE movies ADD COLUMN extra int",
        "TRUNCATE movies",
        "SELECT * FROM schema_migrations",
        "CREATE ROLE another",
    ],
)
def test_app_role_has_no_ddl_and_no_migration_table(app_conn, statement: str) -> None:
    with app_conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)
