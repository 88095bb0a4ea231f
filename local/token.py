"""Print a fresh id token of a local user, signed in through the running stack's /cognito (as the UI does):

    curl -H "Authorization: Bearer $(.venv/bin/python -m local.token)" http://127.0.0.1:3000/api/dashboard

`make run` prints this command instead of a live token: a token printed at start-up stays in the terminal's
scrollback and in logs while it is valid. `--user reader` signs in the plain (non-librarian) user; `--url`
names a stack other than the one `make run` started.
"""

from __future__ import annotations

import argparse
import json
import sys

import httpx

from local import aws

USERS = {"demo": (aws.DEMO_USER, aws.DEMO_PASSWORD), "reader": (aws.PLAIN_USER, aws.PLAIN_PASSWORD)}


def running_url() -> str | None:
    from local.stack import STACK_FILE

    try:
        return str(json.loads(STACK_FILE.read_text())["url"])
    except (OSError, ValueError, KeyError):
        return None


def id_token(url: str, user: str = "demo") -> str:
    username, password = USERS[user]
    client_id = httpx.get(f"{url}/config.json", timeout=10).json()["clientId"]
    answer = httpx.post(
        f"{url}/cognito",
        json={
            "ClientId": client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        },
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["AuthenticationResult"]["IdToken"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__.splitlines()[0])
    parser.add_argument("--user", choices=sorted(USERS), default="demo")
    parser.add_argument("--url", help="the local stack's URL (default: the one `make run` started)")
    args = parser.parse_args(argv)
    url = (args.url or running_url() or "").rstrip("/")
    if not url:
        print("No local stack is running: start one with `make run` (or pass --url).", file=sys.stderr)
        return 2
    try:
        print(id_token(url, args.user))
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        print(f"Could not sign in at {url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
