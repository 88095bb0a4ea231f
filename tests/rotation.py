"""A login whose password lives in a Secrets Manager secret (moto), and its rotation, on the test stack's PostgreSQL.

This is the AWS path (DB_SECRET_ARN instead of DATABASE_URL): the embedded server is made to check passwords for
one role, and a rotation changes the role's password and the secret together, as RDS's managed rotation does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import psycopg2.extensions


@contextmanager
def secret_login(stack, db: psycopg2.extensions.connection, role: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Yields the secret's ARN and the environment that makes the product log in with it."""
    with db.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD 'first-Pass-1'")
        cur.execute("SHOW hba_file")
        hba = Path(cur.fetchone()[0])
    original = hba.read_text()
    hba.write_text(f"local all {role} scram-sha-256\nhost all {role} all scram-sha-256\n" + original)
    with db.cursor() as cur:
        cur.execute("SELECT pg_reload_conf()")
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"rds!db-{uuid.uuid4()}", SecretString=json.dumps({"username": role, "password": "first-Pass-1"})
    )["ARN"]
    dsn = psycopg2.extensions.parse_dsn(stack.database_url)
    env = {
        "DB_SECRET_ARN": arn,
        "DB_HOST": dsn.get("host", "localhost"),
        "DB_PORT": dsn.get("port", "5432"),
        "DB_NAME": dsn["dbname"],
        "DB_SSLMODE": "disable",
    }
    try:
        yield arn, env
    finally:
        hba.write_text(original)
        with db.cursor() as cur:
            cur.execute("SELECT pg_reload_conf()")
        drop_connections(db, role)
        with db.cursor() as cur:
            cur.execute(f"DROP ROLE IF EXISTS {role}")


def rotate(db: psycopg2.extensions.connection, arn: str, role: str, password: str) -> None:
    """The role's password and the secret change together; connections made before keep working until dropped."""
    with db.cursor() as cur:
        cur.execute(f"ALTER ROLE {role} PASSWORD %s", (password,))
    boto3.client("secretsmanager").put_secret_value(
        SecretId=arn, SecretString=json.dumps({"username": role, "password": password})
    )


def drop_connections(db: psycopg2.extensions.connection, role: str, application: str | None = None) -> int:
    with db.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s OR application_name = %s",
            (role, application),
        )
        return cur.fetchone()[0]
