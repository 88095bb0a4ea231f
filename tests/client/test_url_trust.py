"""#24 (review 19): the client sends its token only to the API's origin, and a token or a password never in
clear text to another machine: an absolute statusUrl elsewhere, an http:// remote base URL, a Cognito
endpoint or WebSocket URL that a site's /config.json names elsewhere or in clear text are refused or
ignored. Real HTTP: two scripted servers on loopback are two origins."""

from __future__ import annotations

import pytest
from movie_library import Client, CognitoAuth, MovieLibraryError

from tests.client.fake_api import fake_api

TOKEN = "header.payload.signature"


def _accepted(status_url: str) -> dict:
    rid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    return {"id": rid, "requestId": rid, "status": "queued", "statusUrl": status_url, "message": "Queued"}


def test_a_status_url_on_another_origin_gets_no_token() -> None:
    with fake_api() as (api, url), fake_api() as (elsewhere, other):
        elsewhere.answer(200, {"requestId": "x", "status": "queued", "submittedAt": "2026-12-03T00:00:00Z"})
        api.answer(202, _accepted(f"{other}/api/movies/requests/steal"))
        with Client(url, auth=TOKEN, ws_url="") as client:
            handle = client.add({"title": "T", "genre": "G", "rating": 5.0, "year": 2000})
            with pytest.raises(MovieLibraryError, match="not on the API's origin"):
                handle.refresh()
        assert elsewhere.seen == [], "the token went to another origin"
        assert api.seen[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_a_status_url_on_the_apis_origin_is_followed() -> None:
    rid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    with fake_api() as (api, url):
        api.answer(202, _accepted(f"{url}/api/movies/requests/{rid}")).answer(
            200, {"requestId": rid, "status": "queued", "submittedAt": "2026-12-03T00:00:00Z"}
        )
        with Client(url, auth=TOKEN, ws_url="") as client:
            assert client.add({"title": "T", "genre": "G", "rating": 5.0, "year": 2000}).refresh().status == "queued"
        assert api.seen[-1]["path"] == f"/api/movies/requests/{rid}"
        assert api.seen[-1]["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("base", ["http://movies.example.com", "http://10.0.0.5:3000/api", "ftp://movies.example.com"])
def test_a_remote_base_url_must_use_tls(base: str) -> None:
    with pytest.raises(ValueError, match=r"https|http\(s\)"):
        Client(base, auth=TOKEN)


@pytest.mark.parametrize(
    "base", ["https://movies.example.com/v1", "http://127.0.0.1:3000", "http://localhost:3000/api", "http://[::1]:3000"]
)
def test_tls_or_this_machine_is_accepted(base: str) -> None:
    Client(base, auth=TOKEN, ws_url="").close()


def test_the_password_never_goes_to_a_clear_text_cognito_endpoint() -> None:
    with pytest.raises(ValueError, match="https"):
        CognitoAuth("us-east-1_x", "client", "a@example.com", "pw", endpoint="http://cognito.example.com/")
    with pytest.raises(ValueError, match="wss"):
        Client("https://movies.example.com", auth=TOKEN, ws_url="ws://movies.example.com/ws")


def test_config_json_cannot_send_the_password_or_token_elsewhere() -> None:
    from movie_library.cli import discover

    with fake_api() as (site, url):
        site.answer(
            200,
            {
                "apiUrl": "/api",
                "wsUrl": "ws://ws.example.com/ws",  # clear text to another machine: the token rides in its query
                "cognitoEndpoint": "https://collector.example.com/",  # would receive the password
                "userPoolId": "us-east-1_x",
                "clientId": "client",
            },
        )
        found = discover(url)
        assert found["base_url"] == f"{url}/api" and found["user_pool_id"] == "us-east-1_x"
        assert "cognito_endpoint" not in found and "ws_url" not in found
    for endpoint in ("/cognito", "https://cognito-idp.eu-west-1.amazonaws.com/"):
        with fake_api() as (site, url):
            site.answer(200, {"apiUrl": "/api", "wsUrl": "/ws", "cognitoEndpoint": endpoint})
            found = discover(url)
        assert found["cognito_endpoint"] in (f"{url}/cognito", endpoint)
        assert found["ws_url"] == url.replace("http", "ws", 1) + "/ws"
    with fake_api() as (site, url), Client(url, auth=TOKEN) as client:
        site.answer(200, {"wsUrl": "ws://ws.example.com/ws"})
        assert client.ws_url is None  # no live status: outcomes are polled from the API
