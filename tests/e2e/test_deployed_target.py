"""`make test-deployed`: without AWS credentials it says so in one line, before touching anything."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from infra.template import ROOT


def test_without_credentials_it_exits_with_one_clear_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.deployed", "staging"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no AWS credentials" in lines[0] and "ENV=staging" in lines[0], done.stderr


def test_the_make_target_runs_the_deployable_tests() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test-deployed:.*\n\t@?\$\(PY\) -m tests\.e2e\.deployed \$\(or \$\(ENV\),staging\)", makefile, re.M)
