"""Issue #24 (security review 2026-12-03): the template, IAM and deploy findings, each pinned by an offline check
on the template after the SAM transform (as CloudFormation receives it).

Each test names its review finding and fails on the template before its fix: INFRA_TEMPLATE=<old template.yaml>
runs them against another template (`git show main:template.yaml > /tmp/old.yaml`).
"""

from __future__ import annotations

from tests.infra.cfn import Stack
from tests.infra.conftest import transformed_template_for


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


# --- 18: logs expire, traces carry no responses ---------------------------------------------------------------


def test_24_18_no_function_records_its_response_in_xray() -> None:
    for env in ("default", "prod"):
        functions = _of_type(transformed_template_for(env), "AWS::Lambda::Function")
        assert functions
        for name, function in functions.items():
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            assert variables.get("POWERTOOLS_TRACER_CAPTURE_RESPONSE") == "false", name


def test_24_18_every_function_writes_to_a_log_group_of_the_stack_that_expires() -> None:
    stack_ = Stack.with_params({"SignUpMode": "domains", "SignUpAllowedDomains": "example.com", "EtlImageTag": "abc"})
    groups = {}
    for name, group in stack_.of_type("AWS::Logs::LogGroup").items():
        assert group["Properties"].get("RetentionInDays"), f"{name} never expires"
        groups[str(stack_.evaluate(group["Properties"].get("LogGroupName", "")))] = name
    for name in stack_.of_type("AWS::Lambda::Function"):
        assert str({"Fn::Sub": f"/aws/lambda/${{{name}}}"}) in groups, f"{name} logs to a group Lambda creates (never expires)"
