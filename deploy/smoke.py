"""`make smoke ENV=…`: end-to-end checks against a deployed stack (the pipeline runs them on staging).

Signs in as a dedicated smoke-test user, reads the library, adds a movie and waits for its
outcome over the WebSocket. The same checks run against the local stack in the test suite.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import uuid

import boto3
import httpx
from websockets.sync.client import connect

from infra.cognito import ensure_user

SMOKE_USER = "smoke-test@example.com"


def check(rest_url: str, ws_url: str, idp, pool_id: str, client_id: str) -> list[str]:
    password = "Smoke-" + secrets.token_urlsafe(12) + "1a"
    ensure_user(idp, pool_id, SMOKE_USER, password)
    token = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": SMOKE_USER, "PASSWORD": password}
    )["AuthenticationResult"]["IdToken"]
    http = httpx.Client(base_url=rest_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    passed = []
    assert http.get("/api/dashboard").status_code == 200
    passed.append("dashboard")
    assert http.get("/api/movies/search", params={"title": "a"}).status_code == 200
    passed.append("search")
    assert http.get("/api/dashboard", headers={"Authorization": "Bearer nope"}).status_code == 401
    passed.append("unauthorized")
    with connect(f"{ws_url}?token={token}", open_timeout=15) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.recv(timeout=15)) == {"type": "pong"}
        passed.append("websocket ping")
        movie = {"title": f"Smoke Test {uuid.uuid4().hex[:8]}", "genre": "Smoke Test", "rating": 5.0, "year": 2024}
        request = http.post("/api/movies", json=movie)
        assert request.status_code == 202, request.text
        request_id = request.json()["requestId"]
        deadline = time.monotonic() + 60
        while True:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("requestId") == request_id:
                assert message["status"] == "created", message
                break
        passed.append("add -> created over the WebSocket")
    # Every deploy runs this: the smoke movie is removed again (its adder may delete it), so a library is
    # never left with one "Smoke Test" movie per deploy.
    movie_id = message["movie"]["id"]
    current = http.get(f"/api/movies/{movie_id}")
    assert current.status_code == 200, current.text
    deleted = http.delete(f"/api/movies/{movie_id}", headers={"If-Match": current.headers["ETag"]})
    assert deleted.status_code == 204, deleted.text
    assert http.get(f"/api/movies/{movie_id}").status_code == 404
    passed.append("delete own add")
    return passed


def main(env: str) -> int:
    from deploy import stack

    outputs = stack.outputs(env)
    idp = boto3.client("cognito-idp", region_name=stack.region(env))
    for name in check(outputs["RestApiUrl"], outputs["WebSocketUrl"], idp, outputs["UserPoolId"], outputs["UserPoolClientId"]):
        print(f"ok  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "staging"))
