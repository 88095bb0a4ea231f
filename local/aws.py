"""moto in-process: the Cognito user pool, queues and tables the product uses, created idempotently."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from moto.server import ThreadedMotoServer

from infra.cognito import ensure_user
from local import private_api, template

DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "Demo-Passw0rd!"  # noqa: S105 - the local demo user, printed by make run
# The demo user is a librarian (the template's UserPoolGroup); this second one is not, so both roles can be tried.
PLAIN_USER = "reader@example.com"
PLAIN_PASSWORD = "Reader-Passw0rd!"  # noqa: S105 - the local plain user, printed by make run
POOL_NAME = "movie-library-local"
# Locally a failed add is retried after a few seconds, not the deployed 180 s, so the dead-letter
# path can be seen (and tested) in well under a minute.
LOCAL_VISIBILITY_TIMEOUT = os.environ.get("LOCAL_QUEUE_VISIBILITY_SECONDS", "2")
# What a browser may call on Cognito's public endpoint without AWS credentials; the local /cognito proxy
# forwards these only (moto would otherwise answer ListUsers or AdminSetUserPassword to anyone).
PUBLIC_COGNITO_ACTIONS = frozenset(
    {
        "SignUp",
        "ConfirmSignUp",
        "ResendConfirmationCode",
        "InitiateAuth",
        "RespondToAuthChallenge",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "GetUser",
        "RevokeToken",
    }
)


@dataclass
class AwsResources:
    endpoint: str
    user_pool_id: str
    client_id: str
    refs: dict[str, dict[str, str]]  # logical id → {"Ref", "Arn", …} as CloudFormation would resolve them

    def queue_url(self, logical_id: str) -> str:
        return self.refs[logical_id]["Ref"]

    def table_name(self, logical_id: str) -> str:
        return self.refs[logical_id]["Ref"]

    def env(self) -> dict[str, str]:
        """What the functions read from the environment: the template's variables, resolved locally."""
        merged: dict[str, str] = {}
        for variables in template.function_environment(self.refs).values():
            for key, value in variables.items():
                if key.startswith("DB_"):
                    continue  # DATABASE_URL stands in for the RDS secret locally
                if value == "":
                    continue  # declared empty for `sam local invoke --env-vars` to fill: unset here
                if merged.get(key, value) != value:
                    raise RuntimeError(f"two functions set {key} differently; the local stack shares one process")
                merged[key] = value
        merged.update(
            {
                # The deployed retry schedule (10 s doubling to 300 s) scaled like the visibility timeout.
                "ADD_RETRY_FIRST_DELAY_SECONDS": LOCAL_VISIBILITY_TIMEOUT,
                "ADD_RETRY_MAX_DELAY_SECONDS": os.environ.get("LOCAL_ADD_RETRY_MAX_DELAY_SECONDS", "30"),
                "AWS_ENDPOINT_URL": self.endpoint,
                "COGNITO_USER_POOL_ID": self.user_pool_id,
                "COGNITO_CLIENT_ID": self.client_id,
                "COGNITO_JWKS_URL": f"{self.endpoint}/{self.user_pool_id}/.well-known/jwks.json",
            }
        )
        return merged


def fake_credentials() -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])


_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _token_validity_as_cognito() -> None:
    """moto signs id and access tokens for an hour whatever the app client says; Cognito uses the client's
    IdTokenValidity / AccessTokenValidity in TokenValidityUnits (default hours), and a client can tell (exp)."""
    from moto.cognitoidp.models import CognitoIdpUserPool

    if getattr(CognitoIdpUserPool.create_jwt, "as_cognito", False):
        return
    private_api.COGNITO_CREATE_JWT.check()
    moto_create = CognitoIdpUserPool.create_jwt

    def create_jwt(
        self: CognitoIdpUserPool,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = 60 * 60,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        client = self.clients.get(client_id)
        kind = {"id": "IdToken", "access": "AccessToken"}.get(token_use)
        if client is not None and kind and client.extended_config.get(f"{kind}Validity"):
            unit = (client.extended_config.get("TokenValidityUnits") or {}).get(kind, "hours")
            expires_in = int(client.extended_config[f"{kind}Validity"]) * _SECONDS[unit]
        return moto_create(self, client_id, username, token_use, expires_in, extra_data)

    create_jwt.as_cognito = True  # type: ignore[attr-defined]
    create_jwt.__wrapped__ = moto_create  # type: ignore[attr-defined]  # what private_api's shape check inspects
    CognitoIdpUserPool.create_jwt = create_jwt  # type: ignore[method-assign]


def start_moto() -> tuple[ThreadedMotoServer, str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per moto call otherwise
    _token_validity_as_cognito()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@contextmanager
def moto_process(timeout: float = 60) -> Iterator[str]:
    """moto in a process of its own (its own GIL, and its own state: in-process moto servers share one global
    state, so resetting one would wipe the stack's); yields its endpoint once it answers, stops it after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"moto.server exited with {server.returncode}")
            try:
                if httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto.server did not answer within {timeout:.0f} s")
            time.sleep(0.1)  # a poll interval, not a wait for something
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


def password_policy() -> dict[str, Any]:
    """The template's UserPool PasswordPolicy (written there from the document's x-password-policy)."""
    (pool,) = template.resources("AWS::Cognito::UserPool").values()
    return dict(pool["Properties"]["Policies"]["PasswordPolicy"])


def _literal(properties: dict[str, Any]) -> dict[str, Any]:
    """The properties whose values are plain (no Ref, Fn::If, Fn::GetAtt …): what the local pool can copy. The
    rest depend on deploy parameters or other resources (e-mail sending, the sign-up trigger, admin-only
    sign-up, deletion protection) and keep Cognito's defaults locally."""

    def intrinsic(value: Any) -> bool:
        if isinstance(value, dict):
            return any(k == "Ref" or k.startswith("Fn::") or intrinsic(v) for k, v in value.items())
        if isinstance(value, list):
            return any(intrinsic(v) for v in value)
        return False

    return {k: v for k, v in properties.items() if not intrinsic(v)}


def _only(kind: str) -> dict[str, Any]:
    (properties,) = (r["Properties"] for r in template.resources(kind).values())
    return dict(properties)


# CloudFormation property names that the Cognito API spells differently, and ones it does not take at creation.
_POOL_API_NAMES = {"UserPoolName": "PoolName"}
_POOL_NOT_CREATE = {"DeletionProtection"}


def _pool(idp: Any) -> str:
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == POOL_NAME:
            return str(pool["Id"])
    settings = {
        _POOL_API_NAMES.get(k, k): v for k, v in _literal(_only("AWS::Cognito::UserPool")).items() if k not in _POOL_NOT_CREATE
    }
    settings["PoolName"] = POOL_NAME  # the template's is the stack's name
    return str(idp.create_user_pool(**settings)["UserPool"]["Id"])


def _client(idp: Any, pool_id: str) -> str:
    settings = _literal(_only("AWS::Cognito::UserPoolClient"))  # UserPoolId is a Ref: the local pool's
    for client in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]:
        if client["ClientName"] == settings["ClientName"]:
            return str(client["ClientId"])
    return str(idp.create_user_pool_client(UserPoolId=pool_id, **settings)["UserPoolClient"]["ClientId"])


