"""The whole product on one machine: PostgreSQL, moto, the local gateway, the UI.

`python -m local.stack` is `make run`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions
import uvicorn

from api import auth
from api.auth import TokenVerifier
from data import config, movie_reads, schema
from local import aws, browser_safety, template
from local.event_sources import EventSources
from local.gateway import Gateway
from local.postgres import EmbeddedPostgres
from local.runtime import LambdaRuntime

ROOT = template.ROOT
STATE_DIR = Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local")
SAMPLE_LIBRARY = ROOT / "local" / "sample_library"
STACK_FILE = STATE_DIR / "stack.json"


def etl_login(database_url: str) -> str:
    """The ETL's login, as in AWS: movie_etl (migration 0040: DML on its tables only). The embedded server trusts
    loopback logins, standing in for the IAM token; a DATABASE_URL with a password (another server) keeps its user."""
    if psycopg2.extensions.parse_dsn(database_url).get("password"):
        return database_url
    return psycopg2.extensions.make_dsn(database_url, user="movie_etl")


class LocalStack:
    def __init__(
        self,
        pg_dir: Path = STATE_DIR / "pg",
        port: int = 3000,
        host: str = "127.0.0.1",
        sample_library: Path | None = SAMPLE_LIBRARY,
        serve: bool = True,
        ephemeral: bool = False,
        allowed_origin: str | None = None,
        allowed_hosts: set[str] | None = None,
    ):
        """allowed_origin: the template's AllowedOrigin parameter (CORS), e.g. where a separately served UI
        lives; allowed_hosts: Host names accepted besides the loopback ones (LOCAL_ALLOWED_HOSTS)."""
        if not browser_safety.is_loopback(host):
            # A development stack: moto's bundled key signs its tokens, its demo password is printed.
            raise ValueError(f"the local stack listens on loopback only (127.0.0.1, ::1, localhost), not {host!r}")
        self.pg = EmbeddedPostgres(pg_dir, delete_on_stop=ephemeral)
        self.port, self.host, self.serve = port, host, serve
        self.allowed_origin = allowed_origin if allowed_origin is not None else os.environ.get("LOCAL_ALLOWED_ORIGIN", "")
        self.allowed_hosts = (
            allowed_hosts
            if allowed_hosts is not None
            else {h.strip() for h in os.environ.get("LOCAL_ALLOWED_HOSTS", "").split(",") if h.strip()}
        )
        self.management_port = 0
        self.sample_library = sample_library
        self.database_url = ""
        self.resources: aws.AwsResources | None = None
        self.gateway: Gateway | None = None
        self.sample_summary: dict | None = None
        self._moto: Any = None  # moto's ThreadedMotoServer while running
        self.event_sources: EventSources | None = None
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        """The loopback-only listener for what needs AWS credentials on AWS (@connections, cache flush)."""
        return f"http://127.0.0.1:{self.management_port}"

    def start(self) -> LocalStack:
        aws.fake_credentials()
        self.database_url = os.environ.get("DATABASE_URL") or self.pg.start()
        os.environ["DATABASE_URL"] = self.database_url
        conn = psycopg2.connect(self.database_url)
        try:
            schema.apply_all(conn)
            with conn, conn.cursor() as cur:
                empty = movie_reads.movie_total(cur) == 0
        finally:
            conn.close()
        self._moto, endpoint = aws.start_moto()
        self.resources = aws.provision(endpoint)
        if self.allowed_origin:  # the template's AllowedOrigin parameter
            self.resources.refs["AllowedOrigin"] = {"Ref": self.allowed_origin}
        os.environ.update(self.resources.env())
        os.environ.pop("COGNITO_ISSUER", None)
        os.environ["COGNITO_ISSUER"] = auth.cognito_issuer()  # what moto writes into its tokens
        if empty and self.sample_library is not None:
            self.sample_summary = self.load_library(self.sample_library)
        if self.serve:
            self._start_gateway()
            # The functions reach @connections through the variable they use on AWS (endpoint + stage).
            os.environ["WS_MANAGEMENT_ENDPOINT"] = f"{self.management_url}/{template.stage_name()}"
            assert self.gateway is not None
            self.event_sources = EventSources(self.resources, self.gateway.runtime)
            self.event_sources.start()
        return self

    @property
    def etl_database_url(self) -> str:
        return etl_login(self.database_url)

    def load_library(self, folder: Path) -> dict:
        """The first start fills the library through the real ETL, so the UI is never empty."""
        from etl_task.pipeline import Run
        from etl_task.sources import FolderSource

        conn = psycopg2.connect(self.etl_database_url)
        try:
            return Run(conn, FolderSource(folder), full=True).execute().report()
        finally:
            conn.close()

    def _start_gateway(self) -> None:
        assert self.resources is not None
        verifier = TokenVerifier(auth.cognito_jwks_url(), auth.cognito_issuer(), auth.cognito_client_id())
        self.gateway = Gateway(
            LambdaRuntime(),
            verifier,
            self.ui_config(),
            self.resources.endpoint,
            refs=self.resources.refs,
            allowed_hosts=self.allowed_hosts | {self.host},
        )
        # Both listeners share one event loop: @connections writes to sockets the public listener owns.
        self._servers = [
            uvicorn.Server(
                uvicorn.Config(
                    self.gateway.app(),
                    host=self.host,
                    port=self.port,
                    log_level="warning",
                    ws="websockets-sansio",
                    lifespan="off",
                    http=browser_safety.DeadlineProtocol,
                    ws_max_size=browser_safety.WS_MAX_MESSAGE,
                )
            ),
            uvicorn.Server(
                uvicorn.Config(
                    self.gateway.management_app(),
                    host="127.0.0.1",
                    port=0,
                    log_level="warning",
                    lifespan="off",
                    http=browser_safety.DeadlineProtocol,
                )
            ),
        ]

        async def serve() -> None:
            await asyncio.gather(*(server.serve() for server in self._servers))

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), name="gateway", daemon=True)
        self._thread.start()
        while not all(server.started for server in self._servers):
            if not self._thread.is_alive():
                raise RuntimeError(f"the local gateway could not listen on {self.host}:{self.port}")
            self._thread.join(0.02)
        self.port = self._servers[0].servers[0].sockets[0].getsockname()[1]
        self.management_port = self._servers[1].servers[0].sockets[0].getsockname()[1]

    def ui_config(self) -> dict:
        assert self.resources is not None
        return {
            "apiUrl": "/api",
            "wsUrl": "/ws",
            "cognitoEndpoint": "/cognito",
            "userPoolId": self.resources.user_pool_id,
            "clientId": self.resources.client_id,
            "region": config.region(),
            "local": True,
            # No password: what the site serves, any page that reaches it can read (review 22).
            "demoUser": {"username": aws.DEMO_USER},
        }

    def demo_token(self) -> str:
        assert self.resources is not None
        return aws.sign_in(self.resources.endpoint, self.resources.client_id, aws.DEMO_USER, aws.DEMO_PASSWORD)["IdToken"]

    def stop(self) -> None:
        if self.event_sources is not None:
            self.event_sources.stop()
            self.event_sources = None
        if self._servers:
            for server in self._servers:
                server.should_exit = True
            if self._thread is not None:
                self._thread.join(10)
            self._servers = []
        if self.gateway is not None:
            self.gateway.runtime.close()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self.pg.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _banner(stack: LocalStack) -> str:
    """What `make run` prints: no live token (it would stay in the scrollback and logs while valid), but the
    command that signs in and prints one when it is wanted."""
    lines = [
        "",
        "Movie Library Explorer is running.",
        f"  UI and API:   {stack.url}/        (REST under {stack.url}/api and {stack.url}/v1/api)",
        f"  API docs:     {stack.url}/docs (sign in first) - schema in src/api/openapi.json",
        f"  Sign in as:   {aws.DEMO_USER}  /  {aws.DEMO_PASSWORD}   (a librarian: may correct and delete any movie)",
        f"           or:  {aws.PLAIN_USER}  /  {aws.PLAIN_PASSWORD}   (a plain user: corrects only their own adds)",
        "",
        "  Try the API (a fresh id token each time, valid 15 minutes; --user reader for the plain user):",
        f"    curl -s -H \"Authorization: Bearer $(.venv/bin/python -m local.token)\" '{stack.url}/api/dashboard'",
        "  Or the Python client's CLI (pip install ./clients/python); it asks for the password:",
        f"    export MOVIE_LIBRARY_BASE_URL={stack.url}",
        f"    movie-library login --username {aws.DEMO_USER}",
        "",
        "Press Ctrl-C to stop everything (PostgreSQL included). Data stays in .local/pg.",
    ]
    if stack.sample_summary:
        lines.insert(1, f"Loaded the sample library: {json.dumps(stack.sample_summary)}")
    return "\n".join(lines)


def port_in_use(host: str, port: int) -> bool:
    """Whether a listener already holds host:port (bound the way uvicorn binds, so the answers agree)."""
    if port == 0:
        return False
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def main() -> None:
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "3000"))
    # Checked before anything starts: a taken port is a one-line answer, not a traceback after PostgreSQL came up.
    if port_in_use(host, port):
        print(
            f"make run: {host}:{port} is already in use (another make run?). Stop that, or pick another port: "
            f"PORT={port + 1} make run",
            file=sys.stderr,
            flush=True,
        )
        sys.exit(2)
    stack = LocalStack(port=port, host=host)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack.start()
        STACK_FILE.parent.mkdir(parents=True, exist_ok=True)  # absent when DATABASE_URL replaces the embedded server
        STACK_FILE.write_text(
            json.dumps(
                {"pid": os.getpid(), "url": stack.url, "env": {k: os.environ[k] for k in stack_env_keys() if k in os.environ}}
            )
        )
        print(_banner(stack), flush=True)
        # A timed wait: a signal delivered to another thread does not interrupt an untimed lock wait in
        # the main thread, so Ctrl-C could go unnoticed; this way its handler runs within half a second.
        while not stop.wait(0.5):
            pass
    finally:
        print("\nStopping…", flush=True)
        STACK_FILE.unlink(missing_ok=True)
        stack.stop()


def running_stack_env() -> dict[str, str] | None:
    """The environment of the `make run` stack that is up now, or None when there is none."""
    try:
        state = json.loads(STACK_FILE.read_text())
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return state["env"]


def stack_env_keys() -> list[str]:
    """Every variable the local stack sets for the functions (saved for `make invoke`)."""
    names = {
        "DATABASE_URL",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "COGNITO_USER_POOL_ID",
        "COGNITO_CLIENT_ID",
        "COGNITO_JWKS_URL",
        "COGNITO_ISSUER",
        "WS_MANAGEMENT_ENDPOINT",
    }
    return sorted(names | template.environment_names())


if __name__ == "__main__":
    main()
