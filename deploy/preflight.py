"""`make preflight ENV=…` (and the first step of `make deploy`): is this account and machine ready for the stack?

Every check is read-only except one: a missing ECS service-linked role is created, as the first cluster in an
account needs it. Each problem says exactly what to do. Exit status 1 when any check fails; a warning (WARN) names
a risk that does not stop the deploy (a new account's CloudFront verification, a low Lambda quota, no Drive secret).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions

from deploy import stack

LAMBDA_MIN_UNRESERVED = 100  # Lambda refuses reservations that leave less than this unreserved
LAMBDA_COMFORTABLE_QUOTA = 100  # below this (new accounts start at 10) a few users at once get throttled
NODE_MINIMUM = ((20, 19), (22, 12))  # Vite 8 / rolldown's engines: ^20.19.0 || >=22.12.0
PYTHON_RUNTIME = "python3.12"  # every function's Runtime: sam build needs this interpreter (or a build container)
CONCURRENCY_QUOTA = "L-B99A9384"  # Service Quotas code of Lambda "Concurrent executions"
ECS_SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"


@dataclass(frozen=True)
class Result:
    check: str
    ok: bool
    message: str
    fix: str = ""  # what to do, when not ok (or when warning)
    warning: bool = False  # ok, but a risk the person deploying should know about


@dataclass
class Context:
    env: str
    region: str
    params: dict[str, str]
    etl: bool
    session: boto3.session.Session

    def client(self, service: str) -> Any:  # boto3 clients share no common type
        return self.session.client(service, region_name=self.region)


def _error_code(exc: botocore.exceptions.ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _override_hint(ctx: Context, name: str, value: str) -> str:
    return f'add {name}=\\"{value}\\" to parameter_overrides in samconfig.toml [{ctx.env}.deploy.parameters]'


def check_credentials(ctx: Context) -> Result:
    try:
        identity = ctx.client("sts").get_caller_identity()
    except botocore.exceptions.NoCredentialsError:
        return Result(
            "credentials",
            False,
            "no AWS credentials found",
            "run `aws configure`, or `aws sso login --profile <p>` and export AWS_PROFILE=<p>",
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        return Result(
            "credentials",
            False,
            f"the credentials do not work: {exc}",
            "refresh them (`aws sso login`, or new access keys) and check `aws sts get-caller-identity`",
        )
    if ctx.region not in boto3.session.Session().get_available_regions("cloudformation"):
        return Result(
            "credentials",
            False,
            f"unknown region {ctx.region!r}",
            f"set region in samconfig.toml [{ctx.env}.global.parameters] or AWS_REGION",
        )
    return Result("credentials", True, f"account {identity['Account']} as {identity['Arn']}, region {ctx.region}")


def _template_concurrency() -> tuple[dict[str, int], int]:
    """(reserved concurrency per function when ReserveConcurrency=true, the processor's MaximumConcurrency)."""
    from infra import template

    reserved, processor = {}, 0
    for name, function in template.functions().items():
        value = function["Properties"].get("ReservedConcurrentExecutions")
        if isinstance(value, dict) and "Fn::If" in value:
            value = value["Fn::If"][1]
        if isinstance(value, int):
            reserved[name] = value
        for event in function["Properties"].get("Events", {}).values():
            processor += event["Properties"].get("ScalingConfig", {}).get("MaximumConcurrency", 0)
    return reserved, processor


def check_lambda_concurrency(ctx: Context, stack_exists: bool) -> Result:
    limits = ctx.client("lambda").get_account_settings()["AccountLimit"]
    total, unreserved = limits["ConcurrentExecutions"], limits["UnreservedConcurrentExecutions"]
    reserved, processor = _template_concurrency()
    raise_quota = (
        f"or ask for more: aws service-quotas request-service-quota-increase --service-code lambda "
        f"--quota-code {CONCURRENCY_QUOTA} --desired-value 1000 --region {ctx.region}"
    )
    if ctx.params.get("ReserveConcurrency") == "true":
        need = sum(reserved.values())
        # An existing stack's reservations are already taken from `unreserved`: compare with the total then.
        left = (total if stack_exists else unreserved) - need
        if left < LAMBDA_MIN_UNRESERVED:
            return Result(
                "lambda concurrency",
                False,
                f"ReserveConcurrency=true reserves {need} ({', '.join(f'{k} {v}' for k, v in reserved.items())}) "
                f"and Lambda keeps {LAMBDA_MIN_UNRESERVED} unreserved, but the account has {unreserved} "
                f"unreserved of {total}",
                f"{_override_hint(ctx, 'ReserveConcurrency', 'false')}, {raise_quota}",
            )
        return Result("lambda concurrency", True, f"quota {total}; reserving {need} leaves {left}")
    need = processor + 5  # the processor's ceiling plus room for the API and the other functions
    if total < need:
        return Result(
            "lambda concurrency",
            False,
            f"the account's concurrency quota is {total}: the add processor alone may use {processor}",
            raise_quota.removeprefix("or "),
        )
    if total < LAMBDA_COMFORTABLE_QUOTA:
        return Result(
            "lambda concurrency",
            True,
            f"quota {total} (a new account's): the add processor may use {processor}, leaving "
            f"{total - processor} for the API, WebSocket and notifier functions, so a few users at once "
            "are throttled",
            raise_quota.removeprefix("or "),
            warning=True,
        )
    return Result("lambda concurrency", True, f"quota {total}, {unreserved} unreserved; adds use at most {processor}")


def _role_exists(ctx: Context, role_arn: str) -> bool:
    try:
        ctx.client("iam").get_role(RoleName=role_arn.rsplit("/", 1)[-1])
        return True
    except botocore.exceptions.ClientError as exc:
        if _error_code(exc) == "NoSuchEntity":
            return False
        raise


def check_api_gateway_role(ctx: Context) -> Result:
    arn = ctx.client("apigateway").get_account().get("cloudwatchRoleArn")
    usable = bool(arn) and _role_exists(ctx, arn)
    if ctx.params.get("CreateApiGatewayAccountRole", "true") == "true":
        note = f" (replacing {arn}: account-wide; CreateApiGatewayAccountRole=false keeps it)" if usable else ""
        return Result("api gateway logs role", True, f"the stack sets the account's CloudWatch Logs role{note}")
    if usable:
        return Result("api gateway logs role", True, f"the account's CloudWatch Logs role is {arn}")
    state = f"names {arn}, which no longer exists" if arn else "has no CloudWatch Logs role"
    return Result(
        "api gateway logs role",
        False,
        f"API Gateway in {ctx.region} {state}: the stages, which log, would fail to create",
        f"{_override_hint(ctx, 'CreateApiGatewayAccountRole', 'true')}, or set one: aws apigateway "
        "update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role arn>",
    )


def check_ecs_service_linked_role(ctx: Context) -> Result:
    iam = ctx.client("iam")
    # Service-linked roles live under this path: found whatever the role's exact name.
    if iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]:
        return Result("ecs service-linked role", True, f"{ECS_SERVICE_LINKED_ROLE} exists")
    try:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    except botocore.exceptions.ClientError as exc:
        return Result(
            "ecs service-linked role",
            False,
            f"{ECS_SERVICE_LINKED_ROLE} is missing and could not be created ({_error_code(exc)}): the first "
            "ECS cluster in an account fails without it",
            "ask an administrator to run: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
        )
    return Result("ecs service-linked role", True, f"created {ECS_SERVICE_LINKED_ROLE} (the first cluster needs it)")


