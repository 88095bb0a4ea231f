"""Cognito users made by tools, the same way on AWS and locally: the post-deploy smoke check, the deployed e2e
run's test user and the local stack's demo users (no mail sent, e-mail verified, a permanent password)."""

from __future__ import annotations

from typing import Any


def ensure_user(idp: Any, pool_id: str, username: str, password: str) -> None:
    """Create the user if it is missing, then set its password (so a rerun resets it)."""
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=username)
    except idp.exceptions.UserNotFoundException:
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}],
        )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
