"""Issue #23 (first deploy, third pass) and #24 #1: the template after the SAM transform, the deploy order, the
image tag, the service-created log groups, and `make preflight ENV=prod` with the committed samconfig.

Each test names its item. INFRA_TEMPLATE=<older template.yaml> runs the template tests against another template.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from deploy import deploy, destroy, preflight, stack
from local.aws import moto_process
from tests.infra.cfn import Stack, depends_on, references
from tests.infra.conftest import load_raw, transformed_template_for

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SES = "arn:aws:ses:us-east-1:123456789012:identity/example.com"


def _rule_failures(stack_: Stack) -> list[str]:
    """The AssertDescriptions of every template Rule that refuses these parameter values (as CloudFormation
    evaluates Rules before it creates anything)."""
    failures = []
    for rule in stack_.template.get("Rules", {}).values():
        if "RuleCondition" in rule and not stack_.evaluate(rule["RuleCondition"]):
            continue
        failures += [a["AssertDescription"] for a in rule["Assertions"] if not stack_.evaluate(a["Assert"])]
    return failures


def _prod(extra: dict[str, str] | None = None) -> Stack:
    template = transformed_template_for("prod", extra)
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    from tests.infra.conftest import parameter_overrides

    return Stack(template, {**values, **parameter_overrides("prod"), **(extra or {})})


# 5 / #24 #1 ----------------------------------------------------------------------------------------------------


def test_23_5_prod_is_closed_by_default_and_open_sign_up_needs_the_parameter_and_ses() -> None:
    committed = _prod()
    assert committed.params["SignUpMode"] != "open", "prod's committed sign-up mode is not open"
    assert any("SignUpAllowedDomains" in f for f in _rule_failures(committed)), "prod must name its domains first"
    drive = {"DriveFolderId": "1AbCdEfGh"}  # #24 review 8: prod names its folder too
    assert not _rule_failures(_prod({"SignUpAllowedDomains": "example.com", **drive}))
    assert not _rule_failures(_prod({"SignUpMode": "admin-only", **drive}))
    refused = _rule_failures(_prod({"SignUpMode": "open"}))
    assert any("OpenSignUpInProd" in f for f in refused) and any("SesEmailIdentityArn" in f for f in refused)
    assert any("SesEmailIdentityArn" in f for f in _rule_failures(_prod({"SignUpMode": "open", "OpenSignUpInProd": "true"})))
    on_purpose = _prod({"SignUpMode": "open", "OpenSignUpInProd": "true", "SesEmailIdentityArn": SES, **drive})
    assert not _rule_failures(on_purpose)
    (pool,) = on_purpose.of_type("AWS::Cognito::UserPool").values()
    assert on_purpose.evaluate(pool["Properties"]["EmailConfiguration"])["EmailSendingAccount"] == "DEVELOPER"
    assert not _rule_failures(Stack.with_params({"EnvironmentType": "staging"})), "staging stays open"
    assert "OpenSignUpInProd" in README


# 6 ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["UserPool", "RequestsTable", "ConnectionsTable"])
def test_23_6_retained_resources_are_removed_when_their_first_create_rolls_back(name: str) -> None:
    resource = transformed_template_for("staging")["Resources"][name]
    assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
    assert resource["UpdateReplacePolicy"] == "Retain"


# 9 ---------------------------------------------------------------------------------------------------------------


def test_23_9_adds_waiting_in_the_queue_alarm_even_when_the_processor_reports_no_errors() -> None:
    stack_ = Stack.with_params({"EnvironmentType": "staging"})
    alarms = [
        a["Properties"]
        for a in stack_.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/SQS" and a["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
    ]
    assert len(alarms) == 1
    (alarm,) = alarms
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["AddQueue", "QueueName"]}}]
    assert alarm["Statistic"] == "Maximum" and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] * 1 <= 300 and alarm["Period"] * alarm["EvaluationPeriods"] <= 600, (
        "it fires within minutes, long before the dead-letter alarm (about 25 minutes of retries)"
    )
    assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]


# 11 --------------------------------------------------------------------------------------------------------------


def _cycle(resources: dict[str, dict]) -> list[str]:
    """A dependency cycle among the resources (DependsOn and references), or []."""
    edges = {}
    for name, resource in resources.items():
        direct = resource.get("DependsOn", [])
        direct = {direct} if isinstance(direct, str) else set(direct)
        edges[name] = (direct | references({k: v for k, v in resource.items() if k != "DependsOn"})) & set(resources)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node, [])):
            return found
    return []


@pytest.mark.parametrize("params", [{}, {"EtlImageTag": "abc1234", "UseRdsProxy": "true"}])
def test_23_11_code_that_uses_the_database_is_updated_after_its_migration(params: dict[str, str]) -> None:
    stack_ = Stack.with_params({"EnvironmentType": "staging", **params})
    resources = stack_.resources
    users = [
        name
        for name, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function" and "DB_IAM_USER" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert sorted(users) == ["AddProcessorFunction", "CorrectionsApiFunction", "ReadApiFunction"]
    for name in users + (["EtlTaskDefinition"] if "EtlTaskDefinition" in resources else []):
        assert "SchemaMigration" in resources[name].get("DependsOn", []), name
    assert _cycle(resources) == []


# 15 --------------------------------------------------------------------------------------------------------------


def test_23_15_api_gateway_account_is_set_minutes_after_its_role_and_before_any_stage() -> None:
    resources = Stack.with_params({"EnvironmentType": "staging"}).resources
    account = resources["ApiGatewayAccount"]
    assert depends_on(resources, "ApiGatewayAccount", "ApiGatewayCloudWatchRole")
    # The database takes minutes: by then the new role has propagated through IAM.
    assert depends_on(resources, "ApiGatewayAccount", "Database") and "Database" in str(account["DependsOn"])
    stages = [n for n, r in resources.items() if r["Type"] in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage")]
    assert stages and all(depends_on(resources, s, "ApiGatewayAccount") for s in stages)
    assert not depends_on(resources, "Database", "ApiGatewayAccount")
    assert _cycle(resources) == []


# 14 --------------------------------------------------------------------------------------------------------------


def test_23_14_the_single_az_secrets_endpoint_comment_names_the_etl_task_too() -> None:
    text = (ROOT / "template.yaml").read_text()
    comment = text[: text.index("  SecretsManagerEndpoint:")].rsplit("\n\n", 1)[-1]
    assert "ETL" in comment and "private DNS" in comment and "outage" in comment
    assert load_raw()["Resources"]["SecretsManagerEndpoint"]["Properties"]["SubnetIds"] == [{"Ref": "PrivateSubnetA"}]
    found = re.search(r"Secrets\s+Manager\s+endpoint\s+serves(.{0,600})", README, re.S)
    assert found and "ETL task" in found.group(1) and "outage" in found.group(1)


# 4 and 5: make preflight ENV=prod with the committed samconfig -------------------------------------------------


def test_23_make_preflight_prod_fails_on_the_alert_target_and_sign_up_until_configured(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="us-east-1",
    )
    env.pop("AWS_ACCESS_KEY_ID")
    result = subprocess.run(
        ["make", "-s", "preflight", "ENV=prod"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert "FAIL alert target: prod has no AlertEmail" in result.stdout, result.stdout
    assert "FAIL sign-up: SignUpMode=domains but SignUpAllowedDomains is empty" in result.stdout, result.stdout
    assert "FAIL drive folder: prod has no DriveFolderId" in result.stdout, result.stdout  # #24 review 8
    configured = {
        **preflight_params("prod"),
        "AlertEmail": "ops@example.com",
        "SignUpAllowedDomains": "example.com",
        "DriveFolderId": "1AbCdEfGh",
    }
    results = {r.check: r for r in preflight_run_offline("prod", configured)}
    assert results["alert target"].ok and results["sign-up"].ok and results["drive folder"].ok


def preflight_params(env: str) -> dict[str, str]:
    return stack.parameter_overrides(env)


def preflight_run_offline(env: str, params: dict[str, str]) -> list[preflight.Result]:
    ctx = preflight.Context(env, "us-east-1", {**stack.parameters(env), **params}, False, boto3.session.Session())
    return [preflight.check_alerts(ctx), preflight.check_sign_up(ctx), preflight.check_drive_folder(ctx)]


# 8 ---------------------------------------------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


def test_23_8_a_dirty_tree_never_gets_the_clean_commits_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.py").write_text("one\n")
    _git(repo, "add", "a.py")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "one")
    monkeypatch.setattr(stack, "ROOT", repo)
    head = _git(repo, "rev-parse", "--short", "HEAD")
    assert deploy.image_tag() == head
    (repo / "a.py").write_text("two\n")
    dirty = deploy.image_tag()
    assert dirty.startswith(f"{head}-dirty-") and dirty == deploy.image_tag(), "the same changes, the same tag"
    (repo / "a.py").write_text("three\n")
    assert deploy.image_tag() not in (head, dirty)
    (repo / "a.py").write_text("one\n")
    (repo / "new.py").write_text("x\n")
    untracked = deploy.image_tag()
    assert untracked.startswith(f"{head}-dirty-")
    (repo / "new.py").write_text("y\n")
    assert deploy.image_tag() != untracked, "untracked files' contents count too"


# The whole `make deploy` path, every AWS call and tool stubbed ----------------------------------------------


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    steps: list[str] = []
    monkeypatch.setattr(deploy.preflight, "main", lambda env: steps.append("preflight") or 0)
    monkeypatch.setattr(deploy, "image_tag", lambda: "abc1234")

    def run(*cmd: str) -> None:
        if cmd[:3] == ("npm", "--prefix", "frontend"):
            steps.append(f"ui {cmd[3]}")
        elif cmd[1] == "build":
            steps.append("sam build")
        elif cmd[1] == "deploy":
            tag = cmd[cmd.index("--parameter-overrides") + 1 :]
            steps.append(f"sam deploy {next(t for t in tag if t.startswith('EtlImageTag='))}")
        else:
            raise AssertionError(cmd)

    monkeypatch.setattr(deploy, "run", run)
    monkeypatch.setattr(deploy, "push_etl_image", lambda env, tag: steps.append(f"image push {tag}"))
    monkeypatch.setattr(deploy, "keep_service_logs", lambda env: steps.append("log retention"))
    monkeypatch.setattr(deploy, "upload_ui", lambda env: steps.append("ui upload"))
    monkeypatch.setattr(deploy, "invalidate", lambda env: steps.append("invalidation"))
    monkeypatch.setattr(deploy.smoke, "main", lambda env: steps.append("smoke") or 0)
    monkeypatch.setattr(deploy.stack, "outputs", _Outputs())
    monkeypatch.delenv("ETL", raising=False)
    monkeypatch.delenv("SMOKE", raising=False)
    return steps


class _Outputs:
    def __call__(self, env: str) -> dict[str, str]:
        return {k: f"<{k}>" for k in ("UiUrl", "RestApiUrl", "WebSocketUrl", "UserPoolId", "UserPoolClientId")}

    def cache_clear(self) -> None:
        pass


def test_23_deploy_order_on_an_existing_stack(recorded: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "stack_exists", lambda env: True)
    assert deploy.main("staging") == 0
    assert recorded == [
        "preflight",
        "ui ci",
        "ui run",
        "sam build",
        "image push abc1234",
        'sam deploy EtlImageTag="abc1234"',
        "log retention",
        "ui upload",
        "invalidation",
        "smoke",
    ]


def test_23_first_deploy_creates_the_repository_without_a_task_then_pushes_then_points_at_the_tag(
    recorded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "stack_exists", lambda env: False)
    assert deploy.main("staging") == 0
    assert recorded == [
        "preflight",
        "ui ci",
        "ui run",
        "sam build",
        'sam deploy EtlImageTag=""',
        "image push abc1234",
        'sam deploy EtlImageTag="abc1234"',
        "log retention",
        "ui upload",
        "invalidation",
        "smoke",
    ]


def test_23_a_failing_preflight_or_ui_build_changes_nothing(recorded: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "stack_exists", lambda env: True)
    monkeypatch.setattr(deploy.preflight, "main", lambda env: recorded.append("preflight") or 1)
    assert deploy.main("staging") == 1 and recorded == ["preflight"]
    recorded.clear()
    monkeypatch.setattr(deploy.preflight, "main", lambda env: 0)

    def broken_node(*cmd: str) -> None:
        raise subprocess.CalledProcessError(1, cmd)

    monkeypatch.setattr(deploy, "run", broken_node)
    with pytest.raises(subprocess.CalledProcessError):
        deploy.main("staging")
    assert recorded == []


def test_23_etl_off_and_smoke_off(recorded: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "stack_exists", lambda env: False)
    monkeypatch.setenv("ETL", "off")
    monkeypatch.setenv("SMOKE", "off")
    assert deploy.main("staging") == 0
    assert recorded == [
        "preflight",
        "ui ci",
        "ui run",
        "sam build",
        'sam deploy EtlImageTag=""',
        "log retention",
        "ui upload",
        "invalidation",
    ]


def test_23_make_deploy_runs_the_deploy_module() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\ndeploy:") :].split("\n\n", 1)[0]
    assert "-m deploy.deploy $(ENV)" in recipe


# 10 --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def moto_logs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    with moto_process() as url:
        for name, value in {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        yield url


def test_23_10_service_created_log_groups_expire_and_go_with_the_stack(moto_logs: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = {"Database": "movie-library-staging-database-abc", "RestApi": "a1b2c3d4e5", "EtlCluster": "movie-etl-Cluster-x1"}
    monkeypatch.setattr(stack, "physical_id", lambda env, logical_id: ids[logical_id])
    logs = boto3.client("logs", region_name="us-east-1")
    rds_group = f"/aws/rds/instance/{ids['Database']}/postgresql"
    logs.create_log_group(logGroupName=rds_group)  # RDS made it already ("Never expire"); API Gateway not yet
    deploy.keep_service_logs("staging")
    deploy.keep_service_logs("staging")  # every deploy: idempotent
    groups = {g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups()["logGroups"]}
    assert groups == {
        rds_group: 90,
        f"API-Gateway-Execution-Logs_{ids['RestApi']}/v1": 90,
        f"/aws/ecs/containerinsights/{ids['EtlCluster']}/performance": 90,  # #24 review 18
    }
    destroy.delete_service_logs("staging", ids)
    assert logs.describe_log_groups()["logGroups"] == []
    destroy.delete_service_logs("staging", ids)  # already gone: fine


# The pipeline ------------------------------------------------------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "pipeline.yml"
BOOTSTRAP = ROOT / "deploy" / "bootstrap-ci.yaml"


def _jobs() -> dict[str, dict]:
    import yaml

    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_pipeline_e2e_staging_runs_the_deployable_e2e_tests() -> None:
    jobs = _jobs()
    assert "make test-deployed ENV=staging" in _runs(jobs["e2e-staging"])
    assert jobs["e2e-staging"]["needs"] == "deploy-staging" and jobs["deploy-prod"]["needs"] == "e2e-staging"
    for name, env in (("deploy-staging", "staging"), ("deploy-prod", "production")):
        job = jobs[name]
        assert job["environment"] == env
        (deploy_step,) = [s for s in job["steps"] if "make deploy" in s.get("run", "")]
        assert deploy_step["env"]["CFN_EXECUTION_ROLE_ARN"] == "${{ secrets.CFN_EXECUTION_ROLE_ARN }}"
        setup = {s["uses"].split("@")[0]: s.get("with", {}) for s in job["steps"] if "uses" in s}
        assert setup["actions/setup-python"]["python-version"] == "3.12", "sam build needs python3.12 (item 1)"
        assert int(setup["actions/setup-node"]["node-version"]) >= 22, "Vite 8 needs 20.19+ or 22.12+ (item 7)"


def test_pipeline_has_enough_deployable_e2e_tests() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "--collect-only", "-q", "-m", "deployable", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = re.search(r"(\d+)/\d+ tests collected", done.stdout)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    assert int(found.group(1)) >= 60, found.group(0)


def test_deploy_hands_the_changes_to_the_execution_role_when_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CFN_EXECUTION_ROLE_ARN", raising=False)
    assert "--role-arn" not in deploy.deploy_command("staging", "abc", interactive=False)
    role = "arn:aws:iam::123456789012:role/movie-library-ci-StagingExecutionRole-X"
    monkeypatch.setenv("CFN_EXECUTION_ROLE_ARN", role)
    command = deploy.deploy_command("staging", "abc", interactive=False)
    assert command[command.index("--role-arn") + 1] == role


def _bootstrap() -> dict:
    return load_raw(BOOTSTRAP)


def _policy(value: object) -> dict:
    """A policy written as !Sub [json, {vars}]: the JSON with the variables left as ${...}."""
    import json

    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        return json.loads(text)
    assert isinstance(value, dict)
    return value


def test_bootstrap_ci_template_lints_clean() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), str(BOOTSTRAP)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("role", "environment", "execution"),
    [("StagingDeployRole", "staging", "StagingExecutionRole"), ("ProdDeployRole", "production", "ProdExecutionRole")],
)
def test_bootstrap_ci_roles_trust_only_their_github_environment(role: str, environment: str, execution: str) -> None:
    resources = _bootstrap()["Resources"]
    assert resources["GitHubOidcProvider"]["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert resources["GitHubOidcProvider"]["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    (statement,) = _policy(resources[role]["Properties"]["AssumeRolePolicyDocument"])["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:${{GitHubRepository}}:environment:{environment}",
        }
    }
    (policy_ref,) = resources[role]["Properties"]["ManagedPolicyArns"]
    policy = resources[policy_ref["Ref"]]
    statements = _policy(policy["Properties"]["PolicyDocument"])["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    needed = {
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DescribeStacks",
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminSetUserPassword",
        "cognito-idp:AdminGetUser",
        "ecr:GetAuthorizationToken",
        "ecr:PutImage",
        "ecr:CompleteLayerUpload",
        "s3:PutObject",
        "cloudfront:CreateInvalidation",
        "cloudfront:ListDistributions",
        "apigateway:PATCH",
        "apigateway:GET",
        "iam:CreateServiceLinkedRole",
        "iam:ListRoles",
        "lambda:GetAccountSettings",
        "ses:GetAccount",
        "secretsmanager:DescribeSecret",
        "logs:PutRetentionPolicy",
        "iam:PassRole",
    }
    assert needed <= actions, sorted(needed - actions)
    assert "*" not in actions and not any(a.endswith(":*") for a in actions)
    (pass_role,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    variables = policy["Properties"]["PolicyDocument"]["Fn::Sub"][1]
    assert pass_role["Resource"] == "${ExecutionRole}" and variables["ExecutionRole"] == {"Fn::GetAtt": [execution, "Arn"]}
    trust = resources[execution]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]


def test_make_bootstrap_ci_deploys_the_template_and_the_readme_says_how() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\nbootstrap-ci:") :].split("\n\n", 1)[0]
    assert "deploy/bootstrap-ci.yaml" in recipe and "GitHubRepository=$(REPO)" in recipe
    section = README[README.index("## Pipeline") :]
    for needed in (
        "make bootstrap-ci REPO=",
        "AWS_DEPLOY_ROLE_ARN",
        "AWS_PROD_DEPLOY_ROLE_ARN",
        "CFN_EXECUTION_ROLE_ARN",
        "environment:staging",
        "production",
        "make test-deployed ENV=staging",
        "actionlint",
        "checkov",
    ):
        assert needed in section, needed


def test_23_2_an_etl_run_without_the_drive_secret_fails_saying_what_to_do(
    moto_logs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data import aws_clients, config
    from etl_task import drive

    monkeypatch.setenv("DRIVE_CREDENTIALS_SECRET", "movie-library/drive-credentials")
    # The secrets reader and its client are cached (with this moto's URL): fresh ones now, none left after.
    for cached in (config._secrets, aws_clients.secrets_manager):
        cached.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"secret 'movie-library/drive-credentials' does not exist.*create-secret"):
            drive.load_credentials()
    finally:
        for cached in (config._secrets, aws_clients.secrets_manager):
            cached.cache_clear()
