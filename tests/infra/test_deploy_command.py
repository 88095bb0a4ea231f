"""Issue #10, findings 11 and 12: the exact `sam deploy` line `make deploy` runs, for every environment.

The overrides are parsed back by the SAM CLI's own --parameter-overrides type (in the SAM venv), and the template
is transformed with them, so "prod deployed as dev" or a changeset prompt in CI would show here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from deploy import deploy, stack
from tests.infra.cfn import Stack
from tests.infra.conftest import SAM_PYTHON

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = sorted(k for k in tomllib.loads((ROOT / "samconfig.toml").read_text()) if k != "version")

# Runs in the SAM venv: the tokens after --parameter-overrides, as `sam deploy` parses them.
_SAM_PARSE = """
import json, sys
from samcli.cli.types import CfnParameterOverridesType
print(json.dumps(CfnParameterOverridesType().convert(tuple(json.loads(sys.argv[1])), None, None)))
"""


def _overrides(command: list[str]) -> list[str]:
    start = command.index("--parameter-overrides") + 1
    end = next((i for i in range(start, len(command)) if command[i].startswith("--")), len(command))
    return command[start:end]


def _sam_parses(tokens: list[str]) -> dict[str, str]:
    result = subprocess.run(
        [str(SAM_PYTHON), "-c", _SAM_PARSE, json.dumps(tokens)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_environments_are_default_staging_and_prod() -> None:
    assert ENVIRONMENTS == ["default", "prod", "staging"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_11_deploy_passes_the_environments_whole_set_of_overrides(env: str) -> None:
    command = deploy.deploy_command(env, "abc1234", interactive=False)
    assert command[1:5] == ["deploy", "--config-env", env, "--no-fail-on-empty-changeset"]
    parsed = _sam_parses(_overrides(command))
    assert parsed == {**stack.parameter_overrides(env), "EtlImageTag": "abc1234"}
    assert set(parsed) >= {"Stage"} and (env == "default" or "EnvironmentType" in parsed)


def test_11_prod_is_created_as_prod() -> None:
    parsed = _sam_parses(_overrides(deploy.deploy_command("prod", "abc1234", interactive=False)))
    prod = Stack.with_params(parsed)
    database = prod.evaluate(prod.resources["Database"]["Properties"])
    assert database["MultiAZ"] is True and database["DeletionProtection"] is True
    assert database["DBInstanceClass"] == "db.t4g.small"
    assert prod.of_type("AWS::ECS::TaskDefinition"), "the ETL task comes with the pushed image"


def test_11_etl_off_deploys_no_task_and_quotes_survive() -> None:
    command = deploy.deploy_command("staging", "", interactive=False)
    assert _sam_parses(_overrides(command))["EtlImageTag"] == ""
    assert not Stack.with_params(_sam_parses(_overrides(command))).of_type("AWS::ECS::TaskDefinition")


def test_11_values_with_spaces_reach_sam_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        stack, "parameter_overrides", lambda env: {"SesFromAddress": "Movie Library <no-reply@example.com>", "Stage": "v1"}
    )
    parsed = _sam_parses(_overrides(deploy.deploy_command("staging", "abc1234", interactive=False)))
    assert parsed["SesFromAddress"] == "Movie Library <no-reply@example.com>"
    monkeypatch.setattr(stack, "parameter_overrides", lambda env: {"Stage": 'v"1'})
    with pytest.raises(SystemExit, match="double quotes"):
        deploy.deploy_command("staging", "abc1234", interactive=False)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_12_ci_deploys_never_prompt(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert deploy.interactive() is False
    command = deploy.deploy_command(env, "abc1234", interactive=deploy.interactive())
    assert "--no-confirm-changeset" in command
    assert "--guided" not in command
    person = deploy.deploy_command(env, "abc1234", interactive=True)
    assert "--no-confirm-changeset" not in person, "a person still reviews prod's changeset (samconfig)"


def test_12_pipeline_deploys_run_as_ci() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pipeline.yml").read_text())
    deploys = [step for job in workflow["jobs"].values() for step in job["steps"] if "make deploy" in step.get("run", "")]
    assert len(deploys) == 2
    for step in deploys:
        assert step.get("env", {}).get("CI") == "true", step  # GitHub sets it too; explicit, as deploy relies on it
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


def test_deploy_runs_preflight_first(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(deploy.preflight, "main", lambda env: calls.append(env) or 1)
    monkeypatch.setattr(deploy, "run", lambda *cmd: calls.append("ran " + " ".join(cmd)))
    assert deploy.main("staging") == 1
    assert calls == ["staging"], "nothing is built or deployed after a failed preflight"
    makefile = (ROOT / "Makefile").read_text()
    assert "\npreflight:" in makefile and "-m deploy.preflight $(ENV)" in makefile


def test_13_etl_remote_names_the_next_step_when_the_stack_has_no_etl_task(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from deploy import etl_remote

    outputs = {"EtlClusterName": "c", "EtlSubnets": "a,b", "EtlSecurityGroupId": "sg", "NextStep": "…"}
    monkeypatch.setattr(stack, "outputs", lambda env: outputs)
    assert etl_remote.main("staging") == 1
    assert "make deploy ENV=staging" in capsys.readouterr().err


def test_13_make_params_gives_each_guided_prompt_its_value_and_help() -> None:
    from infra import template

    assert "\nparams:" in (ROOT / "Makefile").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "deploy.params", "prod"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name, spec in template.load()["Parameters"].items():
        row = next(i for i, line in enumerate(lines) if line.split()[:1] == [name])
        assert lines[row + 1].strip() == spec["Description"], name
    assert any(line.split() == ["SignUpMode", "[domains]"] for line in lines), "prod is closed by default (#24 #1)"
    assert any(line.split() == ["EnvironmentType", "[prod]"] for line in lines)
