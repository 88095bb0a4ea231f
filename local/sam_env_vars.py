"""The `--env-vars` file that points `sam local invoke` (a Docker container) at the running `make run` stack.

SAM only overrides variables the template declares, so the file holds just those (template.yaml declares
DATABASE_URL, AWS_ENDPOINT_URL and the Cognito URLs empty in Globals for this). Loopback addresses of the
host become one the container can reach: `host.docker.internal` by default (Docker Desktop forwards it
to the host's loopback), or, on Linux's Docker Engine, SAM_CONTAINER_HOST=127.0.0.1 with
`--docker-network host` (the container then shares the host's loopback, where the stack listens).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from local import template

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local") / "sam-env-vars.json"
DEFAULT_HOST = "host.docker.internal"
_LOOPBACK = {"127.0.0.1", "localhost", "0.0.0.0", "::1"}  # noqa: S104 - addresses to rewrite, not to bind


def container_host() -> str:
    return os.environ.get("SAM_CONTAINER_HOST") or DEFAULT_HOST


def unreachable_database(url: str) -> bool:
    """A DSN on a Unix socket (the embedded server's) cannot be reached from a container."""
    parts = urlsplit(url)
    socket_host = parse_qs(parts.query).get("host", [""])[0]
    return not parts.hostname and (socket_host.startswith("/") or not socket_host)


def _reachable(value: str, host: str) -> str:
    """A URL on the host's loopback, re-pointed at `host`; anything else unchanged."""
    parts = urlsplit(value)
    if not parts.scheme or parts.hostname not in _LOOPBACK:
        return value
    userinfo, _, _ = parts.netloc.rpartition("@")
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{userinfo}@{host}{port}" if userinfo else f"{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def build(stack_env: dict[str, str], host: str | None = None) -> tuple[dict, list[str]]:
    """({"Parameters": {...}}, warnings) for a running stack's environment."""
    host = host or container_host()
    declared = template.environment_names()
    values: dict[str, str] = {}
    warnings: list[str] = []
    for name in sorted(declared):
        value = stack_env.get(name)
        if value is None or name.startswith("DB_"):
            continue  # DB_* name the RDS secret in AWS; DATABASE_URL replaces them locally
        if name == "DATABASE_URL" and unreachable_database(value):
            warnings.append(
                "DATABASE_URL is a Unix socket (the embedded PostgreSQL), which a container cannot reach: "
                "functions that use the database will fail. Start `make run` with DATABASE_URL set to a "
                "PostgreSQL on TCP (postgresql://user:password@127.0.0.1:5432/db) to invoke them with SAM."
            )
            continue
        values[name] = _reachable(value, host)
    return {"Parameters": values}, warnings


def write(stack_env: dict[str, str], path: Path | None = None, host: str | None = None) -> list[str]:
    path = path or DEFAULT_PATH
    content, warnings = build(stack_env, host)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2) + "\n")
    return warnings


def command(function: str, event: str, path: Path | None = None, host: str | None = None) -> str:
    """The `sam local invoke` line that runs the same call in the Lambda container image."""
    path, host = path or DEFAULT_PATH, host or container_host()
    network = "--docker-network host" if host in {"127.0.0.1", "localhost"} else ""
    relative = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return (
        f"AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing sam local invoke {function} -e {event} "
        f"--env-vars {relative} --region {os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')} {network}"
    ).rstrip()
