"""Each unit fake (tests/unit/fakes.py) offers its data module's protocol (src/data/protocols.py) with the
same parameters (names, order, kinds, defaults) as the real module, so a fake cannot drift from the module
the use cases call. Behaviour is compared on both in tests/integration/test_data_contracts.py."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

from data.protocols import PROTOCOLS
from tests.unit import fakes

FAKES: dict[str, Any] = {
    "db": fakes.FakeDb(),
    "requests_store": fakes.FakeRequests(),
    "add_queue": fakes.FakeQueue(),
    "movie_writes": fakes.FakeMovieWrites(),
    "movie_reads": fakes.FakeMovieReads([]),
}


def _members(protocol: type) -> list[str]:
    return [name for name, value in vars(protocol).items() if inspect.isfunction(value) and not name.startswith("_")]


def _shape(function: Any, drop_self: bool) -> list[tuple[str, Any, Any]]:
    parameters = list(inspect.signature(function).parameters.values())
    if drop_self:
        parameters = parameters[1:]
    return [(p.name, p.kind, p.default) for p in parameters]


@pytest.mark.parametrize("module", sorted(PROTOCOLS))
def test_the_real_module_offers_its_protocol_with_the_same_parameters(module: str) -> None:
    real = importlib.import_module(f"data.{module}")
    for name in _members(PROTOCOLS[module]):
        assert _shape(getattr(real, name), False) == _shape(getattr(PROTOCOLS[module], name), True), f"{module}.{name}"


@pytest.mark.parametrize("module", sorted(FAKES))
def test_the_fake_offers_the_protocol_of_the_module_it_replaces(module: str) -> None:
    fake, protocol = FAKES[module], PROTOCOLS[module]
    for name in _members(protocol):
        assert callable(getattr(type(fake), name, None)), f"{type(fake).__name__} lacks {module}.{name}"
        assert _shape(getattr(fake, name), False) == _shape(getattr(protocol, name), True), (
            f"{type(fake).__name__}.{name} differs from data/{module}.{name}"
        )
