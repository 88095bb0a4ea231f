"""Bad input: each a 400 naming the parameter, nothing written; bad tokens are 401."""

from __future__ import annotations

import logging
import time

import httpx
import jwt
import pytest
from moto.cognitoidp.models import load_resource

from local import aws, template
from tests.e2e.deployed import deployed

pytestmark = pytest.mark.usefixtures("library")


@pytest.mark.deployable
@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/movies/search", {"title": ""}, "title"),
        ("/api/movies/search", {"title": "   "}, "title"),
        ("/api/movies/search", {}, "title"),
        ("/api/movies/search", {"title": "a", "limit": "0"}, "limit"),
        ("/api/movies/search", {"title": "a", "limit": "101"}, "limit"),
        ("/api/movies/search", {"title": "a", "limit": "abc"}, "limit"),
        ("/api/movies/top-rated", {"start": "-1"}, "start"),
        ("/api/movies/top-rated", {"start": "1.5"}, "start"),
        ("/api/movies/top-rated", {"limit": "101"}, "limit"),
        ("/api/movies/filter", {"minRating": "11"}, "minRating"),
        ("/api/movies/filter", {"minRating": "NaN"}, "minRating"),
        ("/api/movies/filter", {"year": "19999"}, "year"),
        ("/api/movies/filter", {"year": "twenty"}, "year"),
        ("/api/movies/filter", {"cursor": "eyJrIjoidG9wIn0"}, "cursor"),
        ("/api/movies/top-rated", {"cursor": "bm9wZQ"}, "cursor"),
        ("/api/movies/search", {"title": "a", "cursor": "%%%"}, "cursor"),
        ("/api/movies/search", {"title": "a", "pad": "x" * 10_240}, "query"),
        ("/api/movies/not-a-uuid", {}, "id"),
    ],
)
def test_bad_parameters_are_400_and_write_nothing(
    api: httpx.Client, request: pytest.FixtureRequest, path: str, params: dict, field: str
) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == field
    assert "Traceback" not in response.text
    if deployed():
        return  # a deployed stack's database is out of reach; the local run checks that nothing was written
    with request.getfixturevalue("db").cursor() as cur:
        cur.execute("SELECT count(*) FROM movies")
        assert cur.fetchone()[0] == 32


def _private_key():
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


def _forge(claims: dict) -> str:
    return jwt.encode(claims, _private_key(), algorithm="RS256", headers={"kid": "dummy"})


def _claims(stack, **override) -> dict:
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{stack.resources.user_pool_id}",
        "sub": "s-1",
        "aud": stack.resources.client_id,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
    }
    return {**claims, **override}


def _status(stack, headers: dict) -> httpx.Response:
    return httpx.get(f"{stack.url}/api/dashboard", headers=headers)


def test_a_token_signed_with_the_pool_key_passes(stack) -> None:
    assert _status(stack, {"Authorization": f"Bearer {_forge(_claims(stack))}"}).status_code == 200


@pytest.mark.deployable
@pytest.mark.parametrize("case", ["missing", "garbage", "forged", "expired", "access", "wrong-audience"])
def test_bad_tokens_are_401(stack, token: str, case: str) -> None:
    header, payload, _sig = token.split(".")
    tokens = {
        "missing": None,
        "garbage": "not-a-jwt",
        "forged": f"{header}.{payload}.{_sig[::-1]}",
        "expired": _forge(_claims(stack, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
        "access": _forge(
            {k: v for k, v in _claims(stack, token_use="access").items() if k != "aud"} | {"client_id": stack.resources.client_id}
        ),
        "wrong-audience": _forge(_claims(stack, aud="someone-else")),
    }
    value = tokens[case]
    response = _status(stack, {"Authorization": f"Bearer {value}"} if value else {})
    assert response.status_code == 401
    assert response.text == _unauthorized_body(stack), "the authorizer's answer carries no detail"


def _unauthorized_body(stack) -> str:
    """The template's UNAUTHORIZED gateway response (static: the Cognito authorizer says nothing more)."""
    spec = template.gateway_responses(stack.resources.refs)["UNAUTHORIZED"]
    return next(iter(spec.templates.values())).replace("$context.error.messageString", '"Unauthorized"')


def test_real_access_token_and_other_pool_are_401(stack, caplog) -> None:
    result = aws.sign_in(stack.resources.endpoint, stack.resources.client_id, aws.DEMO_USER, aws.DEMO_PASSWORD)
    assert _status(stack, {"Authorization": f"Bearer {result['AccessToken']}"}).status_code == 401
    import boto3

    idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
    pool = idp.create_user_pool(PoolName="another-team")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])[
        "UserPoolClient"
    ]["ClientId"]
    aws.ensure_user(idp, pool, "other@example.com", "Other-Passw0rd!")
    other = aws.sign_in(stack.resources.endpoint, client, "other@example.com", "Other-Passw0rd!")["IdToken"]
    with caplog.at_level(logging.INFO, logger="local.gateway"):
        response = _status(stack, {"Authorization": f"Bearer {other}"})
    # As on AWS: the client learns nothing; the reason is in the (local) log only.
    assert response.status_code == 401 and response.text == _unauthorized_body(stack)
    assert any("issuer" in r.getMessage().lower() for r in caplog.records)
