"""Issue 17: Powertools' service name and metrics namespace come from the environment the template sets
(POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE in Globals), not from names in the code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from local import template

ROOT = Path(__file__).resolve().parents[2]
EVENT = ROOT / "events" / "write_api_add_movie.json"

# A fresh process, as a Lambda sandbox is: Powertools reads its settings when the handler module loads.
_INVOKE = """
import json, sys
from local.runtime import LambdaRuntime
result = LambdaRuntime().invoke("WriteApiFunction", json.loads(sys.argv[1]))
print(json.dumps({"statusCode": result["statusCode"]}))
"""


def _invoke_add(tmp_env: dict[str, str]) -> list[dict[str, Any]]:
    """One add through the write function in the local runtime; its stdout (JSON logs and EMF) as objects."""
    event = json.loads(EVENT.read_text())
    key = str(uuid.uuid4())
    event["body"] = json.dumps({"title": f"Telemetry {key}", "genre": "Drama", "rating": 6.0, "year": 2020})
    event["headers"]["Idempotency-Key"] = event["multiValueHeaders"]["Idempotency-Key"][0] = key
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", **tmp_env}
    done = subprocess.run(
        [sys.executable, "-c", _INVOKE, json.dumps(event)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines[-1] == {"statusCode": 202}, done.stdout[-3000:]
    return lines


def _service_and_namespace(lines: list[dict[str, Any]]) -> tuple[set[str], str, list[dict[str, str]]]:
    services = {line["service"] for line in lines if "level" in line and "service" in line}
    (blob,) = [line for line in lines if "_aws" in line]
    (spec,) = blob["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in spec["Metrics"]] == ["AddsQueued"]
    return services, spec["Namespace"], [{"Name": d, "Value": blob[d]} for ds in spec["Dimensions"] for d in ds]


def test_a_handler_logs_and_measures_under_the_names_the_template_sets(stack) -> None:
    globals_env = template.load()["Globals"]["Function"]["Environment"]["Variables"]
    service, namespace = globals_env["POWERTOOLS_SERVICE_NAME"], globals_env["POWERTOOLS_METRICS_NAMESPACE"]
    for function, variables in template.function_environment(stack.resources.refs).items():
        assert (variables["POWERTOOLS_SERVICE_NAME"], variables["POWERTOOLS_METRICS_NAMESPACE"]) == (service, namespace), function
    assert (os.environ["POWERTOOLS_SERVICE_NAME"], os.environ["POWERTOOLS_METRICS_NAMESPACE"]) == (service, namespace)

    services, emf_namespace, dimensions = _service_and_namespace(_invoke_add({}))
    assert services == {service} and emf_namespace == namespace
    assert dimensions == [{"Name": "service", "Value": service}]


def test_the_names_are_read_from_the_environment_not_written_in_the_code(stack) -> None:
    lines = _invoke_add({"POWERTOOLS_SERVICE_NAME": "probe-service", "POWERTOOLS_METRICS_NAMESPACE": "ProbeNamespace"})
    services, emf_namespace, dimensions = _service_and_namespace(lines)
    assert services == {"probe-service"} and emf_namespace == "ProbeNamespace"
    assert dimensions == [{"Name": "service", "Value": "probe-service"}]
