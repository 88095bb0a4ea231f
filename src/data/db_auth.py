"""How a process authenticates to PostgreSQL: DATABASE_URL locally; in AWS an RDS IAM token for the
request-path functions and the ETL task (each its own least-privilege role, no password anywhere) or the
managed master secret (migrations). Both AWS paths verify the server against the RDS CA bundle shipped in
the package."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from data import config
from settings import current

RDS_CA_BUNDLE = config.RDS_CA_BUNDLE  # one bundle and one DB_SSLROOTCERT for both ways of logging in
ca_bundle = config.ca_bundle


@lru_cache(maxsize=1)
def _rds() -> Any:
    import boto3

    return boto3.session.Session().client("rds", region_name=config.region())


def iam_dsn() -> str:
    """A DSN whose password is a fresh IAM auth token (valid 15 minutes, needed only to open the connection).

    The token is a SigV4-presigned URL that botocore signs locally with the function's role credentials:
    no network call, so no Secrets Manager endpoint and nothing to rotate."""
    from psycopg2.extensions import make_dsn

    settings = current()
    host, port, user = settings.need("db_host"), settings.db_port, settings.need("db_iam_user")
    token = _rds().generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user, Region=config.region())
    return make_dsn(
        host=host, port=port, dbname=settings.db_name, user=user, password=token, sslmode="verify-full", sslrootcert=ca_bundle()
    )


def dsn() -> str:
    if not current().database_url and current().db_iam_user:
        return iam_dsn()
    return config.database_dsn()
