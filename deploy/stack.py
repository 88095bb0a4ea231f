"""Reads a deployed stack's outputs, so no command needs a hand-copied id."""

from __future__ import annotations

import os
import shlex
import tomllib
from functools import lru_cache
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def config_env(env: str) -> dict:
    data = tomllib.loads((ROOT / "samconfig.toml").read_text())
    if env not in data:
        raise SystemExit(f"no environment {env!r} in samconfig.toml (have: {', '.join(k for k in data if k != 'version')})")
    return data[env]["global"]["parameters"]


def build_parameters(env: str) -> dict:
    """samconfig.toml's [<env>.build.parameters] (e.g. use_container)."""
    data = tomllib.loads((ROOT / "samconfig.toml").read_text())
    config_env(env)
    return dict(data[env].get("build", {}).get("parameters", {}))


def parameter_overrides(env: str) -> dict[str, str]:
    """samconfig.toml's parameter_overrides for an environment, as {name: value} (`sam deploy` replaces them
    whenever --parameter-overrides is given, so callers pass them all)."""
    data = tomllib.loads((ROOT / "samconfig.toml").read_text())
    config_env(env)  # a clear error for an unknown environment
    text = data[env].get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    if isinstance(text, list):  # samconfig also allows a list of "Name=Value" strings
        text = " ".join(shlex.quote(item) for item in text)
    return dict(item.split("=", 1) for item in shlex.split(text))


def parameters(env: str) -> dict[str, str]:
    """Every template parameter's value for an environment: the template's defaults, then samconfig's overrides."""
    from infra import template

    defaults = {name: str(p.get("Default", "")) for name, p in template.load()["Parameters"].items()}
    return {**defaults, **parameter_overrides(env)}


def stack_name(env: str) -> str:
    return config_env(env)["stack_name"]


def region(env: str) -> str:
    return os.environ.get("AWS_REGION") or config_env(env).get("region", "us-east-1")


@lru_cache(maxsize=4)
def outputs(env: str) -> dict[str, str]:
    cfn = boto3.client("cloudformation", region_name=region(env))
    stack = cfn.describe_stacks(StackName=stack_name(env))["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def physical_id(env: str, logical_id: str) -> str:
    cfn = boto3.client("cloudformation", region_name=region(env))
    return cfn.describe_stack_resource(StackName=stack_name(env), LogicalResourceId=logical_id)["StackResourceDetail"][
        "PhysicalResourceId"
    ]


def has_credentials() -> bool:
    """Whether boto3 finds AWS credentials at all (environment, profile, SSO, instance role)."""
    return boto3.session.Session().get_credentials() is not None


def test_target(env: str) -> dict[str, str]:
    """What `make test-deployed` points the e2e tests at, read from the stack (read-only)."""
    found = outputs(env)
    params = parameters(env)
    return {
        "rest_url": found["RestApiUrl"],
        "ws_url": found["WebSocketUrl"],
        "ui_url": found.get("UiUrl", ""),
        "user_pool_id": found["UserPoolId"],
        "client_id": found["UserPoolClientId"],
        "rest_api_id": physical_id(env, "RestApi"),
        "stage": params.get("Stage", "v1"),
        "allowed_origin": params.get("AllowedOrigin", ""),
        "region": region(env),
    }
