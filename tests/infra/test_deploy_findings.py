"""Deploy review findings 16-28 of issue #10 (and the template side of #15), each pinned by an offline check.

Each test fails on the template before its fix: run with INFRA_TEMPLATE=<old template.yaml> to see it
(`git show <commit>:template.yaml > /tmp/old.yaml`). Names, conditions and gateway responses are checked
after the SAM transform, as CloudFormation receives them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT, load_raw, transform, transformed_template_for

RAW = load_raw()
RESOURCES = RAW["Resources"]


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _rest_api_body(transformed: dict) -> dict:
    apis = [r for r in _of_type(transformed, "AWS::ApiGateway::RestApi").values()]
    assert len(apis) == 1
    return apis[0]["Properties"]["Body"]


# --- 16: engine version -------------------------------------------------------------------------


def test_16_engine_version_is_a_major_version_only() -> None:
    version = str(RESOURCES["Database"]["Properties"]["EngineVersion"])
    assert re.fullmatch(r"\d+", version), f"EngineVersion {version!r} pins a minor version RDS will retire"


# --- 21: gateway response bodies are JSON after substitution -------------------------------------

# What API Gateway puts in for each variable (AWS docs: messageString is "the quoted value of message";
# validationErrorString is raw text that quotes the failing property names).
_REALISTIC = {
    "$context.error.messageString": '"Internal server error"',
    "$context.error.message": "Internal server error",
    "$context.error.validationErrorString": (
        '[object has missing required properties (["genre","rating"]), instance value ("x") not found in enum]'
    ),
    "$context.error.responseType": "BAD_REQUEST_BODY",
    "$context.requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
}


def _substitute(template: str) -> str:
    for name in sorted(_REALISTIC, key=len, reverse=True):
        template = template.replace(name, _REALISTIC[name])
    leftover = re.findall(r"\$context\.[\w.]+", template)
    assert not leftover, f"no realistic value for {leftover}"
    return template


def test_21_every_gateway_response_body_is_json_after_substitution() -> None:
    responses = _rest_api_body(transform())["x-amazon-apigateway-gateway-responses"]
    assert {"UNAUTHORIZED", "BAD_REQUEST_BODY", "DEFAULT_5XX", "ACCESS_DENIED", "THROTTLED"} <= set(responses)
    for name, response in responses.items():
        for media_type, body in response.get("responseTemplates", {}).items():
            rendered = _substitute(body)
            try:
                parsed = json.loads(rendered)
            except json.JSONDecodeError as exc:
                raise AssertionError(f"{name} ({media_type}) renders invalid JSON: {rendered}") from exc
            assert set(parsed) == {"error"} and {"code", "message"} <= set(parsed["error"]), name
            assert isinstance(parsed["error"]["message"], str) and parsed["error"]["message"], name


# --- 22: only the intended stage ----------------------------------------------------------------


def test_22_only_the_configured_stage_exists_after_the_transform() -> None:
    transformed = transform()
    stages = _of_type(transformed, "AWS::ApiGateway::Stage")
    assert [s["Properties"]["StageName"] for s in stages.values()] == [{"Ref": "Stage"}]
    for name, deployment in _of_type(transformed, "AWS::ApiGateway::Deployment").items():
        # A Deployment with StageName creates that stage too (SAM's implicit "Stage"), untouched by our settings.
        assert "StageName" not in deployment["Properties"], f"{name} also creates stage {deployment['Properties']['StageName']!r}"


# --- 25: prod keeps every account and table ----------------------------------------------------------


@pytest.mark.parametrize("name", ["UserPool", "RequestsTable", "ConnectionsTable"])
def test_25_user_pool_and_tables_survive_replacement_and_delete(name: str) -> None:
    prod = transformed_template_for("prod")["Resources"][name]
    # RetainExceptOnCreate (issue #23 item 6): kept on delete and replacement, not when its first create rolls back.
    assert prod.get("DeletionPolicy") == "RetainExceptOnCreate" and prod.get("UpdateReplacePolicy") == "Retain", name
    props = RESOURCES[name]["Properties"]
    if name == "UserPool":
        assert props.get("DeletionProtection") == {"Fn::If": ["IsProd", "ACTIVE", "INACTIVE"]}
    else:
        assert props.get("DeletionProtectionEnabled") == {"Fn::If": ["IsProd", True, False]}


# --- 26: SES for Cognito mail ----------------------------------------------------------------------


def _user_pool_email(params: dict[str, str]) -> Any:
    return transform(params)["Resources"]["UserPool"]["Properties"].get("EmailConfiguration")


def test_26_cognito_mail_can_go_through_ses() -> None:
    assert {"SesEmailIdentityArn", "SesFromAddress"} <= set(RAW["Parameters"])
    assert RAW["Parameters"]["SesEmailIdentityArn"]["Default"] == ""
    email = RESOURCES["UserPool"]["Properties"]["EmailConfiguration"]
    condition, with_ses, without = email["Fn::If"]
    assert RAW["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SesEmailIdentityArn"}, ""]}]}
    assert with_ses["EmailSendingAccount"] == "DEVELOPER" and with_ses["SourceArn"] == {"Ref": "SesEmailIdentityArn"}
    assert without == {"EmailSendingAccount": "COGNITO_DEFAULT"}


# --- 24: make destroy works on prod, keeps a snapshot, and can run twice ---------------------------------

_DESTROY_TEMPLATE = {
    "Parameters": {"EnvironmentType": {"Type": "String"}},
    "Resources": {
        "UiBucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}},
        "UiLogsBucket": {"Type": "AWS::S3::Bucket"},
        "RequestsTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            },
        },
        "Database": {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {
                "Engine": "postgres",
                "DBInstanceClass": "db.t4g.micro",
                "AllocatedStorage": "20",
                "MasterUsername": "admin1",
                "MasterUserPassword": "not-a-real-one-1",
                "DeletionProtection": True,
            },
        },
    },
}


@pytest.fixture()
def moto_aws(monkeypatch: pytest.MonkeyPatch):
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server._server.server_address
    for key, value in {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield boto3
    server.stop()


def _create_stack(boto3, env: str, environment_type: str) -> dict[str, str]:
    from deploy import stack

    cfn = boto3.client("cloudformation")
    cfn.create_stack(
        StackName=stack.stack_name(env),
        TemplateBody=json.dumps(_DESTROY_TEMPLATE),
        Parameters=[{"ParameterKey": "EnvironmentType", "ParameterValue": environment_type}],
    )
    ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=stack.stack_name(env))["StackResourceSummaries"]
    }
    s3 = boto3.client("s3")
    for version in (b"1", b"2"):
        s3.put_object(Bucket=ids["UiBucket"], Key="index.html", Body=version)
    s3.put_object(Bucket=ids["UiLogsBucket"], Key="cloudfront/log.gz", Body=b"log")
    return ids


def test_24_destroy_prod_needs_confirmation_snapshots_unprotects_and_reruns(moto_aws, capsys) -> None:
    from deploy import destroy, stack

    ids = _create_stack(moto_aws, "prod", "prod")
    name = stack.stack_name("prod")
    assert destroy.main(["prod"]) == 2  # no confirmation: nothing happens
    assert "CONFIRM=movie-library-prod" in capsys.readouterr().err
    assert moto_aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"]

    assert destroy.main(["prod", "--confirm", name]) == 0
    rds = moto_aws.client("rds")
    snapshots = rds.describe_db_snapshots(DBInstanceIdentifier=ids["Database"])["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots if "before-destroy" in s["DBSnapshotIdentifier"]]
    names = [b["Name"] for b in moto_aws.client("s3").list_buckets()["Buckets"]]
    assert ids["UiBucket"] not in names and ids["UiLogsBucket"] not in names
    assert ids["RequestsTable"] in moto_aws.client("dynamodb").list_tables()["TableNames"], "prod keeps its tables"
    assert destroy.main(["prod", "--confirm", name]) == 0, "a second run has nothing left to do and succeeds"
    assert "nothing to delete" in capsys.readouterr().out


def test_24_destroy_staging_removes_retained_tables_and_reruns(moto_aws) -> None:
    from deploy import destroy

    ids = _create_stack(moto_aws, "staging", "staging")
    s3 = moto_aws.client("s3")
    assert destroy.main(["staging"]) == 0
    # An interrupted earlier run may leave a bucket already deleted: emptying it again is a no-op.
    # (moto, unlike CloudFormation, fails a stack delete on a resource already gone, so this is checked alone.)
    assert destroy.empty_bucket(s3, ids["UiLogsBucket"]) == 0
    assert ids["RequestsTable"] not in moto_aws.client("dynamodb").list_tables()["TableNames"]
    assert destroy.main(["staging"]) == 0


# --- 27: the deploy scripts find the pinned SAM CLI -------------------------------------------------


def test_27_make_exports_the_sam_venv_and_deploy_scripts_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from deploy import sam_cli

    shown = subprocess.run(
        ["make", "--no-print-directory", "--eval", 'show-sam-env: ; @echo "$$SAM"', "show-sam-env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.strip() == str(ROOT / ".local" / "sam" / "bin" / "sam"), shown.stdout + shown.stderr
    makefile = (ROOT / "Makefile").read_text()
    for target in ("deploy", "destroy"):
        assert re.search(rf"^{target}:.*\$\(SAM_VENV\)/\.installed", makefile, re.M), f"make {target} needs the SAM venv"
    monkeypatch.delenv("SAM", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert sam_cli.path() == str(ROOT / ".local" / "sam" / "bin" / "sam")
    for script in (ROOT / "deploy").glob("*.py"):
        assert not re.search(r"""\[\s*["']sam["']|run\(\s*["']sam["']""", script.read_text()), f"{script.name} runs a bare sam"


# --- 28: ETL task failures are seen --------------------------------------------------------------------

_CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/movie-library-staging-EtlCluster"


def _ecs_stopped(**detail: Any) -> str:
    return json.dumps(
        {
            "id": "1",
            "source": "aws.ecs",
            "detail-type": "ECS Task State Change",
            "account": "123456789012",
            "time": "2026-01-01T00:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {"clusterArn": _CLUSTER, "lastStatus": "STOPPED", **detail},
        }
    )


def test_28_task_failure_rule_also_matches_tasks_that_never_started(moto_aws) -> None:
    pattern = json.loads(
        json.dumps(RESOURCES["EtlFailedRule"]["Properties"]["EventPattern"]).replace(
            json.dumps({"Fn::GetAtt": ["EtlCluster", "Arn"]}), json.dumps(_CLUSTER)
        )
    )
    # moto has no TestEventPattern: deliver through a rule to a queue, as EventBridge would to the topic.
    events, sqs = moto_aws.client("events"), moto_aws.client("sqs")
    queue = sqs.create_queue(QueueName="etl-failed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="etl-failed", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="etl-failed", Targets=[{"Id": "q", "Arn": queue_arn}])

    def matches(event: str) -> bool:
        loaded = json.loads(event)
        events.put_events(
            Entries=[{"Source": loaded["source"], "DetailType": loaded["detail-type"], "Detail": json.dumps(loaded["detail"])}]
        )
        return bool(sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages"))

    assert matches(
        _ecs_stopped(
            stopCode="TaskFailedToStart",
            stoppedReason="CannotPullContainerError: pull access denied",
            containers=[{"name": "etl", "lastStatus": "STOPPED"}],
        )
    )
    # moto does not match inside arrays of objects (EventBridge does), so the exit-code branch is checked as written.
    assert {"containers": {"exitCode": [{"anything-but": 0}]}} in pattern["detail"]["$or"]
    assert not matches(_ecs_stopped(stopCode="EssentialContainerExited", containers=[{"name": "etl", "exitCode": 0}]))


def test_28_etl_remote_prints_run_task_failures(capsys) -> None:
    import boto3

    from deploy import etl_remote
    from tests.http_stub import StubHandler, serving

    class FakeEcs(StubHandler):  # answers RunTask as ECS does when it cannot place a task
        def do_POST(self) -> None:
            self.body()
            self.reply(
                200,
                {
                    "tasks": [],
                    "failures": [
                        {
                            "arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/x",
                            "reason": "RESOURCE:ENI",
                            "detail": "elastic network interfaces limit reached",
                        }
                    ],
                },
                "application/x-amz-json-1.1",
            )

    with serving(FakeEcs) as url:
        ecs = boto3.client(
            "ecs", region_name="us-east-1", endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        outputs = {
            "EtlClusterName": "c",
            "EtlTaskDefinitionArn": "td",
            "EtlSubnets": "subnet-1,subnet-2",
            "EtlSecurityGroupId": "sg-1",
        }
        assert etl_remote.start(ecs, outputs) is None
    assert "RESOURCE:ENI" in capsys.readouterr().err


# --- 23: one SDK set in the package ------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    from packaging.requirements import Requirement

    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins[requirement.name.lower()] = str(requirement.specifier)
    return pins


def _closure(names: set[str]) -> set[str]:
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        todo += [Requirement(r).name.lower() for r in needs if "extra ==" not in r]
    return seen


def test_23_a_packaged_botocore_comes_with_its_own_boto3_and_s3transfer() -> None:
    from packaging.requirements import Requirement
    from packaging.version import Version

    pins = _pins(ROOT / "src" / "requirements.txt")
    if "botocore" not in _closure(set(pins)):
        return  # nothing in the package brings an SDK: the runtime's set is used whole
    exact = {}
    for name in ("boto3", "botocore", "s3transfer"):
        assert pins.get(name, "").startswith("=="), f"{name} must be pinned beside the botocore that aws-xray-sdk pulls in"
        exact[name] = Version(pins[name][2:])
    from importlib.metadata import requires

    for requirement in map(Requirement, requires("boto3") or []):
        if requirement.name in exact and not requirement.marker:
            assert exact[requirement.name] in requirement.specifier, f"boto3 needs {requirement}"


# --- 17: the cached dashboard always carries CORS for the UI ---------------------------------------------


def test_17_dashboard_cache_key_includes_origin() -> None:
    body = _rest_api_body(transform({"DashboardCache": "true"} if "DashboardCache" in RAW["Parameters"] else {}))
    dashboard = body["paths"]["/api/dashboard"]["get"]
    integration = dashboard["x-amazon-apigateway-integration"]
    assert "method.request.header.Origin" in integration.get("cacheKeyParameters", []), (
        "a response cached for a request without Origin has no CORS header and would be served to the browser"
    )
    assert {"in": "header", "name": "Origin"}.items() <= next(
        p for p in dashboard["parameters"] if p.get("name") == "Origin"
    ).items()


# --- 19: no idle usage plan; dropped notifications are visible; the ETL image matches its task ----------


def test_19_no_usage_plan_without_api_keys() -> None:
    transformed = transform()
    keyed = [
        path
        for path, methods in _rest_api_body(transformed)["paths"].items()
        for method in methods.values()
        if isinstance(method, dict) and {"api_key": []} in method.get("security", [])
    ]
    if not keyed:
        assert not _of_type(transformed, "AWS::ApiGateway::UsagePlan"), "a usage plan without API keys limits nothing"


def test_19_notifier_failures_land_in_a_queue_with_an_alarm() -> None:
    transformed = transform()
    mappings = [
        m["Properties"]
        for m in _of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "NotifierFunction"}
    ]
    assert mappings
    destinations = {json.dumps(m.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")) for m in mappings}
    assert len(destinations) == 1 and "null" not in destinations, "dropped notifications vanish without a trace"
    destination = mappings[0]["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination["Fn::GetAtt"][1] == "Arn"
    queue = destination["Fn::GetAtt"][0]
    assert transformed["Resources"][queue]["Type"] == "AWS::SQS::Queue"
    alarms = [
        a["Properties"]
        for a in _of_type(transformed, "AWS::CloudWatch::Alarm").values()
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}} in a["Properties"].get("Dimensions", [])
    ]
    assert alarms and alarms[0]["AlarmActions"], "nobody hears about dropped notifications"
    role = transformed["Resources"]["NotifierFunctionRole"]["Properties"]
    assert "sqs:SendMessage" in json.dumps(role["Policies"]) and queue in json.dumps(role["Policies"])


def test_19_etl_image_is_built_for_the_task_definition_platform() -> None:
    task = RESOURCES["EtlTaskDefinition"]["Properties"]["RuntimePlatform"]
    platform = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}[task["CpuArchitecture"]]
    assert f'"--platform", "{platform}"' in (ROOT / "deploy" / "deploy.py").read_text()


# --- 20: a strict Content-Security-Policy on the UI --------------------------------------------------


def _csp_directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_20_ui_has_a_strict_content_security_policy() -> None:
    transformed = transform()
    behavior = transformed["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    policy_ref = behavior["ResponseHeadersPolicyId"]
    assert isinstance(policy_ref, dict) and "Ref" in policy_ref, "the managed SecurityHeadersPolicy sets no CSP"
    config = transformed["Resources"][policy_ref["Ref"]]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = config["SecurityHeadersConfig"]
    csp = _csp_directives(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"])
    assert csp["script-src"] == ["'self'"], "self-hosted scripts only"
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'none'"] and csp["object-src"] == ["'none'"]
    connect = csp["connect-src"]
    assert "wss://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com" in connect
    assert "https://cognito-idp.${AWS::Region}.amazonaws.com" in connect
    assert "https://*.execute-api.${AWS::Region}.amazonaws.com" in connect  # the REST API (see the template comment)
    for sources in csp.values():
        assert not {"*", "https:", "wss:", "'unsafe-inline'", "'unsafe-eval'", "data:"} & set(sources) or sources == [
            "'self'",
            "data:",
        ], sources
    assert {"StrictTransportSecurity", "ContentTypeOptions", "FrameOptions", "ReferrerPolicy"} <= set(headers)


# --- telemetry from the in-VPC functions (no NAT) -------------------------------------------------------

_TELEMETRY = """
import json, socket, sys
tcp = []
real_connect = socket.socket.connect
def connect(self, address):
    if self.type == socket.SOCK_STREAM:
        tcp.append(address)
        raise OSError("no route: the function is in a VPC without NAT")
    return real_connect(self, address)
socket.socket.connect = connect
udp = []
real_sendto = socket.socket.sendto
def sendto(self, data, *args):
    udp.append(args[-1])
    return real_sendto(self, data, *args)
socket.socket.sendto = sendto
from api.observability import logger, metrics, tracer

@tracer.capture_method
def work():
    metrics.add_metric(name="AddsCreated", unit="Count", value=1)
    logger.info("did work")
    return 1

@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event, context):
    return work()

class Context:
    function_name = "fn"; memory_limit_in_mb = 128; aws_request_id = "r"; function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    def get_remaining_time_in_millis(self): return 1000
assert handler({}, Context()) == 1
print(json.dumps({"tcp": [str(a) for a in tcp], "udp": sorted({str(a) for a in udp})}))
"""


def test_telemetry_of_in_vpc_functions_needs_no_network_endpoint() -> None:
    """Traces go by UDP to Lambda's local daemon and logs/metrics to stdout: nothing opens a connection."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "LAMBDA_TASK_ROOT": "/tmp",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",
        "POWERTOOLS_TRACE_DISABLED": "false",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    result = subprocess.run([sys.executable, "-c", _TELEMETRY], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == {"tcp": [], "udp": ["('127.0.0.1', 9)"]}, "segments go to the local daemon only"
    assert any('"_aws"' in line and "AddsCreated" in line for line in lines), "EMF metrics are log lines"
    from tests.infra.conftest import TEMPLATE

    assert "No X-Ray or CloudWatch Logs endpoint is needed" in TEMPLATE.read_text(), "say why in the template"


# --- sam local invoke against the make run stack ----------------------------------------------------------

# How SAM CLI itself builds a function's environment from the template and an --env-vars file (no Docker needed).
_SAM_RESOLVE_ENV = """
import json, sys
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
stacks, _ = SamLocalStackProvider.get_stacks(sys.argv[1])
provider = SamFunctionProvider(stacks)
with open(sys.argv[3]) as f:
    values = json.load(f)
runner = LocalLambdaRunner(local_runtime=None, function_provider=provider, cwd=".", real_path=".",
                           aws_region="us-east-1", env_vars_values=values)
print(json.dumps(runner._make_env_vars(provider.get(sys.argv[2])).resolve()))
"""


def _sam_resolved_env(function: str, env_vars: Path) -> dict[str, str]:
    import os
    import subprocess

    from tests.infra.conftest import SAM_PYTHON, TEMPLATE

    result = subprocess.run(
        [str(SAM_PYTHON), "-c", _SAM_RESOLVE_ENV, str(TEMPLATE), function, str(env_vars)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_make_invoke_writes_an_env_vars_file_that_sam_local_invoke_applies(
    stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import os

    from local import invoke, sam_env_vars
    from local.stack import stack_env_keys

    running = {k: os.environ[k] for k in stack_env_keys() if k in os.environ}  # what make run saves in stack.json
    monkeypatch.setattr(invoke, "running_stack_env", lambda: dict(running))
    monkeypatch.setattr(sam_env_vars, "DEFAULT_PATH", tmp_path / "sam-env-vars.json")
    monkeypatch.delenv("SAM_CONTAINER_HOST", raising=False)
    assert invoke.main(["ReadApiFunction", "events/read_api_genres.json"]) == 0
    err = capsys.readouterr().err
    assert "sam local invoke ReadApiFunction -e events/read_api_genres.json --env-vars" in err
    written = json.loads((tmp_path / "sam-env-vars.json").read_text())
    assert set(written) == {"Parameters"}
    moto_port = running["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]
    for function in ("ReadApiFunction", "WriteApiFunction", "WebSocketAuthorizerFunction"):
        resolved = _sam_resolved_env(function, tmp_path / "sam-env-vars.json")
        assert resolved["AWS_ENDPOINT_URL"] == f"http://host.docker.internal:{moto_port}", function
        assert resolved["COGNITO_JWKS_URL"].startswith(f"http://host.docker.internal:{moto_port}/"), function
        assert not [v for v in resolved.values() if "127.0.0.1" in v or "localhost" in v], function
    if sam_env_vars.unreachable_database(running["DATABASE_URL"]):
        assert "DATABASE_URL" not in written["Parameters"] and "Unix socket" in err
    else:
        assert "host.docker.internal" in written["Parameters"]["DATABASE_URL"]
    linux = sam_env_vars.command("ReadApiFunction", "events/read_api_genres.json", host="127.0.0.1")
    assert linux.endswith("--docker-network host")


def test_sam_env_vars_keeps_a_tcp_database_and_rewrites_only_loopback() -> None:
    from local import sam_env_vars

    content, warnings = sam_env_vars.build(
        {
            "DATABASE_URL": "postgresql://app:pw@127.0.0.1:5433/movies",
            "AWS_ENDPOINT_URL": "http://localhost:5000",
            "COGNITO_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/pool",
        }
    )
    assert not warnings
    assert content["Parameters"] == {
        "DATABASE_URL": "postgresql://app:pw@host.docker.internal:5433/movies",
        "AWS_ENDPOINT_URL": "http://host.docker.internal:5000",
        "COGNITO_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/pool",
    }


# --- #15 / 18: no database password in the request path ----------------------------------------------


def _role_statements(transformed: dict, function: str) -> list[dict]:
    role = transformed["Resources"][transformed["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]]
    statements = []
    for policy in role["Properties"].get("Policies", []):
        found = policy["PolicyDocument"]["Statement"]
        statements += found if isinstance(found, list) else [found]
    return statements


def _actions(statement: dict) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def _arn_texts(value: Any) -> Any:
    """Every ARN string (or !Sub template) inside a Resource value, through Fn::If branches."""
    if isinstance(value, str):
        if value.startswith("arn:"):
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _arn_texts(item)
    elif isinstance(value, dict):
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            yield sub[0] if isinstance(sub, list) else sub
        elif "Fn::If" in value:
            yield from _arn_texts(value["Fn::If"][1:])


def _vpc_functions(transformed: dict) -> list[str]:
    return [name for name, fn in _of_type(transformed, "AWS::Lambda::Function").items() if "VpcConfig" in fn["Properties"]]


@pytest.mark.parametrize("params", [{}, {"UseRdsProxy": "true", "EnvironmentType": "prod"}])
def test_15_request_path_functions_connect_with_iam_as_the_app_user_only(params: dict[str, str]) -> None:
    params = {k: v for k, v in params.items() if k in RAW["Parameters"]}
    transformed = transform(params)
    migration = (ROOT / "src" / "data" / "migrations" / "0008_app_role.sql").read_text()
    # #24 review 17: the read API has a read-only user of its own (migration 0040); the ETL task too (review 8).
    users = {"ReadApiFunction": "movie_reader", "AddProcessorFunction": "movie_app"}
    for function, user in users.items():
        env = transformed["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert env.get("DB_IAM_USER") == user and "DB_SECRET_ARN" not in env, function
        statements = _role_statements(transformed, function)
        assert not [s for s in statements if any(a.startswith("secretsmanager:") for a in _actions(s))], function
        connect = [s for s in statements if "rds-db:connect" in _actions(s)]
        assert connect, f"{function} cannot sign in to the database"
    assert "CREATE ROLE movie_app LOGIN" in migration and "GRANT rds_iam TO movie_app" in migration
    for name, resource in transformed["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            statements = policy["PolicyDocument"]["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                if "rds-db:connect" in _actions(statement):
                    arns = list(_arn_texts(statement["Resource"]))
                    app_users = ("/movie_app", "/movie_reader", "/movie_etl")
                    assert arns and all(a.endswith(app_users) and ":dbuser:" in a for a in arns), (name, arns)


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_15_secrets_endpoint_exists_only_for_in_vpc_readers_of_a_secret(env: str) -> None:
    transformed = transformed_template_for(env)
    readers = [
        f
        for f in _vpc_functions(transformed)
        if any(a.startswith("secretsmanager:") for s in _role_statements(transformed, f) for a in _actions(s))
    ]
    endpoints = [
        e
        for e in _of_type(transformed, "AWS::EC2::VPCEndpoint").values()
        if "secretsmanager" in json.dumps(e["Properties"]["ServiceName"])
    ]
    assert readers == ["MigrateFunction"], "only migrations (the owner role) may read the master secret in the VPC"
    assert len(endpoints) == 1 if readers else not endpoints
    for endpoint in endpoints:  # a once-per-deploy reader: one AZ is enough
        assert len(endpoint["Properties"]["SubnetIds"]) == 1


# --- #15: the dashboard cache is a parameter, off unless asked for ------------------------------------


def _evaluate(node: Any, params: dict[str, str], template: dict) -> Any:
    """CloudFormation's condition functions and Fn::If, for the parameter values a deploy passes."""
    if isinstance(node, list):
        return [_evaluate(n, params, template) for n in node]
    if not isinstance(node, dict):
        return node
    if "Ref" in node and node["Ref"] in template["Parameters"]:
        return params.get(node["Ref"], str(template["Parameters"][node["Ref"]].get("Default", "")))
    if "Condition" in node:
        return _evaluate(template["Conditions"][node["Condition"]], params, template)
    if "Fn::Equals" in node:
        left, right = _evaluate(node["Fn::Equals"], params, template)
        return str(left) == str(right)
    if "Fn::Not" in node:
        return not _evaluate(node["Fn::Not"][0], params, template)
    if "Fn::And" in node:
        return all(_evaluate(node["Fn::And"], params, template))
    if "Fn::Or" in node:
        return any(_evaluate(node["Fn::Or"], params, template))
    if "Fn::If" in node:
        name, yes, no = node["Fn::If"]
        return _evaluate(yes if _evaluate({"Condition": name}, params, template) else no, params, template)
    return node


def _dashboard_cache(params: dict[str, str]) -> tuple[Any, Any]:
    transformed = transform(params)
    stage = next(iter(_of_type(transformed, "AWS::ApiGateway::Stage").values()))["Properties"]
    setting = next(s for s in stage["MethodSettings"] if s["ResourcePath"] == "/~1api~1dashboard")
    return (
        _evaluate(stage.get("CacheClusterEnabled", False), params, transformed),
        _evaluate(setting.get("CachingEnabled", False), params, transformed),
    )


def test_15_stage_cache_follows_the_dashboard_cache_parameter() -> None:
    from tests.infra.conftest import parameter_overrides

    assert RAW["Parameters"]["DashboardCache"]["Default"] == "false"
    assert _dashboard_cache({"DashboardCache": "true"}) == (True, True)
    assert _dashboard_cache({"DashboardCache": "false"}) == (False, False)
    assert _dashboard_cache({}) == (False, False), "off unless an environment asks for it"
    for env in ("staging", "prod"):
        params = parameter_overrides(env)
        assert _dashboard_cache(params) == ((params.get("DashboardCache") == "true"),) * 2


# --- 18: every database connection in AWS verifies the server ------------------------------------------


def test_18_owner_connections_verify_the_server_against_the_shipped_bundle() -> None:
    from data import db_auth

    migrate = RESOURCES["MigrateFunction"]["Properties"]["Environment"]["Variables"]
    code_uri = RAW["Globals"]["Function"]["CodeUri"].rstrip("/")
    assert migrate["DB_SSLMODE"] == "verify-full"
    lambda_path = migrate["DB_SSLROOTCERT"].removeprefix("/var/task/")
    assert (ROOT / code_uri / lambda_path).resolve() == db_auth.RDS_CA_BUNDLE.resolve(), "the package has no such file"
    etl = {e["Name"]: e["Value"] for e in RESOURCES["EtlTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]}
    assert etl["DB_SSLMODE"] == "verify-full"
    dockerfile = (ROOT / "etl_task" / "Dockerfile").read_text()
    copied = re.search(r"^COPY src/data (\S+)$", dockerfile, re.M)
    assert copied and etl["DB_SSLROOTCERT"] == f"{copied.group(1)}/certs/rds-ca-bundle.pem"
