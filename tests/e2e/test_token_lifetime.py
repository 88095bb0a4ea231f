"""#24 (review 9): an id token outlives sign-out (API Gateway and the WebSocket authorizer verify it
statelessly), so it is short: the app client's IdTokenValidity is at most 15 minutes, the local pool signs
tokens for exactly what the template says (as Cognito does; moto alone signs for an hour), a refreshed
token too, and the RevokeToken that the UI's sign-out sends through the local /cognito proxy stops the
refresh token."""

from __future__ import annotations

import httpx
import jwt

from local import aws, template

TARGET = "AWSCognitoIdentityProviderService."


def _client_settings() -> dict:
    (client,) = template.resources("AWS::Cognito::UserPoolClient").values()
    return dict(client["Properties"])


def _lifetime(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"]) - int(claims["iat"])


def _cognito(stack, action: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/cognito",
        json=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + action},
        timeout=30,
    )


def test_id_tokens_live_at_most_15_minutes_locally_as_in_the_template(stack) -> None:
    settings = _client_settings()
    units = settings["TokenValidityUnits"]
    assert units["IdToken"] == "minutes" and int(settings["IdTokenValidity"]) <= 15
    assert units["AccessToken"] == "minutes" and int(settings["AccessTokenValidity"]) <= 15
    signed = _cognito(
        stack,
        "InitiateAuth",
        {
            "ClientId": stack.resources.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": aws.PLAIN_USER, "PASSWORD": aws.PLAIN_PASSWORD},
        },
    )
    assert signed.status_code == 200, signed.text
    result = signed.json()["AuthenticationResult"]
    assert _lifetime(result["IdToken"]) == int(settings["IdTokenValidity"]) * 60
    assert _lifetime(result["AccessToken"]) == int(settings["AccessTokenValidity"]) * 60
    refresh = {
        "ClientId": stack.resources.client_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": result["RefreshToken"]},
    }
    renewed = _cognito(stack, "InitiateAuth", refresh)
    assert renewed.status_code == 200, renewed.text
    assert _lifetime(renewed.json()["AuthenticationResult"]["IdToken"]) == int(settings["IdTokenValidity"]) * 60
    # The UI's sign-out: RevokeToken through the same-origin proxy; the refresh token then renews nothing.
    revoked = _cognito(stack, "RevokeToken", {"ClientId": stack.resources.client_id, "Token": result["RefreshToken"]})
    assert revoked.status_code == 200, revoked.text
    again = _cognito(stack, "InitiateAuth", refresh)
    assert again.status_code == 400 and "revoked" in again.text.lower()