def check_drive_secret(ctx: Context) -> Result:
    name = ctx.params.get("DriveCredentialsSecretName", "")
    try:
        ctx.client("secretsmanager").describe_secret(SecretId=name)
    except botocore.exceptions.ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        # The stack deploys without it; only an ETL run reads it (that run then fails and EtlFailedRule alerts).
        return Result(
            "drive credentials",
            True,
            f"no secret {name!r} in {ctx.region} yet: the stack deploys, but ETL runs (make etl-remote, the "
            "schedule) fail until it exists",
            f"aws secretsmanager create-secret --region {ctx.region} --name {name} "
            "--secret-string file://credentials.json (README: Deploy to AWS)",
            warning=True,
        )
    return Result("drive credentials", True, f"secret {name} exists")


def _version(text: str) -> tuple[int, ...]:
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part) for part in found.groups() if part is not None) if found else ()


def _tool_version(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout + done.stderr).strip() if done.returncode == 0 else None


def check_python_runtime(ctx: Context) -> Result:
    """sam build's pip builder needs the runtime's interpreter on PATH, unless it builds in a container."""
    build = stack.build_parameters(ctx.env)
    if build.get("use_container") is True:
        return Result("python 3.12", True, f"sam build runs in a container (use_container in [{ctx.env}.build.parameters])")
    found = shutil.which(PYTHON_RUNTIME)
    version = _tool_version([found, "--version"]) if found else None
    if version is None or _version(version)[:2] != (3, 12):
        state = "is not on PATH" if found is None else f"does not run as Python 3.12 ({version or 'no answer'})"
        return Result(
            "python 3.12",
            False,
            f'{PYTHON_RUNTIME} {state}: sam build fails ("Binary validation failed ... python3.12") because '
            "every function runs python3.12",
            f"install Python 3.12 (python.org, pyenv, or apt/brew python3.12) so that `{PYTHON_RUNTIME}` runs, "
            f"or set use_container = true under [{ctx.env}.build.parameters] in samconfig.toml (builds in "
            "Docker; arm64 images on an x86 machine need QEMU/binfmt)",
        )
    return Result("python 3.12", True, f"{found}: {version}")


