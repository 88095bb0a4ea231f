"""Where the client may send a password or a token: the API's own origin, over TLS unless it is this machine.

A bearer token or a password sent in clear text, or to a host a response named, is readable by whoever
is on the path or runs that host; so plain http/ws is accepted only for loopback hosts (the local stack)
and absolute URLs an answer contains are followed only to the API's origin.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SECURE = {"http": "https", "ws": "wss"}


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure(url: str, what: str) -> str:
    """`url` itself, if it uses TLS (https/wss) or points at this machine; else ValueError naming `what`."""
    parts = urlsplit(url)
    if parts.scheme in SECURE.values() and parts.netloc:
        return url
    if parts.scheme in SECURE and parts.netloc and is_loopback(parts.hostname):
        return url
    if parts.scheme in SECURE and parts.netloc:
        raise ValueError(
            f"{what} must use {SECURE[parts.scheme]}:// (plain {parts.scheme}:// is only for this machine), not {url!r}"
        )
    raise ValueError(f"{what} must be an https:// URL, not {url!r}")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def same_origin(url: str, other: str) -> bool:
    return origin(url) == origin(other)


def trusted_cognito(endpoint: str, site: str) -> bool:
    """A Cognito endpoint a site's /config.json may name: the site's own origin (the local stack's /cognito
    proxy) or AWS's Cognito service, over TLS unless on this machine. Anything else would receive the
    password, so it is ignored."""
    try:
        require_secure(endpoint, "the Cognito endpoint")
    except ValueError:
        return False
    host = (urlsplit(endpoint).hostname or "").lower()
    aws = host.startswith("cognito-idp.") and (host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn"))
    return same_origin(endpoint, site) or (aws and urlsplit(endpoint).scheme == "https")
