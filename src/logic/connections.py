"""Open WebSockets: who may hear about what, and until when.

A socket is kept at most API Gateway's 2 hours; one opened with a token that expires earlier is forgotten
a minute after that token's `exp` (the notifier stops sending to it at `exp`; the client reconnects).
"""

from __future__ import annotations

import time

from data import connections
from domain import roles
from domain.errors import RateLimited
from settings import current

MAX_CONNECTION_SECONDS = 2 * 3600  # API Gateway closes every WebSocket after 2 hours
AFTER_TOKEN_SECONDS = 60


def token_expiry(raw: object) -> int | None:
    """The authorizer context's `exp`: API Gateway may pass authorizer context numbers as strings."""
    if raw is None or raw == "":
        return None
    return int(float(str(raw)))


def is_librarian(groups: object) -> bool:
    """The authorizer context's `groups` (the id token's cognito:groups) names the librarians group."""
    return roles.is_librarian(groups)


def connect(
    connection_id: str,
    user_sub: str,
    connected_at: int,
    token_expires_at: int | None,
    now: float | None = None,
    *,
    librarian: bool = False,
) -> None:
    """Remember an open socket of `user_sub` until the earlier of API Gateway's limit and its token's expiry;
    refused (RateLimited) while the user already holds the configured number of sockets, so one account
    cannot multiply the notifier's work for everyone (two racing connects may both pass: a small overshoot)."""
    now = time.time() if now is None else now
    limit = current().sockets_per_user
    if connections.count_open(user_sub, now) >= limit:
        raise RateLimited(
            f"Too many open connections: at most {limit} per user. Close another tab or window.",
            60,
            [{"field": "connection", "message": f"at most {limit} per user"}],
        )
    expires_at = int(now) + MAX_CONNECTION_SECONDS
    if token_expires_at is not None:
        expires_at = min(expires_at, token_expires_at + AFTER_TOKEN_SECONDS)
    connections.save(connection_id, user_sub, connected_at, expires_at, token_expires_at, librarian)


def disconnect(connection_id: str) -> None:
    connections.delete(connection_id)