def check_node(_ctx: Context) -> Result:
    """The UI is built before anything changes in the account: Vite 8 needs Node 20.19+ or 22.12+, and npm."""
    node = shutil.which("node")
    version = _tool_version([node, "--version"]) if node else None
    fix = "install Node.js 22 LTS (or 20.19+) with npm, e.g. from https://nodejs.org or with nvm"
    if version is None:
        return Result("node", False, "node is not installed: the UI cannot be built", fix)
    have = _version(version)
    if not any(have[:1] == (major,) and have[:2] >= (major, minor) for major, minor in NODE_MINIMUM) and not (
        have and have[0] > NODE_MINIMUM[-1][0]
    ):
        return Result("node", False, f"node {version} is too old: Vite 8 needs 20.19+ or 22.12+", fix)
    npm = shutil.which("npm")
    npm_version = _tool_version([npm, "--version"]) if npm else None
    if npm_version is None:
        return Result("node", False, f"node {version} has no working npm: the UI cannot be built", fix)
    return Result("node", True, f"node {version}, npm {npm_version}")


def check_alerts(ctx: Context) -> Result:
    email = ctx.params.get("AlertEmail", "")
    if email:
        return Result("alert target", True, f"alarms mail {email} (once its SNS subscription mail is confirmed)")
    if ctx.params.get("EnvironmentType") != "prod":
        return Result("alert target", True, "no AlertEmail: alarms notify nobody (fine outside prod)")
    return Result(
        "alert target",
        False,
        "prod has no AlertEmail: its alarms (failed adds, 5xx, database, ETL) would notify nobody",
        f"{_override_hint(ctx, 'AlertEmail', 'ops@example.com')}, then confirm the subscription mail SNS "
        "sends to it (an unconfirmed subscription receives nothing)",
    )


def check_drive_folder(ctx: Context) -> Result:
    """Whoever controls the Drive folder writes prod's library: prod names its folder (a template Rule refuses none)."""
    folder = ctx.params.get("DriveFolderId", "")
    if folder:
        return Result("drive folder", True, f"the ETL loads Drive folder {folder}")
    if ctx.params.get("EnvironmentType") != "prod":
        return Result("drive folder", True, "no DriveFolderId: the ETL loads the public sample folder (fine outside prod)")
    return Result(
        "drive folder",
        False,
        "prod has no DriveFolderId: whoever controls the folder writes the library every user sees",
        f"{_override_hint(ctx, 'DriveFolderId', '<id of a folder your team controls>')} "
        "(README: What the Drive folder is trusted with)",
    )


