"""`make deploy ENV=staging|prod`: preflight, build the UI, push the ETL image, `sam deploy`, upload the UI,
invalidate CloudFront, smoke-test.

Everything that can fail on this machine (preflight, the UI and SAM builds, the image build) runs before anything
changes in the account. The image is pushed before the task definition points at its tag; on the very first
deploy the stack (and its repository) is created without an ETL task first. ETL=off deploys without the ETL task
(no image, and no Drive or Docker checks); SMOKE=off skips the final smoke test."""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import os
import shlex
import subprocess
import sys
import time

import boto3
import botocore.exceptions

from deploy import preflight, sam_cli, smoke, stack
from deploy.ui_config import from_outputs, ui_files


def run(*cmd: str) -> None:
    print("+", shlex.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=stack.ROOT)


def interactive() -> bool:
    """A person at a terminal (CI sets CI=true and has no terminal: a changeset prompt there just aborts)."""
    return sys.stdin.isatty() and not os.environ.get("CI")


def deploy_command(env: str, image_tag: str, interactive: bool) -> list[str]:
    """The exact `sam deploy` line. --parameter-overrides replaces samconfig's overrides instead of merging
    with them, so the environment's whole set goes along with the image tag ("" deploys no ETL task)."""
    params = {**stack.parameter_overrides(env), "EtlImageTag": image_tag}
    quoted = [name for name, value in params.items() if '"' in value]
    if quoted:
        raise SystemExit(f"samconfig.toml [{env}]: parameter values cannot contain double quotes ({', '.join(quoted)})")
    command = [
        sam_cli.path(),
        "deploy",
        "--config-env",
        env,
        "--no-fail-on-empty-changeset",
        "--parameter-overrides",
        *(f'{name}="{value}"' for name, value in params.items()),
    ]
    if not interactive:
        command.append("--no-confirm-changeset")
    role = os.environ.get("CFN_EXECUTION_ROLE_ARN")
    if role:  # the pipeline: CloudFormation makes the changes with the bootstrap's execution role (make bootstrap-ci)
        command += ["--role-arn", role]
    return command


def _git(*args: str) -> bytes:
    return subprocess.run(["git", *args], capture_output=True, check=True, cwd=stack.ROOT).stdout


def image_tag() -> str:
    """The commit's short hash; a dirty tree gets `<hash>-dirty-<hash of the changes>`, so an image built from
    uncommitted code never takes the clean commit's (immutable) tag, and the same changes reuse their image."""
    head = _git("rev-parse", "--short", "HEAD").decode().strip()
    status = _git("status", "--porcelain", "--untracked-files=all")
    if not status.strip():
        return head
    changes = hashlib.sha256(status + _git("diff", "HEAD", "--binary"))
    for name in sorted(_git("ls-files", "--others", "--exclude-standard", "-z").split(b"\0")):
        if name:
            changes.update(name + (stack.ROOT / name.decode()).read_bytes())
    return f"{head}-dirty-{changes.hexdigest()[:8]}"


def stack_exists(env: str) -> bool:
    cfn = boto3.client("cloudformation", region_name=stack.region(env))
    try:
        cfn.describe_stacks(StackName=stack.stack_name(env))
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return True


def push_etl_image(env: str, tag: str) -> None:
    outputs = stack.outputs(env)
    repository = outputs["EtlRepositoryUri"]
    ecr = boto3.client("ecr", region_name=stack.region(env))
    try:  # tags are immutable: this commit's image is already there
        ecr.describe_images(repositoryName=repository.split("/", 1)[1], imageIds=[{"imageTag": tag}])
        return
    except ecr.exceptions.ImageNotFoundException:
        pass
    registry = repository.split("/")[0]
    token = ecr.get_authorization_token()["authorizationData"][0]
    import base64

    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    subprocess.run(["docker", "login", "--username", user, "--password-stdin", registry], input=password.encode(), check=True)
    # The task definition runs X86_64: build for it whatever the machine (Apple silicon builds arm64).
    run("docker", "build", "--platform", "linux/amd64", "-f", "etl_task/Dockerfile", "-t", f"{repository}:{tag}", ".")
    run("docker", "push", f"{repository}:{tag}")


