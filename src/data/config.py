"""Configuration, read from the environment only (template parameters in AWS, local/stack.py locally)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

DEFAULT_SECRET_CACHE_SECONDS = 300


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def database_dsn() -> str:
    """DATABASE_URL wins; in AWS the RDS-managed secret plus DB_HOST/DB_NAME build the DSN."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    secret_arn = os.environ.get("DB_SECRET_ARN")
    if not secret_arn:
        raise RuntimeError("set DATABASE_URL, or DB_SECRET_ARN with DB_HOST and DB_NAME")
    secret = read_secret(secret_arn)
    from psycopg2.extensions import make_dsn

    return make_dsn(
        host=os.environ["DB_HOST"],
        port=os.environ.get("DB_PORT", "5432"),
        dbname=os.environ.get("DB_NAME", "movies"),
        user=secret["username"],
        password=secret["password"],
        sslmode=os.environ.get("DB_SSLMODE", "require"),
    )


def secret_cache_seconds() -> int:
    """How long a secret read is reused (SECRET_CACHE_SECONDS): a rotation is noticed at the latest then,
    and at once when the database refuses the login (db.connect calls forget_secrets)."""
    return int(os.environ.get("SECRET_CACHE_SECONDS") or DEFAULT_SECRET_CACHE_SECONDS)


def forget_secrets() -> None:
    """Drop the cached secrets: the next DSN reads them again (after a rotation changed the password)."""
    _secrets().clear_cache()  # type: ignore[no-untyped-call]  # Powertools leaves clear_cache() unannotated


@lru_cache(maxsize=1)
def _secrets() -> SecretsProvider:
    """Powertools' Secrets Manager reader with its TTL cache, on the project's client (AWS_ENDPOINT_URL, retries)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from data.aws_clients import secrets_manager

    return SecretsProvider(boto3_client=secrets_manager())


def read_secret(secret_id: str) -> dict[str, Any]:
    """A JSON secret from Secrets Manager, reused for secret_cache_seconds()."""
    value = _secrets().get(secret_id, transform="json", max_age=secret_cache_seconds())
    if not isinstance(value, dict):
        raise RuntimeError(f"the secret {secret_id} is not a JSON object")
    return value
