"""Infra fixtures: template.yaml as CloudFormation sees it, after the SAM transform.

The translator (aws-sam-translator) lives in the SAM CLI's venv (.local/sam), pinned by requirements/sam.lock;
it is run there in a subprocess so .venv keeps its own pydantic. Set INFRA_TEMPLATE=<path> to run these tests
against another template (e.g. `git show HEAD~5:template.yaml > /tmp/old.yaml`), which is how a check is
shown to fail on an older template.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.template import CfnLoader

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".local" / "sam" / "bin" / "python"
TEMPLATE = Path(os.environ.get("INFRA_TEMPLATE") or ROOT / "template.yaml")

# Runs inside the SAM venv: template path and parameter values in argv, CloudFormation JSON out.
_TRANSFORM = """
import json, sys
import boto3
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

path, params, region = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
with open(path) as f:
    sam = yaml_parse(f.read())
# As `sam package` does: local code paths become S3 URIs.
for section in [sam.get("Globals", {}).get("Function", {})] + [r.get("Properties", {}) for r in sam["Resources"].values()
                                                              if r.get("Type") == "AWS::Serverless::Function"]:
    if isinstance(section.get("CodeUri"), str) and not section["CodeUri"].startswith("s3://"):
        section["CodeUri"] = "s3://sam-artifacts/code.zip"
params.setdefault("AWS::AccountId", "123456789012")
translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=boto3.Session(region_name=region))
json.dump(translator.translate(sam_template=sam, parameter_values=params), sys.stdout)
"""


def parameter_overrides(env: str) -> dict[str, str]:
    """samconfig.toml's parameter_overrides for one environment, as {name: value}."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    text = config[env]["deploy"]["parameters"].get("parameter_overrides", "")
    if isinstance(text, list):  # samconfig also allows a list of "Name=Value" strings
        text = " ".join(shlex.quote(item) for item in text)
    return dict(item.split("=", 1) for item in shlex.split(text))


@lru_cache(maxsize=16)
def _transform(path: str, params_json: str, region: str) -> str:
    assert SAM_PYTHON.exists(), "make install puts the SAM CLI (and its translator) into .local/sam"
    result = subprocess.run(
        [str(SAM_PYTHON), "-c", _TRANSFORM, path, params_json, region],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def transform(params: dict[str, str] | None = None, template: Path = TEMPLATE, region: str = "us-east-1") -> dict:
    """The template after the SAM transform, with these parameter values (others take their defaults)."""
    return json.loads(_transform(str(template), json.dumps(params or {}, sort_keys=True), region))


def transformed_template_for(env: str, extra: dict[str, str] | None = None) -> dict:
    """The template as `sam deploy --config-env <env>` would submit it (samconfig's overrides, then `extra`)."""
    return transform({**parameter_overrides(env), **(extra or {})})


def load_raw(template: Path = TEMPLATE) -> dict[str, Any]:
    """The template before the transform, short-form tags as Fn:: dicts (as local/template.py reads it)."""
    return yaml.load(template.read_text(), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass


@pytest.fixture(scope="session")
def transformed_template() -> dict:
    """The template after the SAM transform with its default parameter values (the `default` samconfig env)."""
    return transformed_template_for("default")


@pytest.fixture(scope="session")
def raw_template() -> dict:
    return load_raw()
