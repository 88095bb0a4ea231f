"""Every sample event in events/ runs through its function (as `sam local invoke` would) with the expected result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local import template
from local.runtime import LambdaRuntime

EVENTS = Path(__file__).resolve().parents[2] / "events"
INDEX = json.loads((EVENTS / "index.json").read_text())


def test_every_event_file_is_indexed_and_every_function_has_an_event() -> None:
    files = {p.name for p in EVENTS.glob("*.json")} - {"index.json"}
    assert files == set(INDEX), "events/index.json must list every event file"
    assert {entry["function"] for entry in INDEX.values()} == set(template.functions())


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize("name", sorted(INDEX))
def test_event_runs_through_its_handler(name: str, cfn_response_url: str) -> None:
    entry = INDEX[name]
    event = json.loads((EVENTS / name).read_text())
    if "ResponseURL" in event:
        event["ResponseURL"] = cfn_response_url  # CloudFormation's pre-signed S3 URL, answered locally
    result = LambdaRuntime().invoke(entry["function"], event)
    for key, expected in entry["expect"].items():
        assert result[key] == expected, result
