"""Client tests import the package from its source tree (the CLI tests install the built wheel instead)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator

import pytest

from local.stack import ROOT

CLIENT_SRC = ROOT / "clients" / "python" / "src"
if str(CLIENT_SRC) not in sys.path:
    sys.path.insert(0, str(CLIENT_SRC))

from movie_library import Client  # noqa: E402


@pytest.fixture()
def client(stack, token: str) -> Iterator[Client]:
    with Client(stack.url, auth=token) as c:
        yield c


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"
