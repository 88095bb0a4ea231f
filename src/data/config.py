"""The database login and the secrets behind it, from the settings (src/settings: template parameters in AWS,
local/stack.py locally)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

from settings import DEFAULT_SECRET_CACHE_SECONDS, current

__all__ = ["DEFAULT_SECRET_CACHE_SECONDS", "database_dsn", "forget_secrets", "read_secret", "region", "secret_cache_seconds"]


# The Amazon RDS root CAs (and Amazon Trust Services' for RDS Proxy), shipped in the package: see certs/README.md.
RDS_CA_BUNDLE = Path(__file__).with_name("certs") / "rds-ca-bundle.pem"


def ca_bundle() -> str:
    """The CA bundle that verifies the database: DB_SSLROOTCERT, else the bundled one."""
    return current().db_sslrootcert or str(RDS_CA_BUNDLE)


def region() -> str:
    return current().region


def database_dsn() -> str:
    """DATABASE_URL wins; in AWS the RDS-managed secret plus DB_HOST/DB_NAME build the DSN. It verifies the
    server (verify-full against ca_bundle()) unless DB_SSLMODE says otherwise: `require` encrypts but would
    accept any server that answers at DB_HOST."""
    settings = current()
    if settings.database_url:
        return settings.database_url
    secret_arn = settings.db_secret_arn
    if not secret_arn:
        raise RuntimeError("set DATABASE_URL, or DB_SECRET_ARN with DB_HOST and DB_NAME")
    secret = read_secret(secret_arn)
    from psycopg2.extensions import make_dsn

    return make_dsn(
        host=settings.need("db_host"),
        port=str(settings.db_port),
        dbname=settings.db_name,
        user=secret["username"],
        password=secret["password"],
        sslmode=settings.db_sslmode,
        **({"sslrootcert": ca_bundle()} if settings.db_sslmode.startswith("verify") else {}),
    )


def secret_cache_seconds() -> int:
    """How long a secret read is reused (SECRET_CACHE_SECONDS): a rotation is noticed at the latest then,
    and at once when the database refuses the login (db.connect calls forget_secrets)."""
    return current().secret_cache_seconds


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
