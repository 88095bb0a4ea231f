"""`make preflight`: each problem present, then fixed, against moto (real boto3 over HTTP).

moto has no Lambda GetAccountSettings (and its Service Quotas knows only VPC), so the Lambda endpoint points at a
small local server that answers GetAccountSettings as Lambda does; Docker is a stub script on PATH.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from deploy import preflight, stack
from local.aws import moto_process
from tests.http_stub import StubHandler, serving

ENV = "staging"
LAMBDA_SETTINGS = {"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000,
                                    "TotalCodeSize": 80530636800, "CodeSizeZipped": 52428800,
                                    "CodeSizeUnzipped": 262144000},
                   "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0}}


class _LambdaSettings(StubHandler):
    def do_GET(self) -> None:
        ok = self.path.rstrip("/") == "/2016-08-19/account-settings"
        self.reply(200 if ok else 404, LAMBDA_SETTINGS if ok else {"Type": "User", "message": "not found"})


class _StackStatus(StubHandler):
    """CloudFormation's DescribeStacks (query protocol) for one stack in a given state, or none.

    moto cannot put a stack into ROLLBACK_COMPLETE and friends, and its state may only be poked in-process,
    where it is shared with the test session's local stack: this answers the one call the check makes."""

    status: str | None = None

    def do_POST(self) -> None:
        self.body()
        if _StackStatus.status is None:
            self.reply(400, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with"
                              " id movie-library-staging does not exist</Message></Error><RequestId>1</RequestId>"
                              "</ErrorResponse>", "text/xml")
            return
        self.reply(200, "<DescribeStacksResponse><DescribeStacksResult><Stacks><member>"
                          "<StackName>movie-library-staging</StackName><StackId>arn:aws:cloudformation:us-east-1:"
                          "123456789012:stack/movie-library-staging/1</StackId><CreationTime>2026-11-01T00:00:00Z"
                          f"</CreationTime><StackStatus>{_StackStatus.status}</StackStatus></member></Stacks>"
                          "</DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
                          "</DescribeStacksResponse>", "text/xml")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str, str]]:
    # moto in a process of its own: its reset between tests must not wipe the session's local stack.
    with moto_process() as moto_url, serving(_LambdaSettings) as lambda_url, serving(_StackStatus) as cfn_url:
        yield moto_url, lambda_url, cfn_url


