"""#24 (review 7): a broadcast finds its sockets with a Query on the sparse byAudience index, never a Scan of
the connections table, and leaves out sockets whose token has expired; review 3: librarians' sockets are
told apart from everyone else's. Against the stack's DynamoDB (moto), with the index the template defines."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from data import connections
from data.aws_clients import table
from settings import current


def test_broadcast_targets_come_from_a_query_by_audience_not_a_scan(stack, monkeypatch: pytest.MonkeyPatch) -> None:
    now = int(time.time())
    tag = uuid.uuid4().hex[:8]
    saved = {
        f"lib-{tag}": dict(librarian=True, token_expires_at=now + 600),
        f"member-{tag}": dict(librarian=False, token_expires_at=now + 600),
        f"expired-{tag}": dict(librarian=False, token_expires_at=now - 5),
        f"no-exp-{tag}": dict(librarian=False, token_expires_at=None),  # listens until the socket's own expiry
    }
    for connection_id, kwargs in saved.items():
        connections.save(connection_id, f"user-{tag}", now * 1000, now + 7200, **kwargs)
    # An item from before the index (no audience): not in the sparse index, so never a broadcast target.
    table(current().need("connections_table")).put_item(
        Item={"connectionId": f"legacy-{tag}", "userSub": f"user-{tag}", "connectedAt": now, "expiresAt": now + 60}
    )
    calls: list[str] = []
    real_table = table(current().need("connections_table"))

    class Watched:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(real_table, name)

    monkeypatch.setattr(connections, "_table", lambda: Watched())
    try:
        librarians = [c for c in connections.listeners("librarians") if c.endswith(tag)]
        members = [c for c in connections.listeners("members") if c.endswith(tag)]
        everyone = [c for c in connections.all_authorised() if c.endswith(tag)]
    finally:
        for connection_id in [*saved, f"legacy-{tag}"]:
            real_table.delete_item(Key={"connectionId": connection_id})
    assert librarians == [f"lib-{tag}"]
    assert sorted(members) == sorted([f"member-{tag}", f"no-exp-{tag}"])
    assert sorted(everyone) == sorted([f"lib-{tag}", f"member-{tag}", f"no-exp-{tag}"])
    assert "scan" not in calls and set(calls) == {"query"}, calls