def check_sign_up(ctx: Context) -> Result:
    """Prod is closed by default: open sign-up there needs OpenSignUpInProd=true and SES (the template's Rule
    refuses it otherwise); Cognito's own sender allows about 50 mails a day, which anyone can use up."""
    mode, prod = ctx.params.get("SignUpMode", "open"), ctx.params.get("EnvironmentType") == "prod"
    ses = bool(ctx.params.get("SesEmailIdentityArn"))
    invite_only = f"{_override_hint(ctx, 'SignUpMode', 'admin-only')} (invite only: aws cognito-idp admin-create-user)"
    if mode == "domains" and not ctx.params.get("SignUpAllowedDomains"):
        return Result(
            "sign-up",
            False,
            "SignUpMode=domains but SignUpAllowedDomains is empty: nobody could sign up",
            f"{_override_hint(ctx, 'SignUpAllowedDomains', 'example.com')} (your team's mail domains), or {invite_only}",
        )
    if mode != "open" or not prod:
        return Result("sign-up", True, f"SignUpMode={mode}")
    missing = [
        what
        for what, there in (
            ("OpenSignUpInProd=true", ctx.params.get("OpenSignUpInProd") == "true"),
            ("SesEmailIdentityArn (SES)", ses),
        )
        if not there
    ]
    if missing:
        sender = "" if ses else " on Cognito's default sender (about 50 mails a day, which anyone can use up)"
        return Result(
            "sign-up",
            False,
            f"prod sign-up is open to anyone{sender}",
            f"{invite_only}, or SignUpMode=domains with SignUpAllowedDomains; to keep it open on purpose, "
            f"set {' and '.join(missing)} (README: Prod needs three settings first)",
        )
    return Result("sign-up", True, "prod sign-up is open to anyone (OpenSignUpInProd=true, mail through SES)")


def check_ses_production_access(ctx: Context) -> Result | None:
    """With an SES identity, a sandboxed SES account mails verified addresses only: sign-up breaks for others."""
    if not ctx.params.get("SesEmailIdentityArn"):
        return None
    account = ctx.client("sesv2").get_account()
    if account.get("ProductionAccessEnabled"):
        return Result("ses production access", True, f"SES in {ctx.region} has production access")
    return Result(
        "ses production access",
        ctx.params.get("EnvironmentType") != "prod",
        f"SES in {ctx.region} is in the sandbox: Cognito's codes reach verified addresses only",
        "request production access: SES console > Account dashboard > Request production access "
        f"(or aws sesv2 put-account-details --region {ctx.region} --production-access-enabled ...)",
        warning=ctx.params.get("EnvironmentType") != "prod",
    )


def check_cloudfront_account(ctx: Context, stack_exists: bool) -> Result | None:
    """A brand-new account may get "Your account must be verified before you can add new CloudFront resources"
    from CreateDistribution, after RDS has started: the first create then rolls back."""
    if stack_exists:
        return None
    listing = ctx.client("cloudfront").list_distributions()["DistributionList"]
    if listing.get("Quantity", 0) or listing.get("Items"):
        return Result("cloudfront", True, "the account already has CloudFront distributions")
    return Result(
        "cloudfront",
        True,
        'the account has no CloudFront distribution yet: a new account may be refused one ("Your account '
        'must be verified before you can add new CloudFront resources") and the first create rolls back',
        "if this is a new account, open an AWS Support case to verify it for CloudFront before deploying",
        warning=True,
    )


def check_docker(_ctx: Context) -> Result:
    docker = shutil.which("docker")
    if docker is None:
        return Result(
            "docker",
            False,
            "docker is not installed: the ETL image cannot be built",
            "install Docker (https://docs.docker.com/get-docker/), or deploy with ETL=off",
        )
    try:
        info = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        info = None
    if info is None or info.returncode != 0:
        return Result(
            "docker",
            False,
            "docker is installed but its daemon does not answer",
            "start Docker (Docker Desktop, or `sudo systemctl start docker`) and retry",
        )
    return Result("docker", True, f"docker server {info.stdout.strip()}")


def stack_status(ctx: Context) -> str | None:
    try:
        found = ctx.client("cloudformation").describe_stacks(StackName=stack.stack_name(ctx.env))["Stacks"]
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return found[0]["StackStatus"]


