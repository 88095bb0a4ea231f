"""The local stand-in is safe on a developer's laptop (#24: review items 2, 11, 13, 22): the /cognito proxy
forwards only the allow-listed action whatever the body says, answers no other origin, accepts only the
password reset code the stack issued; the WebSocket upgrade checks Origin; the UI carries CloudFront's
security headers; slow clients are cut off; nothing listens beyond loopback."""

from __future__ import annotations

import json
import socket
import time
import uuid

import boto3
import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local import aws, browser_safety, cognito_public, template
from local.stack import LocalStack
from tests.e2e.live import reply, ws_url

EVIL = "http://evil.example"


def _cognito(stack, action: str, body: dict, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/cognito",
        content=json.dumps(body),
        timeout=30,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
            **headers,
        },
    )


def _user(stack, password: str = "Before-Passw0rd") -> str:
    email = f"double-{uuid.uuid4().hex[:8]}@example.com"
    idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
    aws.ensure_user(idp, stack.resources.user_pool_id, email, password)
    return email


def _signs_in(stack, email: str, password: str) -> bool:
    answer = _cognito(
        stack,
        "InitiateAuth",
        {
            "ClientId": stack.resources.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": email, "PASSWORD": password},
        },
    )
    return answer.status_code == 200


def test_an_action_smuggled_into_the_body_is_not_what_moto_runs(stack) -> None:
    email = _user(stack)
    pool = stack.resources.user_pool_id
    listed = _cognito(stack, "InitiateAuth", {"UserPoolId": pool, "Limit": 5, "pad": "&Action=ListUsers&"})
    assert "Users" not in listed.text and aws.DEMO_USER not in listed.text, listed.text
    _cognito(
        stack,
        "InitiateAuth",
        {
            "UserPoolId": pool,
            "Username": email,
            "Password": "Admin-Set-1a",
            "Permanent": True,
            "pad": "&Action=AdminSetUserPassword&",
        },
    )
    assert not _signs_in(stack, email, "Admin-Set-1a")
    assert _signs_in(stack, email, "Before-Passw0rd")


def test_the_cognito_proxy_answers_no_other_origin(stack) -> None:
    preflight = httpx.options(
        f"{stack.url}/cognito",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    sign_in = {
        "ClientId": stack.resources.client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": aws.DEMO_USER, "PASSWORD": aws.DEMO_PASSWORD},
    }
    refused = _cognito(stack, "InitiateAuth", sign_in, Origin=EVIL)
    assert refused.status_code == 403 and "AuthenticationResult" not in refused.text
    assert "access-control-allow-origin" not in refused.headers
    # The UI on the stack's own origin, and clients that are no web page (CLI, SDKs: no Origin), still work.
    same = _cognito(stack, "InitiateAuth", sign_in, Origin=stack.url)
    assert same.status_code == 200 and same.headers["access-control-allow-origin"] == stack.url
    plain = _cognito(stack, "InitiateAuth", sign_in)
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


def test_a_password_reset_needs_the_code_the_stack_issued(stack, caplog) -> None:
    email = _user(stack)
    client = stack.resources.client_id
    with caplog.at_level("WARNING", logger="local.cognito"):
        assert _cognito(stack, "ForgotPassword", {"ClientId": client, "Username": email}).status_code == 200
    code = cognito_public.reset_code(email)
    assert code is not None and f"the password reset code for {email} is {code}" in caplog.text
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    guessed = _cognito(
        stack,
        "ConfirmForgotPassword",
        {"ClientId": client, "Username": email, "ConfirmationCode": wrong, "Password": "Guessed-Passw0rd"},
    )
    assert guessed.status_code == 400 and guessed.json()["__type"] == "CodeMismatchException"
    assert not _signs_in(stack, email, "Guessed-Passw0rd")
    issued = _cognito(
        stack,
        "ConfirmForgotPassword",
        {"ClientId": client, "Username": email, "ConfirmationCode": code, "Password": "Reset-Passw0rd"},
    )
    assert issued.status_code == 200, issued.text
    assert _signs_in(stack, email, "Reset-Passw0rd")
    again = _cognito(
        stack,
        "ConfirmForgotPassword",
        {"ClientId": client, "Username": email, "ConfirmationCode": code, "Password": "Again-Passw0rd"},
    )
    assert again.status_code == 400, "a reset code works once"


def test_the_websocket_upgrade_checks_origin(stack, token: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{ws_url(stack)}?token={token}", origin=EVIL, open_timeout=10)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    with connect(f"{ws_url(stack)}?token={token}", origin=stack.url, open_timeout=10) as same:  # type: ignore[arg-type]
        same.send(json.dumps({"action": "ping"}))
        assert reply(same)["type"] == "pong"


@pytest.mark.parametrize("path", ["/", "/browse", "/config.json"])
def test_the_ui_carries_cloudfronts_security_headers(stack, path: str) -> None:
    host = stack.url.split("//", 1)[1]
    answer = httpx.get(f"{stack.url}{path}")
    expected = browser_safety.security_headers(host)
    for name, value in expected.items():
        assert answer.headers.get(name) == value, name
    policy = template.resources("AWS::CloudFront::ResponseHeadersPolicy")["UiSecurityHeaders"]["Properties"]
    csp = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    deployed = {d.strip().split(" ", 1)[0] for d in csp["ContentSecurityPolicy"]["Fn::Sub"].split(";")}
    served = {d.strip().split(" ", 1)[0] for d in answer.headers["content-security-policy"].split(";")}
    assert served == deployed - {"upgrade-insecure-requests"}
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert f"connect-src 'self' ws://{host}" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"


def _closed_by_server(sock: socket.socket, drip: bytes | None, within: float) -> bool:
    """Whether the server closes sock within `within` s while the client sends `drip` one byte a second."""
    deadline = time.monotonic() + within
    sock.settimeout(1)
    sent = 0
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            pass
        except OSError:
            return True
        if drip is not None and sent < len(drip):
            try:
                sock.send(drip[sent : sent + 1])
            except OSError:
                return True
            sent += 1
    return False


def test_slow_clients_are_cut_off(stack, monkeypatch) -> None:
    monkeypatch.setattr(browser_safety.DeadlineProtocol, "read_deadline", 3.0)
    host, port = "127.0.0.1", stack.port
    head = f"GET /config.json HTTP/1.1\r\nHost: {host}:{port}\r\nX-Slow: " + "a" * 200
    body_head = (
        f"POST /api/movies HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    )
    # A WebSocket outlives the deadline (it is no longer reading a request).
    with (
        connect(f"{ws_url(stack)}?token={stack.demo_token()}", open_timeout=10) as ws,
        socket.create_connection((host, port)) as idle,
        socket.create_connection((host, port)) as slow_head,
        socket.create_connection((host, port)) as slow_body,
    ):
        slow_body.sendall(body_head.encode())
        assert _closed_by_server(idle, None, 30), "an idle connection stayed open"
        assert _closed_by_server(slow_head, head.encode(), 30), "a header sent a byte a second stayed open"
        assert _closed_by_server(slow_body, b" " * 200, 30), "a body sent a byte a second stayed open"
        ws.send(json.dumps({"action": "ping"}))
        assert reply(ws)["type"] == "pong"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])  # noqa: S104
def test_the_stack_listens_on_loopback_only(host: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        LocalStack(host=host)
