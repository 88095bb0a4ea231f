"""Property-based requests generated from /api/openapi.json against the running stack."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from local import template


@pytest.mark.usefixtures("library")
def test_generated_requests_never_5xx_and_match_the_document(stack, token: str, tmp_path: Path, monkeypatch) -> None:
    # Hundreds of generated adds from one user: the per-user limit would answer most of them 429 (and then
    # the next tests' adds too), so it is raised here; the 429 itself is tested in test_add_faults.
    monkeypatch.setenv("ADDS_PER_USER_PER_MINUTE", "100000")
    # The stage throttles (per method, documented as a 429 on every operation) would refuse whichever
    # generated requests came in a burst, turning checks such as "no token gets 401" into chance: schemathesis
    # keeps under the lowest of them, as a well-behaved client does.
    limits = template.lowest_throttle()
    assert limits is not None
    rate = f"{int(limits[0] * 0.8)}/s"
    schema = tmp_path / "openapi.json"
    schema.write_text(httpx.get(f"{stack.url}/api/openapi.json", headers={"Authorization": f"Bearer {token}"}).text)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(schema),
            "--url",
            stack.url,
            "-H",
            f"Authorization: Bearer {token}",
            "--rate-limit",
            rate,
            "--max-examples",
            "70",
            "--seed",
            "20261125",
            "--checks",
            "all",
            # Opaque cursors are strings to the schema but only the API's own are valid (a 400 otherwise).
            # API Gateway answers a method a resource does not declare with its MISSING_AUTHENTICATION_TOKEN
            # gateway response (the template maps it to 404), never 405: that is AWS's answer, not a defect.
            "--exclude-checks",
            "positive_data_acceptance,unsupported_method",
            "--report",
            "ndjson",
            "--report-dir",
            str(tmp_path),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Every response schemathesis received is in its NDJSON report.
    report = "".join(p.read_text() for p in tmp_path.glob("*.ndjson"))
    statuses = [int(code) for code in re.findall(r'"status_code":\s*(\d+)', report)]
    assert len(statuses) >= 1000, f"only {len(statuses)} requests were made"
    assert not [s for s in statuses if s >= 500]
    # With the per-user limit raised, a 429 can only be the stage throttle.
    throttled = statuses.count(429)
    assert throttled == 0, f"{throttled} requests met the stage throttle despite --rate-limit {rate}"
    print(f"schemathesis: {len(statuses)} requests, none 5xx; summary:", result.stdout[-1500:])
