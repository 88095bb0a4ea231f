"""The sample events in events/ (what `make invoke` and tests/e2e/test_events.py run): each indexed, and each
function of the template has one."""

from __future__ import annotations

import json
from pathlib import Path

from infra import template

EVENTS = Path(__file__).resolve().parents[2] / "events"


def test_every_event_file_is_indexed_and_every_function_has_an_event() -> None:
    index = json.loads((EVENTS / "index.json").read_text())
    files = {p.name for p in EVENTS.glob("*.json")} - {"index.json"}
    assert files == set(index), "events/index.json must list every event file"
    assert {entry["function"] for entry in index.values()} == set(template.functions())
