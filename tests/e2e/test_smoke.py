"""The post-deploy smoke checks (`make smoke`), run here against the local stack."""

import boto3
import psycopg2
import pytest

from deploy.smoke import check


@pytest.mark.usefixtures("library")
def test_smoke_checks_pass_on_the_local_stack(stack) -> None:
    idp = boto3.client("cognito-idp", endpoint_url=stack.resources.endpoint)
    passed = check(
        f"{stack.url}/v1", f"ws://127.0.0.1:{stack.port}/v1", idp, stack.resources.user_pool_id, stack.resources.client_id
    )
    with psycopg2.connect(stack.database_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM movies WHERE genre = 'Smoke Test'")
        assert cur.fetchone()[0] == 0, "the smoke check leaves its movie behind"
    assert passed == [
        "dashboard",
        "search",
        "unauthorized",
        "websocket ping",
        "add -> created over the WebSocket",
        "delete own add",
    ]
