"""Issue #10, findings 1-15: what would break a first deploy on a new account, pinned offline on the transformed template.

Each test names its finding. Run with INFRA_TEMPLATE=<older template.yaml> to see one fail on the old template.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests.infra.cfn import Stack, depends_on, references
from tests.infra.conftest import load_raw, parameter_overrides

ROOT = Path(__file__).resolve().parents[2]
DB_FUNCTIONS = ("ReadApiFunction", "AddProcessorFunction", "MigrateFunction")


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack.with_params()


def _logs(resource: dict) -> bool:
    props = resource["Properties"]
    return bool(
        props.get("AccessLogSetting")
        or props.get("AccessLogSettings")
        or any(s.get("LoggingLevel", "OFF") != "OFF" for s in props.get("MethodSettings", []))
    )


# 1 -------------------------------------------------------------------------------------------------------------
def test_1_api_gateway_cloudwatch_role_is_set_before_any_stage_logs(stack: Stack) -> None:
    assert stack.params["CreateApiGatewayAccountRole"] == "true", "on by default: a new account has no role"
    accounts = stack.of_type("AWS::ApiGateway::Account")
    assert len(accounts) == 1
    ((account_id, account),) = accounts.items()
    role = stack.resources[account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    assert "apigateway.amazonaws.com" in json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    assert any("AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(arn) for arn in role["Properties"]["ManagedPolicyArns"])
    assert role.get("DeletionPolicy") == "Retain", "the setting is account-wide: other stacks' stages keep using it"
    stages = {**stack.of_type("AWS::ApiGateway::Stage"), **stack.of_type("AWS::ApiGatewayV2::Stage")}
    assert len(stages) >= 2
    for name, stage in stages.items():
        if _logs(stage):
            assert depends_on(stack.resources, name, account_id), f"{name} logs but may be created before {account_id}"


def test_1_an_account_that_has_the_role_can_skip_it() -> None:
    off = Stack.with_params({"CreateApiGatewayAccountRole": "false"})
    assert not off.of_type("AWS::ApiGateway::Account")


# 2 -------------------------------------------------------------------------------------------------------------
def test_2_no_reserved_concurrency_by_default_and_the_processor_is_bounded_by_its_event_source(stack: Stack) -> None:
    functions = stack.of_type("AWS::Lambda::Function")
    for name, function in functions.items():
        assert "ReservedConcurrentExecutions" not in stack.evaluate(function["Properties"]), name
    mapping = next(
        m
        for m in stack.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "AddProcessorFunction"}
    )
    assert 2 <= mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= 5
    reserved = Stack.with_params({"ReserveConcurrency": "true"})
    values = {
        name: reserved.evaluate(reserved.resources[name]["Properties"]).get("ReservedConcurrentExecutions")
        for name in DB_FUNCTIONS
    }
    assert all(isinstance(v, int) and v > 0 for v in values.values()), values


def test_2_database_connections_alarm_and_budget(stack: Stack) -> None:
    alarms = [
        a["Properties"]
        for a in stack.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "DatabaseConnections"
    ]
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm["Namespace"] == "AWS/RDS" and alarm["AlarmActions"]
    assert alarm["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": {"Ref": "Database"}}]
    threshold = int(stack.evaluate(alarm["Threshold"]))
    assert 0 < threshold < 81, "below db.t4g.micro's max_connections (about 81)"
    prod = parameter_overrides("prod")
    assert int(prod.get("DatabaseConnectionsAlarmThreshold", threshold)) > threshold, "prod's larger class, own budget"


def test_2_rds_proxy_is_optional_and_fronts_the_request_path_when_on(stack: Stack) -> None:
    assert stack.params["UseRdsProxy"] == "false"
    assert not stack.of_type("AWS::RDS::DBProxy")
    proxied = Stack.with_params({"UseRdsProxy": "true"})
    ((proxy_id, proxy),) = proxied.of_type("AWS::RDS::DBProxy").items()
    assert proxy["Properties"]["RequireTLS"] is True
    assert proxied.of_type("AWS::RDS::DBProxyTargetGroup")
    for name in ("ReadApiFunction", "AddProcessorFunction"):
        host = proxied.evaluate(proxied.resources[name]["Properties"]["Environment"]["Variables"]["DB_HOST"])
        assert references(host) == {proxy_id}, name
    migrate_host = proxied.resources["MigrateFunction"]["Properties"]["Environment"]["Variables"]["DB_HOST"]
    assert references(proxied.evaluate(migrate_host)) == {"Database"}, "migrations hold an advisory lock: direct"


# 4 -------------------------------------------------------------------------------------------------------------
def test_4_secrets_manager_endpoint_admits_the_etl_task(stack: Stack) -> None:
    endpoint = next(
        e
        for e in stack.of_type("AWS::EC2::VPCEndpoint").values()
        if "secretsmanager" in json.dumps(e["Properties"]["ServiceName"])
    )
    assert endpoint["Properties"]["PrivateDnsEnabled"] is True
    sources = set()
    for group in endpoint["Properties"]["SecurityGroupIds"]:
        for rule in stack.resources[group["Ref"]]["Properties"].get("SecurityGroupIngress", []):
            if rule["FromPort"] <= 443 <= rule["ToPort"]:
                sources |= references(rule.get("SourceSecurityGroupId"))
        for rule in stack.of_type("AWS::EC2::SecurityGroupIngress").values():
            if rule["Properties"]["GroupId"] == group and rule["Properties"]["FromPort"] <= 443 <= rule["Properties"]["ToPort"]:
                sources |= references(rule["Properties"].get("SourceSecurityGroupId"))
    task_groups = {g["Ref"] for g in [{"Ref": "EtlSecurityGroup"}]}
    assert {"LambdaSecurityGroup"} | task_groups <= sources


# 5 -------------------------------------------------------------------------------------------------------------
def test_5_migration_custom_resource_outlives_its_network_path_and_times_out(stack: Stack) -> None:
    resources = stack.resources
    migration = resources["SchemaMigration"]
    # Its path: the database secret (Secrets Manager) and CloudFormation's pre-signed S3 response URL.
    needed = {
        k
        for k, v in stack.of_type("AWS::EC2::VPCEndpoint").items()
        if re.search(r"\.(s3|secretsmanager)$", stack.sub(v["Properties"]["ServiceName"]))
    }
    needed |= {
        k
        for k, v in stack.of_type("AWS::EC2::SubnetRouteTableAssociation").items()
        if v["Properties"]["RouteTableId"] == {"Ref": "PrivateRouteTable"}
    }
    for kind in ("AWS::EC2::SecurityGroupEgress", "AWS::EC2::SecurityGroupIngress"):
        needed |= {k for k, v in stack.of_type(kind).items() if "LambdaSecurityGroup" in references(v["Properties"])}
    assert needed >= {"S3Endpoint", "SecretsManagerEndpoint", "PrivateSubnetARoutes", "LambdaToDatabase", "DatabaseFromLambda"}
    declared = set(migration.get("DependsOn", []))
    assert needed <= declared, f"missing DependsOn: {sorted(needed - declared)}"
    timeout = int(migration["Properties"]["ServiceTimeout"])
    function_timeout = resources["MigrateFunction"]["Properties"]["Timeout"]
    assert function_timeout < timeout <= 900, "fails within minutes when no response arrives, not after an hour"


# 6 -------------------------------------------------------------------------------------------------------------
def test_6_alarm_topic_key_lets_cloudwatch_and_eventbridge_publish(stack: Stack) -> None:
    ((_topic_id, topic),) = stack.of_type("AWS::SNS::Topic").items()
    key_ref = topic["Properties"].get("KmsMasterKeyId")
    assert key_ref is not None and "alias/aws/" not in json.dumps(key_ref), "AWS-managed keys refuse these services"
    (key_id,) = references(key_ref)
    key = stack.resources[key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com"):
        granted = set()
        for st in statements:
            if st["Effect"] == "Allow" and service in json.dumps(st.get("Principal", {})):
                granted |= set(st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
        assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= granted, service


# 7 -------------------------------------------------------------------------------------------------------------
def _api_name(stack: Stack) -> str:
    api = stack.resources["RestApi"]["Properties"]
    return stack.sub(api["Name"]) if "Name" in api else stack.sub(api["Body"]["info"]["title"])


def test_7_api_alarm_and_dashboard_name_the_api_sam_creates(stack: Stack) -> None:
    name, stage = _api_name(stack), stack.params["Stage"]
    seen = 0
    for alarm in stack.of_type("AWS::CloudWatch::Alarm").values():
        for metric in alarm["Properties"].get("Metrics", []):
            stat = metric.get("MetricStat", {}).get("Metric", {})
            if stat.get("Namespace") == "AWS/ApiGateway":
                dims = {d["Name"]: stack.sub(d["Value"]) for d in stat["Dimensions"]}
                assert dims == {"ApiName": name, "Stage": stage}
                seen += 1
    assert seen >= 2
    (dashboard,) = stack.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.loads(stack.sub(dashboard["Properties"]["DashboardBody"]))
    api_metrics = [m for w in body["widgets"] for m in w["properties"].get("metrics", []) if m[:1] == ["AWS/ApiGateway"]]
    assert api_metrics
    for metric in api_metrics:
        assert metric[metric.index("ApiName") + 1] == name


# 8 -------------------------------------------------------------------------------------------------------------
def _metrics_the_dead_letter_handler_emits(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> set[str]:
    """Run the handler on the sample dead letter (store faked) and read the metric names of its EMF lines."""
    from handlers import dead_letters
    from logic import adds
    from tests.lambda_context import LambdaContext
    from tests.unit.fakes import FakeRequests

    store = FakeRequests()
    monkeypatch.setattr(adds, "requests_store", store)
    event = json.loads((ROOT / "events" / "dead_letter_batch.json").read_text())
    store.queued(json.loads(event["Records"][0]["body"])["requestId"])
    capsys.readouterr()
    dead_letters.lambda_handler(event, LambdaContext("AddDeadLetterFunction"))
    names: set[str] = set()
    for line in capsys.readouterr().out.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []) if isinstance(document, dict) else []:
            names |= {metric["Name"] for metric in directive["Metrics"]}
    return names


def test_8_failed_adds_alarm_on_what_the_dead_letter_handler_records(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    variables = load_raw()["Globals"]["Function"]["Environment"]["Variables"]
    assert "AddsFailed" in _metrics_the_dead_letter_handler_emits(monkeypatch, capsys)
    alarms = [a["Properties"] for a in stack.of_type("AWS::CloudWatch::Alarm").values()]
    failed = [a for a in alarms if a.get("MetricName") == "AddsFailed"]
    assert len(failed) == 1 and failed[0]["AlarmActions"]
    assert failed[0]["Namespace"] == variables["POWERTOOLS_METRICS_NAMESPACE"]
    assert failed[0]["Dimensions"] == [{"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}]
    drained = {
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        for m in stack.of_type("AWS::Lambda::EventSourceMapping").values()
        if "Fn::GetAtt" in m["Properties"]["EventSourceArn"]
    }
    for alarm in alarms:
        if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible":
            queue = references(alarm["Dimensions"])
            assert not queue & drained, f"{queue} is drained by a function: its depth alarm never fires"


# 9 -------------------------------------------------------------------------------------------------------------
def test_9_every_gateway_response_carries_cors_for_the_ui_origin(stack: Stack) -> None:
    raw_origin = load_raw()["Resources"]["RestApi"]["Properties"]["Cors"]["AllowOrigin"]
    responses = stack.resources["RestApi"]["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "BAD_REQUEST_BODY", "THROTTLED"} <= set(responses)
    for kind, response in responses.items():
        headers = response.get("responseParameters", {})
        assert headers.get("gatewayresponse.header.Access-Control-Allow-Origin") == raw_origin, kind
    for origin in ("", "https://movies.example.com"):
        resolved = Stack.with_params({"AllowedOrigin": origin})
        header = resolved.sub(
            resolved.resources["RestApi"]["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"][
                "responseParameters"
            ]["gatewayresponse.header.Access-Control-Allow-Origin"]
        )
        assert header == (f"'{origin}'" if origin else "'https://<Distribution.DomainName>'")


# 13 ------------------------------------------------------------------------------------------------------------
def test_13_every_guided_prompt_has_a_default_and_one_line_help(stack: Stack) -> None:
    raw = load_raw()
    grouped = {p for g in raw["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"] for p in g["Parameters"]}
    for name, param in raw["Parameters"].items():
        assert "Default" in param, f"{name}: guided deploy needs a default"
        help_text = param.get("Description", "")
        assert 10 < len(help_text) <= 200 and "\n" not in help_text, f"{name}: one-line help"
        assert name in grouped, f"{name} is in no ParameterGroup"


def test_13_guided_deploy_creates_no_etl_task_until_an_image_exists_and_names_the_next_step(stack: Stack) -> None:
    assert stack.params["EtlImageTag"] == ""
    assert not stack.of_type("AWS::ECS::TaskDefinition"), "a task on an image that was never pushed"
    outputs = stack.template["Outputs"]
    active = {k for k, v in outputs.items() if "Condition" not in v or stack.condition(v["Condition"])}
    assert "EtlRunCommand" not in active
    assert "make deploy" in stack.sub(outputs["NextStep"]["Value"])
    tagged = Stack.with_params({"EtlImageTag": "abc1234"})
    (task,) = tagged.of_type("AWS::ECS::TaskDefinition").values()
    assert tagged.sub(task["Properties"]["ContainerDefinitions"][0]["Image"]).endswith(":abc1234")


# 14 ------------------------------------------------------------------------------------------------------------
def test_14_etl_repository_is_emptied_on_delete(stack: Stack) -> None:
    (repository,) = stack.of_type("AWS::ECR::Repository").values()
    assert repository["Properties"]["EmptyOnDelete"] is True


# 15 ------------------------------------------------------------------------------------------------------------
def _pool(stack: Stack) -> dict:
    (pool,) = stack.of_type("AWS::Cognito::UserPool").values()
    return stack.evaluate(pool["Properties"])


def test_15_sign_up_open_by_default_restricted_to_domains_or_admin_only(stack: Stack) -> None:
    assert stack.params["SignUpMode"] == "open"
    assert _pool(stack)["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "PreSignUp" not in _pool(stack).get("LambdaConfig", {})

    domains = Stack.with_params({"SignUpMode": "domains", "SignUpAllowedDomains": "example.com,example.org"})
    trigger = _pool(domains)["LambdaConfig"]["PreSignUp"]
    (function_id,) = references(trigger)
    function = domains.resources[function_id]
    assert function["Properties"]["Handler"] == "handlers.pre_sign_up.lambda_handler"
    assert (
        domains.evaluate(function["Properties"]["Environment"]["Variables"]["SIGN_UP_ALLOWED_DOMAINS"])
        == "example.com,example.org"
    )
    permissions = [
        p["Properties"]
        for p in domains.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] in ({"Ref": function_id}, {"Fn::GetAtt": [function_id, "Arn"]})
    ]
    assert permissions and permissions[0]["Principal"] == "cognito-idp.amazonaws.com"
    assert _pool(domains)["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    rules = domains.template.get("Rules", {})
    assert any("SignUpAllowedDomains" in json.dumps(r) for r in rules.values()), "domains mode needs a domain list"

    closed = Stack.with_params({"SignUpMode": "admin-only"})
    assert _pool(closed)["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert "PreSignUp" not in _pool(closed).get("LambdaConfig", {})


def test_15_prod_says_which_sign_up_mode_it_uses() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert "SignUpMode" in parameter_overrides("prod"), "prod states its sign-up mode"
    assert config["prod"]["deploy"]["parameters"]