def check_user_pool_kept(ctx: Context, status: str | None) -> Result | None:
    """Usernames became case-insensitive (UsernameConfiguration), a property Cognito fixes when it creates a pool:
    deploying it to a stack whose pool was made before would replace the pool (a new, empty one; the old one is
    retained, but the app signs in against the new one). Such a stack keeps CaseSensitiveUsernames=true."""
    if status is None:
        return None
    (found,) = ctx.client("cloudformation").describe_stacks(StackName=stack.stack_name(ctx.env))["Stacks"]
    deployed = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}
    was_sensitive = deployed.get("CaseSensitiveUsernames", "true") == "true"  # absent: made before the parameter
    if not was_sensitive or ctx.params.get("CaseSensitiveUsernames", "false") == "true":
        return Result("user pool", True, "this deploy keeps the user pool")
    return Result(
        "user pool",
        False,
        "this deploy would replace the user pool (case-insensitive usernames are fixed when a pool is created): "
        "every account would be left behind in the old pool",
        f"{_override_hint(ctx, 'CaseSensitiveUsernames', 'true')} to keep it, or migrate the accounts first "
        "(README: Case-insensitive usernames)",
    )


def check_stack_state(ctx: Context, status: str | None) -> Result:
    name = stack.stack_name(ctx.env)
    events = f"see why: aws cloudformation describe-stack-events --stack-name {name} --region {ctx.region}"
    if status is None:
        return Result("stack state", True, f"{name} does not exist yet: it will be created")
    if status == "ROLLBACK_COMPLETE" or status in ("CREATE_FAILED", "ROLLBACK_FAILED"):
        return Result(
            "stack state",
            False,
            f"{name} is {status}: its first create failed and it can only be deleted",
            f"{events}; then delete it with what it left behind: make destroy ENV={ctx.env}",
        )
    if status == "UPDATE_ROLLBACK_FAILED":
        return Result(
            "stack state",
            False,
            f"{name} is {status}: no update can start until the rollback finishes",
            f"{events}; fix what blocked it, then aws cloudformation continue-update-rollback --stack-name {name} "
            f"--region {ctx.region}",
        )
    if status.endswith("_FAILED"):
        return Result(
            "stack state",
            False,
            f"{name} is {status}",
            f"{events}; fix what blocked it (often a non-empty bucket), then make destroy ENV={ctx.env} again",
        )
    if status.endswith("_IN_PROGRESS"):
        return Result(
            "stack state",
            False,
            f"{name} is {status}",
            f"wait for it: aws cloudformation describe-stacks --stack-name {name} --region {ctx.region}",
        )
    return Result("stack state", True, f"{name} is {status}")


def run(env: str, etl: bool = True, params: dict[str, str] | None = None) -> list[Result]:
    """All checks for an environment; `params` overrides samconfig's values (as --parameter-overrides would)."""
    region = stack.region(env)
    ctx = Context(env, region, {**stack.parameters(env), **(params or {})}, etl, boto3.session.Session(region_name=region))
    # Configuration first: these need no account, so `make preflight ENV=prod` names them even offline.
    results = [check_alerts(ctx), check_sign_up(ctx), check_drive_folder(ctx), check_credentials(ctx)]
    if results[-1].ok:
        status = stack_status(ctx)
        checks: list[Callable[[], Result | None]] = [
            lambda: check_stack_state(ctx, status),
            lambda: check_user_pool_kept(ctx, status),
            lambda: check_cloudfront_account(ctx, status is not None),
            lambda: check_lambda_concurrency(ctx, status is not None),
            lambda: check_api_gateway_role(ctx),
            lambda: check_ecs_service_linked_role(ctx),
            lambda: check_ses_production_access(ctx),
        ]
        if etl:
            checks.append(lambda: check_drive_secret(ctx))
        results += [r for r in (check() for check in checks) if r is not None]
    results += [check_python_runtime(ctx), check_node(ctx)]
    if etl:
        results.append(check_docker(ctx))
    return results


def report(results: list[Result]) -> str:
    lines = []
    for r in results:
        lines.append(f"{'FAIL' if not r.ok else 'WARN' if r.warning else 'ok  '} {r.check}: {r.message}")
        if not r.ok or r.warning:
            lines.append(f"     -> {r.fix}")
    return "\n".join(lines)


def etl_enabled() -> bool:
    return os.environ.get("ETL", "").lower() not in ("off", "false", "0", "no")


def main(env: str) -> int:
    results = run(env, etl=etl_enabled())
    print(report(results), flush=True)
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"\npreflight: {len(failed)} problem(s) to fix before deploying {stack.stack_name(env)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "staging"))
