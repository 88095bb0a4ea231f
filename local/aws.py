"""moto in-process: the Cognito user pool, queues and tables the product uses, created idempotently."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "Demo-Passw0rd!"  # noqa: S105 - the local demo user, printed by make run
POOL_NAME = "movie-library-local"
CLIENT_NAME = "movie-library-web"
ADD_QUEUE = "movie-adds.fifo"
ADD_DLQ = "movie-adds-dlq.fifo"
CONNECTIONS_TABLE = "movie-ws-connections"
REQUESTS_TABLE = "movie-add-requests"
MAX_RECEIVE_COUNT = 5


@dataclass
class AwsResources:
    endpoint: str
    user_pool_id: str
    client_id: str
    queue_url: str
    dlq_url: str

    def env(self) -> dict[str, str]:
        """What the functions read from the environment (the template sets the same names in AWS)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
            "COGNITO_JWKS_URL": f"{self.endpoint}/{self.user_pool_id}/.well-known/jwks.json",
            "ADD_QUEUE_URL": self.queue_url,
            "ADD_DLQ_URL": self.dlq_url,
            "CONNECTIONS_TABLE": CONNECTIONS_TABLE,
            "REQUESTS_TABLE": REQUESTS_TABLE,
        }


def fake_credentials() -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])


def start_moto() -> tuple[ThreadedMotoServer, str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per moto call otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def _pool(idp) -> str:
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == POOL_NAME:
            return pool["Id"]
    return idp.create_user_pool(
        PoolName=POOL_NAME,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireLowercase": True, "RequireNumbers": True,
                                     "RequireUppercase": True, "RequireSymbols": False}},
    )["UserPool"]["Id"]


def _client(idp, pool_id: str) -> str:
    for client in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]:
        if client["ClientName"] == CLIENT_NAME:
            return client["ClientId"]
    return idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=CLIENT_NAME, GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]


def ensure_user(idp, pool_id: str, username: str, password: str) -> None:
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=username)
    except idp.exceptions.UserNotFoundException:
        idp.admin_create_user(
            UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}],
        )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)


def _queues(sqs) -> tuple[str, str]:
    dlq_url = sqs.create_queue(QueueName=ADD_DLQ, Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=ADD_QUEUE, Attributes={
        "FifoQueue": "true",
        "VisibilityTimeout": "60",
        "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{MAX_RECEIVE_COUNT}"}}',
    })["QueueUrl"]
    return queue_url, dlq_url


def _tables(ddb) -> None:
    existing = set(ddb.list_tables()["TableNames"])
    if CONNECTIONS_TABLE not in existing:
        ddb.create_table(
            TableName=CONNECTIONS_TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"},
                                  {"AttributeName": "userSub", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[{"IndexName": "byUser",
                                     "KeySchema": [{"AttributeName": "userSub", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
        )
    if REQUESTS_TABLE not in existing:
        ddb.create_table(
            TableName=REQUESTS_TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "requestId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "requestId", "KeyType": "HASH"}],
        )


def provision(endpoint: str) -> AwsResources:
    session = boto3.session.Session()
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    pool_id = _pool(idp)
    client_id = _client(idp, pool_id)
    ensure_user(idp, pool_id, DEMO_USER, DEMO_PASSWORD)
    queue_url, dlq_url = _queues(session.client("sqs", endpoint_url=endpoint))
    _tables(session.client("dynamodb", endpoint_url=endpoint))
    return AwsResources(endpoint, pool_id, client_id, queue_url, dlq_url)


def sign_in(endpoint: str, client_id: str, username: str, password: str) -> dict:
    """USER_PASSWORD_AUTH, as the UI and scripts do; returns the AuthenticationResult."""
    idp = boto3.client("cognito-idp", endpoint_url=endpoint)
    return idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
