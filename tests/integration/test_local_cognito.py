"""The local user pool and client are the template's (local/aws.py provisions them from template.yaml), so
sign-up rules and sign-in flows cannot drift between `make run` and a deployed stack."""

from __future__ import annotations

import boto3

from infra import template


def _properties(kind: str) -> dict:
    (properties,) = (r["Properties"] for r in template.resources(kind).values())
    return properties


def test_the_local_pool_has_the_templates_password_policy_and_sign_in_attributes(stack) -> None:
    idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
    pool = idp.describe_user_pool(UserPoolId=stack.resources.user_pool_id)["UserPool"]
    wanted = _properties("AWS::Cognito::UserPool")
    policy = pool["Policies"]["PasswordPolicy"]
    assert {k: policy[k] for k in wanted["Policies"]["PasswordPolicy"]} == wanted["Policies"]["PasswordPolicy"]
    assert pool["UsernameAttributes"] == wanted["UsernameAttributes"]
    assert pool["AutoVerifiedAttributes"] == wanted["AutoVerifiedAttributes"]
    assert pool["AccountRecoverySetting"] == wanted["AccountRecoverySetting"]


def test_the_local_client_allows_the_templates_auth_flows(stack) -> None:
    idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
    client = idp.describe_user_pool_client(UserPoolId=stack.resources.user_pool_id, ClientId=stack.resources.client_id)[
        "UserPoolClient"
    ]
    wanted = _properties("AWS::Cognito::UserPoolClient")
    assert sorted(client["ExplicitAuthFlows"]) == sorted(wanted["ExplicitAuthFlows"])
    assert client["ClientName"] == wanted["ClientName"]
    assert "ClientSecret" not in client
