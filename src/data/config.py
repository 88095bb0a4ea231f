"""Configuration, read from the environment only (template parameters in AWS, local/stack.py locally)."""

from __future__ import annotations

import json
import os
from functools import lru_cache


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
    secret = _secret(secret_arn)
    from psycopg2.extensions import make_dsn

    return make_dsn(
        host=os.environ["DB_HOST"],
        port=os.environ.get("DB_PORT", "5432"),
        dbname=os.environ.get("DB_NAME", "movies"),
        user=secret["username"],
        password=secret["password"],
        sslmode=os.environ.get("DB_SSLMODE", "require"),
    )


def forget_secrets() -> None:
    """Drop the cached secrets: the next DSN reads them again (after a rotation changed the password)."""
    _secret.cache_clear()


@lru_cache(maxsize=4)
def _secret(secret_id: str) -> dict:
    import boto3

    value = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return json.loads(value)


def cognito_issuer() -> str:
    explicit = os.environ.get("COGNITO_ISSUER")
    if explicit:
        return explicit
    return f"https://cognito-idp.{region()}.amazonaws.com/{os.environ['COGNITO_USER_POOL_ID']}"


def cognito_jwks_url() -> str:
    # Its own setting: moto's tokens name AWS as issuer but serve the keys locally.
    return os.environ.get("COGNITO_JWKS_URL") or f"{cognito_issuer()}/.well-known/jwks.json"


def cognito_client_id() -> str:
    return os.environ["COGNITO_CLIENT_ID"]
