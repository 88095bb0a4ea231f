"""A web page from another origin, open in the developer's browser while `make run` is up, cannot take over
the local stack (#24, review item 2): it cannot list the pool's users through an Action smuggled into the
body, reset a password with a guessed code, or open a WebSocket with a token. Debian's Chromium with its
Local Network Access checks off, as Firefox and Safari have none: the stack itself must refuse."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import httpx
import pytest
from playwright.sync_api import Browser

from local import aws
from tests.e2e.browser import chromium
from tests.e2e.live import ws_url

ATTACK = """async ({api, ws, pool, client, email, token}) => {
  const cognito = (action, body) => fetch(api + '/cognito', {method: 'POST', body: JSON.stringify(body), headers: {
      'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.' + action}})
    .then(r => r.text()).catch(e => 'blocked: ' + e);
  const listed = await cognito('InitiateAuth', {UserPoolId: pool, Limit: 5, pad: '&Action=ListUsers&'});
  await cognito('ForgotPassword', {ClientId: client, Username: email});
  const reset = await cognito('ConfirmForgotPassword', {ClientId: client, Username: email, ConfirmationCode: '424242',
                                                       Password: 'Taken-0ver!'});
  const socket = await new Promise(resolve => {
    const s = new WebSocket(ws + '?token=' + token);
    s.onopen = () => s.send(JSON.stringify({action: 'ping'}));
    s.onmessage = m => { resolve('open: ' + m.data); s.close(); };
    s.onerror = () => resolve('refused');
    s.onclose = () => resolve('closed');
  });
  return {listed, reset, socket};
}"""


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Cat pictures</title><p>Nothing to see here."
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_origin() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium("--disable-features=LocalNetworkAccessChecks") as launched:
        yield launched


def _signs_in(stack, email: str, password: str) -> bool:
    answer = httpx.post(
        f"{stack.url}/cognito",
        timeout=30,
        json={
            "ClientId": stack.resources.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": email, "PASSWORD": password},
        },
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
    )
    return answer.status_code == 200


def test_a_page_from_another_origin_cannot_list_reset_or_connect(stack, browser: Browser, hostile_origin: str) -> None:
    email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    aws.ensure_user(
        boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint), stack.resources.user_pool_id, email, "Victim-Passw0rd"
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(hostile_origin)
        # The worst case: the page even holds a valid id token (e.g. from an earlier leak).
        seen = page.evaluate(
            ATTACK,
            {
                "api": stack.url,
                "ws": ws_url(stack),
                "pool": stack.resources.user_pool_id,
                "client": stack.resources.client_id,
                "email": email,
                "token": stack.demo_token(),
            },
        )
    finally:
        context.close()
    assert aws.DEMO_USER not in seen["listed"] and email not in seen["listed"], seen["listed"]
    assert not seen["socket"].startswith("open"), seen["socket"]
    assert not _signs_in(stack, email, "Taken-0ver!"), f"the page reset the password: {seen['reset']}"
    assert _signs_in(stack, email, "Victim-Passw0rd")
