"""template.yaml is valid, lint-clean, and the local stack serves exactly what it declares."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from data import schema
from local import template

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".local" / "sam" / "bin" / "sam"


def _env() -> dict[str, str]:
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": region}


def test_sam_validate_lint() -> None:
    assert SAM.exists(), "make test installs the SAM CLI into .local/sam"
    result = subprocess.run([str(SAM), "validate", "--lint", "--template", "template.yaml"],
                            cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_cfn_lint_has_no_errors_or_warnings() -> None:
    result = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "template.yaml"],
                            cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migration_custom_resource_tracks_the_newest_migration() -> None:
    declared = template.load()["Resources"]["SchemaMigration"]["Properties"]["MigrationsVersion"]
    assert declared == schema.pending_files()[-1].stem, "bump MigrationsVersion so deploys run the new migration"


def test_every_function_handler_imports() -> None:
    from local.runtime import load_handler

    for name in template.functions():
        assert callable(load_handler(template.function_handler(name))), name


def test_every_template_route_is_served_by_the_gateway_and_a_handler(stack, token: str) -> None:
    routes = template.rest_routes()
    assert routes, "no routes found in template.yaml"
    for route in routes:
        path = route.path.replace("{id}", str(uuid.uuid4())).replace("{requestId}", str(uuid.uuid4()))
        response = httpx.request(route.method, f"{stack.url}{path}", headers={"Authorization": f"Bearer {token}"},
                                 json={} if route.method == "POST" else None)
        assert response.status_code != 405, route
        if response.status_code == 404:
            assert not response.json()["error"]["message"].startswith("No route"), route
        if route.authorized:
            assert httpx.request(route.method, f"{stack.url}{path}").status_code == 401, route
