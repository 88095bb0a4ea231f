"""Issue 17: secrets are read with Powertools parameters: a read is reused for SECRET_CACHE_SECONDS, and
forget_secrets() (a refused login, an ETL reconnect) or the end of that time makes the next read fetch again.
Calls are counted on the real client (moto's Secrets Manager) with a botocore event hook, not a stub."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from psycopg2.extensions import parse_dsn

from data import config
from data.aws_clients import secrets_manager
from tests.conftest import wait_for

EVENT = "provide-client-params.secrets-manager.GetSecretValue"


@pytest.fixture()
def fetches(stack) -> Iterator[list[str]]:
    """The SecretIds the product's Secrets Manager client asks for, in order."""
    seen: list[str] = []

    def count(params: dict, **_kwargs: object) -> None:
        seen.append(params["SecretId"])

    events = secrets_manager().meta.events
    events.register(EVENT, count)
    config.forget_secrets()
    yield seen
    events.unregister(EVENT, count)
    config.forget_secrets()


def _secret(password: str) -> tuple[str, str]:
    name = f"test/secret-cache-{uuid.uuid4()}"
    arn = boto3.client("secretsmanager").create_secret(
        Name=name, SecretString=json.dumps({"username": "cache_user", "password": password})
    )["ARN"]
    return arn, name


def _rotate(arn: str, password: str) -> None:
    boto3.client("secretsmanager").put_secret_value(
        SecretId=arn, SecretString=json.dumps({"username": "cache_user", "password": password})
    )


def test_a_secret_is_read_once_within_its_ttl_and_again_after_forget_secrets(
    fetches: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_CACHE_SECONDS", "300")
    arn, _name = _secret("first")
    monkeypatch.delenv("DATABASE_URL")
    for key, value in {"DB_SECRET_ARN": arn, "DB_HOST": "db.example", "DB_NAME": "movies"}.items():
        monkeypatch.setenv(key, value)

    assert parse_dsn(config.database_dsn())["password"] == "first"
    assert config.read_secret(arn)["password"] == "first"
    assert fetches == [arn]  # the second read came from the cache

    _rotate(arn, "second")
    assert config.read_secret(arn)["password"] == "first" and fetches == [arn]  # within the TTL: no new call
    config.forget_secrets()  # what db.connect does when the database refuses the cached password
    dsn = parse_dsn(config.database_dsn())
    assert (dsn["user"], dsn["password"]) == ("cache_user", "second") and fetches == [arn, arn]


def test_a_secret_is_fetched_again_once_its_ttl_has_passed(fetches: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_CACHE_SECONDS", "1")
    arn, _name = _secret("first")
    assert config.read_secret(arn)["password"] == "first" and len(fetches) == 1
    _rotate(arn, "rotated")
    assert wait_for(lambda: config.read_secret(arn)["password"] == "rotated", timeout=10)
    assert len(fetches) >= 2


def test_the_cache_time_defaults_to_five_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_CACHE_SECONDS", raising=False)
    assert config.secret_cache_seconds() == 300


def test_24_21_the_secret_based_dsn_verifies_the_server_by_default(fetches: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Review finding 21: without DB_SSLMODE the secret's DSN was sslmode=require (encrypted, server unverified)."""
    arn, _name = _secret("pw")
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("DB_SSLMODE", raising=False)
    monkeypatch.delenv("DB_SSLROOTCERT", raising=False)
    for key, value in {"DB_SECRET_ARN": arn, "DB_HOST": "db.example", "DB_NAME": "movies"}.items():
        monkeypatch.setenv(key, value)
    dsn = parse_dsn(config.database_dsn())
    assert dsn["sslmode"] == "verify-full"
    assert dsn["sslrootcert"] == str(config.RDS_CA_BUNDLE) and config.RDS_CA_BUNDLE.read_text().count("BEGIN CERTIFICATE") > 100
    monkeypatch.setenv("DB_SSLMODE", "require")  # an explicit choice still wins (and names no CA)
    assert "sslrootcert" not in parse_dsn(config.database_dsn())
