"""The PreSignUp trigger (SignUpMode=domains): self sign-up only from the allowed e-mail domains, admins may add
anyone. (Was test_15 of tests/infra/test_deploy_blockers.py, the template half of which stays there.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from handlers import pre_sign_up
from tests.lambda_context import LambdaContext

ROOT = Path(__file__).resolve().parents[2]


def test_the_trigger_admits_only_the_allowed_domains(monkeypatch: pytest.MonkeyPatch) -> None:
    context = LambdaContext("PreSignUpFunction", 5.0)
    event = json.loads((ROOT / "events" / "pre_sign_up_admin_create.json").read_text())
    sign_up = {**event, "triggerSource": "PreSignUp_SignUp"}
    monkeypatch.setenv("SIGN_UP_ALLOWED_DOMAINS", "example.com, Example.org")
    assert pre_sign_up.lambda_handler(sign_up, context) == sign_up
    upper = {**sign_up, "request": {"userAttributes": {"email": "Someone@EXAMPLE.ORG"}}}
    assert pre_sign_up.lambda_handler(upper, context) == upper
    for email in ("someone@evil.com", "someone@mail.example.com", "example.com@evil.com", ""):
        other = {**sign_up, "request": {"userAttributes": {"email": email}}}
        with pytest.raises(pre_sign_up.SignUpNotAllowed, match=re.escape("example.com, example.org only")):
            pre_sign_up.lambda_handler(other, context)
    monkeypatch.setenv("SIGN_UP_ALLOWED_DOMAINS", "")
    with pytest.raises(pre_sign_up.SignUpNotAllowed):
        pre_sign_up.lambda_handler(sign_up, context)
    assert pre_sign_up.lambda_handler(event, context) == event, "admins may add anyone"