LIBRARIANS = "librarians"


def _groups(idp: Any, pool_id: str) -> None:
    """The template's user pool groups (librarians)."""
    existing = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    for group in template.resources("AWS::Cognito::UserPoolGroup").values():
        props = group["Properties"]
        if props["GroupName"] not in existing:
            idp.create_group(
                UserPoolId=pool_id,
                GroupName=props["GroupName"],
                Description=props.get("Description", ""),
                Precedence=props.get("Precedence", 0),
            )


def add_to_group(idp: Any, pool_id: str, username: str, group: str) -> None:
    """As `aws cognito-idp admin-add-user-to-group` (make librarian): the next id token carries the group."""
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def _queues(sqs: Any, refs: dict[str, dict[str, str]]) -> None:
    queues = template.resources("AWS::SQS::Queue")
    # Dead-letter queues first: the others name them.
    for logical_id in sorted(queues, key=lambda q: "RedrivePolicy" in queues[q]["Properties"]):
        props = queues[logical_id]["Properties"]
        fifo = bool(props.get("FifoQueue"))
        attributes = {"VisibilityTimeout": LOCAL_VISIBILITY_TIMEOUT}
        if fifo:
            attributes["FifoQueue"] = "true"
            attributes["ContentBasedDeduplication"] = str(bool(props.get("ContentBasedDeduplication"))).lower()
        if "RedrivePolicy" in props:
            redrive = template.resolve(props["RedrivePolicy"], refs)
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": redrive["deadLetterTargetArn"], "maxReceiveCount": str(redrive["maxReceiveCount"])}
            )
        name = f"{logical_id}.fifo" if fifo else logical_id
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        refs[logical_id] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}


def table_definition(logical_id: str) -> dict[str, Any]:
    """CreateTable's arguments (but its name) for the template's table: keys, indexes, stream, on demand."""
    props = template.resources("AWS::DynamoDB::Table")[logical_id]["Properties"]
    args = {k: props[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes") if k in props}
    if "StreamSpecification" in props:
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return {"BillingMode": "PAY_PER_REQUEST", **args}


def _tables(ddb: Any, refs: dict[str, dict[str, str]]) -> None:
    existing = set(ddb.list_tables()["TableNames"])
    for logical_id in template.resources("AWS::DynamoDB::Table"):
        if logical_id not in existing:
            ddb.create_table(TableName=logical_id, **table_definition(logical_id))
        description = ddb.describe_table(TableName=logical_id)["Table"]
        refs[logical_id] = {
            "Ref": logical_id,
            "Arn": description["TableArn"],
            "StreamArn": description.get("LatestStreamArn", ""),
        }


def provision(endpoint: str) -> AwsResources:
    session = boto3.session.Session()
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    pool_id = _pool(idp)
    client_id = _client(idp, pool_id)
    ensure_user(idp, pool_id, DEMO_USER, DEMO_PASSWORD)
    ensure_user(idp, pool_id, PLAIN_USER, PLAIN_PASSWORD)
    _groups(idp, pool_id)
    add_to_group(idp, pool_id, DEMO_USER, LIBRARIANS)
    refs: dict[str, dict[str, str]] = {
        "UserPool": {"Ref": pool_id, "Arn": f"arn:aws:cognito-idp:local:000000000000:userpool/{pool_id}"},
        "UserPoolClient": {"Ref": client_id},
        "WebSocketApi": {"Ref": "local"},
        # Stand-ins for what only AWS has: the gateway serves the UI, DATABASE_URL replaces RDS.
        "Distribution": {"Ref": "local", "DomainName": "localhost"},
        "Database": {"Ref": "local", "Endpoint.Address": "localhost", "MasterUserSecret.SecretArn": ""},
    }
    _queues(session.client("sqs", endpoint_url=endpoint), refs)
    _tables(session.client("dynamodb", endpoint_url=endpoint), refs)
    return AwsResources(endpoint, pool_id, client_id, refs)


def sign_in(endpoint: str, client_id: str, username: str, password: str) -> dict:
    """USER_PASSWORD_AUTH, as the UI and scripts do; returns the AuthenticationResult."""
    idp = boto3.client("cognito-idp", endpoint_url=endpoint)
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
