"""boto3 clients created once per process (plain boto3: AWS_ENDPOINT_URL points them at moto locally)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config

if TYPE_CHECKING:  # boto3-stubs are a dev dependency (requirements/dev.in), not part of the Lambda package
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)


@lru_cache(maxsize=8)
def client(service: Literal["sqs"]) -> SQSClient:
    return boto3.session.Session().client(service, config=_CONFIG)


@lru_cache(maxsize=1)
def secrets_manager() -> SecretsManagerClient:
    return boto3.session.Session().client("secretsmanager", config=_CONFIG)


_local = threading.local()


def table(name: str) -> Table:
    # boto3 resources are not thread-safe: one per thread (Lambda has one; the processor uses a few).
    tables: dict[str, Table] = _local.__dict__.setdefault("tables", {})
    if name not in tables:
        tables[name] = boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)
    return tables[name]


@lru_cache(maxsize=4)
def management_api(endpoint: str) -> ApiGatewayManagementApiClient:
    return boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=endpoint, config=_CONFIG)
