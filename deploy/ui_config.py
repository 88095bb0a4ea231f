"""The UI's runtime config.json, from stack outputs (one build works in every environment), and the pages'
connect-src pinned to this stack's own APIs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit


def from_outputs(outputs: dict[str, str], region: str) -> dict:
    return {
        "apiUrl": f"{outputs['RestApiUrl']}/api",
        "wsUrl": outputs["WebSocketUrl"],
        "cognitoEndpoint": f"https://cognito-idp.{region}.amazonaws.com/",
        "userPoolId": outputs["UserPoolId"],
        "clientId": outputs["UserPoolClientId"],
        "region": region,
        "local": False,
    }


def connect_sources(outputs: dict[str, str], region: str) -> list[str]:
    """Where the pages may connect: this stack's REST and WebSocket APIs and Cognito, by exact origin."""
    return [
        "'self'",
        f"https://{urlsplit(outputs['RestApiUrl']).netloc}",
        f"wss://{urlsplit(outputs['WebSocketUrl']).netloc}",
        f"https://cognito-idp.{region}.amazonaws.com",
    ]


def pin_connect_src(page: str, sources: list[str]) -> str:
    """The page with a <meta> Content-Security-Policy naming exactly these sources, first in <head>.

    The distribution's header names the REST API by region only (its id cannot be in the header policy: the API's
    CORS origin is the distribution, a dependency cycle). A browser enforces every policy it gets, header and meta
    alike, so this one narrows connect-src to the stack's own API origins."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape("connect-src " + " ".join(sources))}" />'
    pinned, count = re.subn(r"(<head[^>]*>)", lambda m: f"{m.group(1)}\n    {meta}", page, count=1, flags=re.I)
    if count != 1:
        raise ValueError("the page has no <head>: its connect-src cannot be pinned")
    return pinned


def ui_files(dist: Path, outputs: dict[str, str], region: str) -> Iterator[tuple[str, bytes]]:
    """(key, body) of every file of the build to upload, the HTML pages with their connect-src pinned."""
    sources = connect_sources(outputs, region)
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        body = path.read_bytes()
        if path.suffix == ".html":
            body = pin_connect_src(body.decode(), sources).encode()
        yield path.relative_to(dist).as_posix(), body
