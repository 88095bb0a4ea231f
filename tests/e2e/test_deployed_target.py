"""`make test-deployed`: without AWS credentials it says so in one line, before touching anything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from infra.template import ROOT


def test_without_credentials_it_exits_with_one_clear_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.deployed", "staging"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no AWS credentials" in lines[0] and "ENV=staging" in lines[0], done.stderr


@pytest.mark.parametrize(("args", "env"), [((), "staging"), (("ENV=prod",), "prod")])
def test_the_make_target_runs_the_deployable_tests(args: tuple[str, ...], env: str) -> None:
    """What `make test-deployed` would run (make -n, the venv taken as installed)."""
    done = subprocess.run(
        ["make", "-s", "-n", "-o", ".venv/.installed", "test-deployed", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1].endswith(f" -m tests.e2e.deployed {env}"), done.stdout