# Log groups AWS services create themselves ("Never expire", and not stack resources): kept for as long as the
# stack's own, and deleted by make destroy.
SERVICE_LOG_RETENTION_DAYS = 90


def service_log_group_names(database_id: str, rest_api_id: str, stage: str, cluster: str = "") -> list[str]:
    """RDS's PostgreSQL log export, API Gateway's execution logs and the ETL cluster's Container Insights."""
    return [
        name
        for name, part in (
            (f"/aws/rds/instance/{database_id}/postgresql", database_id),
            (f"API-Gateway-Execution-Logs_{rest_api_id}/{stage}", rest_api_id),
            (f"/aws/ecs/containerinsights/{cluster}/performance", cluster),
        )
        if part
    ]


def service_log_groups(env: str) -> list[str]:
    return service_log_group_names(
        stack.physical_id(env, "Database"),
        stack.physical_id(env, "RestApi"),
        stack.parameters(env).get("Stage", "v1"),
        stack.physical_id(env, "EtlCluster"),
    )


def keep_service_logs(env: str) -> None:
    """Creates them when the service has not yet (it then writes into ours) and sets their retention."""
    logs = boto3.client("logs", region_name=stack.region(env))
    for name in service_log_groups(env):
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=name)
        logs.put_retention_policy(logGroupName=name, retentionInDays=SERVICE_LOG_RETENTION_DAYS)
        print(f"log group {name}: {SERVICE_LOG_RETENTION_DAYS} days", flush=True)


def build_ui() -> None:
    run("npm", "--prefix", "frontend", "ci")
    run("npm", "--prefix", "frontend", "run", "build")


def upload_ui(env: str) -> None:
    outputs = stack.outputs(env)
    s3 = boto3.client("s3", region_name=stack.region(env))
    dist = stack.ROOT / "frontend" / "dist"
    for key, body in ui_files(dist, outputs, stack.region(env)):  # the pages' connect-src names this stack's APIs
        kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
        # Only Vite's content-hashed assets are immutable; pages and the docs page's Swagger files are revalidated.
        cache = "public, max-age=31536000, immutable" if key.startswith("assets/") else "no-cache"
        s3.put_object(Bucket=outputs["UiBucketName"], Key=key, Body=body, ContentType=kind, CacheControl=cache)
    config = from_outputs(outputs, stack.region(env))
    s3.put_object(
        Bucket=outputs["UiBucketName"],
        Key="config.json",
        Body=json.dumps(config).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )


def invalidate(env: str) -> None:
    outputs = stack.outputs(env)
    boto3.client("cloudfront").create_invalidation(
        DistributionId=outputs["DistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )


def smoke_enabled() -> bool:
    return os.environ.get("SMOKE", "").lower() not in ("off", "false", "0", "no")


def main(env: str) -> int:
    if preflight.main(env) != 0:
        return 1
    etl = preflight.etl_enabled()
    tag = image_tag() if etl else ""
    build_ui()  # a Node problem stops here, before anything changes in the account
    run(sam_cli.path(), "build", "--config-env", env)
    if etl:
        if not stack_exists(env):  # the first deploy creates the repository: no ETL task until its image is there
            run(*deploy_command(env, "", interactive()))
            stack.outputs.cache_clear()
        push_etl_image(env, tag)
    run(*deploy_command(env, tag, interactive()))
    stack.outputs.cache_clear()
    keep_service_logs(env)
    upload_ui(env)
    invalidate(env)
    outputs = stack.outputs(env)
    print(f"\nDeployed {stack.stack_name(env)}:")
    for key in ("UiUrl", "RestApiUrl", "WebSocketUrl", "UserPoolId", "UserPoolClientId"):
        print(f"  {key:18} {outputs[key]}")
    if smoke_enabled():
        return smoke.main(env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "staging"))