@pytest.fixture
def aws(servers: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    moto_url, lambda_url, _ = servers
    httpx.post(f"{moto_url}/moto-api/reset").raise_for_status()
    LAMBDA_SETTINGS["AccountLimit"].update(ConcurrentExecutions=1000, UnreservedConcurrentExecutions=1000)
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ENDPOINT_URL_LAMBDA": lambda_url,
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("PATH", _docker_stub(tmp_path, ok=True))
    return moto_url


def _docker_stub(tmp_path: Path, ok: bool) -> str:
    folder = tmp_path / ("docker-ok" if ok else "docker-down")
    folder.mkdir(exist_ok=True)
    script = folder / "docker"
    script.write_text("#!/bin/sh\necho 27.3.1\n" if ok else "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{folder}:/usr/bin:/bin"


def _by_check(results: list[preflight.Result]) -> dict[str, preflight.Result]:
    return {r.check: r for r in results}


def _client(service: str):  # boto3 clients share no type
    return boto3.client(service, region_name="us-east-1")


def _ready(**params: str) -> dict[str, preflight.Result]:
    """An account with everything in place; returns the results by check."""
    if not _client("secretsmanager").list_secrets()["SecretList"]:
        _client("secretsmanager").create_secret(Name=stack.parameters(ENV)["DriveCredentialsSecretName"], SecretString="{}")
    return _by_check(preflight.run(ENV, params=params))


def test_a_ready_account_passes_every_check(aws: str, capsys: pytest.CaptureFixture[str]) -> None:
    results = _ready()
    assert set(results) == {"credentials", "stack state", "lambda concurrency", "api gateway logs role",
                            "ecs service-linked role", "drive credentials", "docker"}
    assert all(r.ok for r in results.values()), results
    assert "account 123456789012" in results["credentials"].message
    assert preflight.main(ENV) == 0
    assert "FAIL" not in capsys.readouterr().out


def test_missing_credentials_stop_the_aws_checks(aws: str, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    results = _by_check(preflight.run(ENV))
    assert set(results) == {"credentials", "docker"}
    assert not results["credentials"].ok and "aws configure" in results["credentials"].fix
    assert preflight.main(ENV) == 1
    assert "-> run `aws configure`" in capsys.readouterr().out
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert _ready()["credentials"].ok


def test_unknown_region(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-nowhere-1")
    result = _by_check(preflight.run(ENV))["credentials"]
    assert not result.ok and "samconfig.toml [staging.global.parameters]" in result.fix


@pytest.mark.parametrize(("status", "fix"), [("ROLLBACK_COMPLETE", "sam delete --stack-name movie-library-staging"),
                                             ("UPDATE_ROLLBACK_FAILED", "continue-update-rollback"),
                                             ("DELETE_FAILED", "make destroy ENV=staging"),
                                             ("UPDATE_IN_PROGRESS", "wait for it")])
def test_a_stuck_stack_is_reported_then_passes_once_gone(aws: str, servers: tuple[str, str, str], status: str, fix: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", servers[2])
    monkeypatch.setattr(_StackStatus, "status", status)
    result = _ready()["stack state"]
    assert not result.ok and status in result.message and fix in result.fix
    assert "describe-stack-events" in result.fix or "wait" in result.fix
    monkeypatch.setattr(_StackStatus, "status", None)  # deleted
    assert _ready()["stack state"].ok


def test_lambda_concurrency_quota_against_the_parameters(aws: str) -> None:
    LAMBDA_SETTINGS["AccountLimit"].update(ConcurrentExecutions=10, UnreservedConcurrentExecutions=10)
    assert _ready()["lambda concurrency"].ok, "a new account's 10 runs the stack without reservations"
    reserved = _ready(ReserveConcurrency="true")["lambda concurrency"]
    assert not reserved.ok and "reserves 26" in reserved.message
    assert 'ReserveConcurrency=\\"false\\"' in reserved.fix and "L-B99A9384" in reserved.fix
    LAMBDA_SETTINGS["AccountLimit"].update(ConcurrentExecutions=5, UnreservedConcurrentExecutions=5)
    tiny = _ready()["lambda concurrency"]
    assert not tiny.ok and "request-service-quota-increase" in tiny.fix
    LAMBDA_SETTINGS["AccountLimit"].update(ConcurrentExecutions=1000, UnreservedConcurrentExecutions=1000)
    assert _ready(ReserveConcurrency="true")["lambda concurrency"].ok


def test_api_gateway_cloudwatch_role(aws: str) -> None:
    assert _ready()["api gateway logs role"].ok, "the stack sets it by default"
    missing = _ready(CreateApiGatewayAccountRole="false")["api gateway logs role"]
    assert not missing.ok and "has no CloudWatch Logs role" in missing.message
    assert 'CreateApiGatewayAccountRole=\\"true\\"' in missing.fix and "update-account" in missing.fix
    iam = _client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="api-logs", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    _client("apigateway").update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    present = _ready(CreateApiGatewayAccountRole="false")["api gateway logs role"]
    assert present.ok and arn in present.message
    assert arn in _ready()["api gateway logs role"].message, "says which account-wide role the stack replaces"
    iam.delete_role(RoleName="api-logs")
    dangling = _ready(CreateApiGatewayAccountRole="false")["api gateway logs role"]
    assert not dangling.ok and "no longer exists" in dangling.message


def test_ecs_service_linked_role_is_created_when_missing(aws: str) -> None:
    iam = _client("iam")
    assert not iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]
    created = _ready()["ecs service-linked role"]
    assert created.ok and created.message.startswith("created")
    assert iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]
    again = _ready()["ecs service-linked role"]
    assert again.ok and again.message.endswith("exists")


def test_drive_secret_is_needed_only_with_the_etl(aws: str) -> None:
    results = _by_check(preflight.run(ENV))
    assert not results["drive credentials"].ok
    assert "aws secretsmanager create-secret --region us-east-1 --name movie-library/drive-credentials" in \
        results["drive credentials"].fix
    assert "drive credentials" not in _by_check(preflight.run(ENV, etl=False))
    assert _ready()["drive credentials"].ok


def test_docker_is_needed_only_with_the_etl(aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    absent = _ready()["docker"]
    assert not absent.ok and "install Docker" in absent.fix and "ETL=off" in absent.fix
    assert "docker" not in _by_check(preflight.run(ENV, etl=False))
    monkeypatch.setenv("PATH", _docker_stub(tmp_path, ok=False))
    down = _ready()["docker"]
    assert not down.ok and "start Docker" in down.fix
    monkeypatch.setenv("PATH", _docker_stub(tmp_path, ok=True))
    assert _ready()["docker"].ok


def test_etl_off_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, enabled in (("", True), ("on", True), ("off", False), ("false", False), ("0", False)):
        monkeypatch.setenv("ETL", value)
        assert preflight.etl_enabled() is enabled, value
