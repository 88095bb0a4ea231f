"""#24 (review 22): the local stack serves no password and prints no live token. /config.json names the demo
account without its password; the start-up banner carries no token but the command that prints a fresh one
(python -m local.token), which signs in through the stack's own /cognito as the UI does."""

from __future__ import annotations

import subprocess
import sys

import httpx
import jwt

from local import aws
from local.stack import ROOT, _banner


def test_config_json_serves_no_password(stack) -> None:
    served = httpx.get(f"{stack.url}/config.json", timeout=10)
    assert served.status_code == 200
    assert served.json()["demoUser"] == {"username": aws.DEMO_USER}
    for secret in (aws.DEMO_PASSWORD, aws.PLAIN_PASSWORD, "password"):
        assert secret.lower() not in served.text.lower()


def test_the_banner_prints_a_command_not_a_token(stack) -> None:
    banner = _banner(stack)
    assert "eyJ" not in banner, "a live token in the banner stays in the scrollback and logs"
    assert "python -m local.token" in banner
    printed = subprocess.run(
        [sys.executable, "-m", "local.token", "--url", stack.url, "--user", "reader"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    claims = jwt.decode(printed, options={"verify_signature": False})
    assert claims["email"] == aws.PLAIN_USER and claims["token_use"] == "id"
    dashboard = httpx.get(f"{stack.url}/api/dashboard", headers={"Authorization": f"Bearer {printed}"}, timeout=30)
    assert dashboard.status_code == 200
