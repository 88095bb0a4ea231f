"""`make deploy ENV=staging|prod`: preflight, build, deploy, push the ETL image, upload the UI, invalidate CloudFront.

ETL=off deploys without the ETL task (no image, and no Drive or Docker checks)."""

from __future__ import annotations

import json
import mimetypes
import os
import shlex
import subprocess
import sys
import time

import boto3

from deploy import preflight, sam_cli, stack
from deploy.ui_config import from_outputs


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
    command = [sam_cli.path(), "deploy", "--config-env", env, "--no-fail-on-empty-changeset",
               "--parameter-overrides", *(f'{name}="{value}"' for name, value in params.items())]
    if not interactive:
        command.append("--no-confirm-changeset")
    return command


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
    subprocess.run(["docker", "login", "--username", user, "--password-stdin", registry], input=password.encode(),
                   check=True)
    # The task definition runs X86_64: build for it whatever the machine (Apple silicon builds arm64).
    run("docker", "build", "--platform", "linux/amd64", "-f", "etl_task/Dockerfile", "-t", f"{repository}:{tag}", ".")
    run("docker", "push", f"{repository}:{tag}")


def upload_ui(env: str) -> None:
    outputs = stack.outputs(env)
    s3 = boto3.client("s3", region_name=stack.region(env))
    dist = stack.ROOT / "frontend" / "dist"
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # Only Vite's content-hashed assets are immutable; pages and the docs page's Swagger files are revalidated.
        cache = "public, max-age=31536000, immutable" if key.startswith("assets/") else "no-cache"
        s3.upload_file(str(path), outputs["UiBucketName"], key, ExtraArgs={"ContentType": kind, "CacheControl": cache})
    config = from_outputs(outputs, stack.region(env))
    s3.put_object(Bucket=outputs["UiBucketName"], Key="config.json", Body=json.dumps(config).encode(),
                  ContentType="application/json", CacheControl="no-cache")
    boto3.client("cloudfront").create_invalidation(
        DistributionId=outputs["DistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())})


def main(env: str) -> int:
    if preflight.main(env) != 0:
        return 1
    etl = preflight.etl_enabled()
    tag = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                         cwd=stack.ROOT).stdout.strip() if etl else ""
    run(sam_cli.path(), "build", "--config-env", env)
    # First deploy creates the repository; the task definition then points at the pushed tag.
    run(*deploy_command(env, tag, interactive()))
    if etl:
        push_etl_image(env, tag)
    run("npm", "--prefix", "frontend", "ci")
    run("npm", "--prefix", "frontend", "run", "build")
    upload_ui(env)
    outputs = stack.outputs(env)
    print(f"\nDeployed {stack.stack_name(env)}:")
    for key in ("UiUrl", "RestApiUrl", "WebSocketUrl", "UserPoolId", "UserPoolClientId"):
        print(f"  {key:18} {outputs[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "staging"))
