"""`make test-deployed ENV=staging`: the e2e tests marked `deployable` against a deployed stack.

The base URLs, the user pool and its client come from the stack's outputs (deploy/stack.py); a test user
is created (or reset) in the pool with the deployer's credentials. Tests that need the local stack's
insides (its database, moto, a second gateway) are not marked and do not run.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from typing import Any
from urllib.parse import urlparse

TARGET_ENV = "E2E_DEPLOYED"  # the target as JSON, for the pytest run
TEST_USER = "e2e-tests@example.com"


class DeployedResources:
    """The parts of local.aws.AwsResources the e2e tests use, for a deployed stack."""

    endpoint = None  # boto3's default endpoints: the real Cognito

    def __init__(self, target: dict[str, str]):
        self.user_pool_id = target["user_pool_id"]
        self.client_id = target["client_id"]
        origin = target.get("allowed_origin") or ""
        # What the template's references resolve to on this stack (CORS origins in gateway responses).
        self.refs: dict[str, dict[str, str]] = {"Distribution": {"DomainName": urlparse(target.get("ui_url", "")).netloc}}
        if origin:
            self.refs["AllowedOrigin"] = {"Ref": origin}


class DeployedStack:
    """Stands where tests expect the local stack: url, ws_url, resources, demo_token()."""

    management_url = None

    def __init__(self, target: dict[str, Any]):
        self.target = target
        self.url = target["rest_url"].rstrip("/")
        self.ws_url = target["ws_url"].rstrip("/")
        self.rest_api_id = target["rest_api_id"]
        self.stage = target["stage"]
        self.resources = DeployedResources(target)

    @classmethod
    def from_env(cls) -> DeployedStack:
        return cls(json.loads(os.environ[TARGET_ENV]))

    def demo_token(self) -> str:
        from local import aws

        return aws.sign_in(None, self.resources.client_id, self.target["username"], self.target["password"])["IdToken"]


def deployed() -> bool:
    return bool(os.environ.get(TARGET_ENV))


def main(argv: list[str]) -> int:
    env = argv[0] if argv else "staging"
    from deploy import stack

    if not stack.has_credentials():
        print(
            f"make test-deployed: no AWS credentials found for ENV={env} "
            "(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`).",
            file=sys.stderr,
        )
        return 2
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from local import aws

    try:
        target = stack.test_target(env)
        idp = boto3.client("cognito-idp", region_name=target["region"])
        password = f"E2e-{secrets.token_urlsafe(12)}!9a"
        aws.ensure_user(idp, target["user_pool_id"], TEST_USER, password)
    except (BotoCoreError, ClientError, KeyError) as exc:
        print(f"make test-deployed: cannot read the {env} stack: {exc}", file=sys.stderr)
        return 2
    target |= {"username": TEST_USER, "password": password}
    env_vars = os.environ | {TARGET_ENV: json.dumps(target), "AWS_DEFAULT_REGION": target["region"]}
    env_vars.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, "-m", "pytest", "tests/e2e", "-m", "deployable", "-p", "no:cacheprovider", *argv[1:]]
    return subprocess.call(command, env=env_vars)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
