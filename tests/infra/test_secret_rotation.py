"""Issue #10, finding 10: after the managed master secret rotates, warm functions fetch it again and reconnect.

The running local stack is switched to the AWS path (DB_SECRET_ARN in moto's Secrets Manager instead of
DATABASE_URL), its PostgreSQL is made to check passwords for a test role, and the password is changed while the
stack runs, as a rotation does: the secret gets the new value, the role the new password, and connections are
dropped (a new container or a recycled connection has to log in again).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import httpx
import psycopg2
import psycopg2.extensions
import pytest

from tests import rotation
from tests.rotation import drop_connections

ROLE = "rotating_app"


def _drop_function_connections(db: psycopg2.extensions.connection) -> None:
    drop_connections(db, ROLE, "movie-library")


@pytest.fixture
def secret_login(stack, db: psycopg2.extensions.connection, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The functions log in as ROLE with the password from a Secrets Manager secret (its ARN is yielded)."""
    with rotation.secret_login(stack, db, ROLE) as (arn, env):
        monkeypatch.delenv("DATABASE_URL")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        _drop_function_connections(db)
        try:
            yield arn
        finally:
            monkeypatch.undo()  # DATABASE_URL again, before the functions reconnect


def _logged_in_as_role(db: psycopg2.extensions.connection) -> bool:
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND application_name = 'movie-library'", (ROLE,))
        return cur.fetchone()[0] > 0


def test_10_functions_fetch_a_rotated_secret_again_and_reconnect(stack, token: str, db, secret_login: str) -> None:
    api = httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert api.get("/api/genres").status_code == 200
    assert _logged_in_as_role(db), "the function logged in with the secret's credentials"

    # Rotation: the secret and the role change together; connections made before it are gone.
    rotation.rotate(db, secret_login, ROLE, "second-Pass-2")
    _drop_function_connections(db)

    response = api.get("/api/genres")
    assert response.status_code == 200, response.text
    assert _logged_in_as_role(db)

    from handlers import migrate

    _drop_function_connections(db)
    rotation.rotate(db, secret_login, ROLE, "third-Pass-3")
    assert migrate.apply() == [], "the migration function re-reads the secret too (nothing pending)"


def test_10_a_wrong_password_in_the_secret_is_still_unavailable(stack, token: str, db, secret_login: str) -> None:
    api = httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret_login, SecretString=json.dumps({"username": ROLE, "password": "not-the-password"})
    )
    _drop_function_connections(db)
    response = api.get("/api/genres")
    assert response.status_code == 503 and response.json()["error"]["code"] == "UNAVAILABLE"
