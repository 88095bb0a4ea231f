"""Deploy review findings 16-28 of issue #10 (and the template side of #15), each pinned by an offline check.

Each test fails on the template before its fix: run with INFRA_TEMPLATE=<old template.yaml> to see it
(`git show <commit>:template.yaml > /tmp/old.yaml`). Names, conditions and gateway responses are checked
after the SAM transform, as CloudFormation receives them.
"""

from __future__ import annotations

import json
import re
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
    "$context.error.validationErrorString":
        '[object has missing required properties (["genre","rating"]), instance value ("x") not found in enum]',
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
    assert prod.get("DeletionPolicy") == "Retain" and prod.get("UpdateReplacePolicy") == "Retain", name
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
    readme = (ROOT / "README.md").read_text()
    assert "SesEmailIdentityArn" in readme and "50" in readme

