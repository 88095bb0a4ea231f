"""GET /api/etl/runs and /api/etl/runs/{id} through the local gateway, behind the same Cognito auth."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import psycopg2
from jsonschema import Draft202012Validator

from api import openapi
from etl_task.pipeline import Run
from etl_task.sources import FolderSource
from tests.conftest import reset_library


def _load(stack, folder: Path, **kwargs) -> int:
    conn = psycopg2.connect(stack.database_url)
    try:
        return Run(conn, FolderSource(folder), **kwargs).execute().run_id
    finally:
        conn.close()


def test_runs_are_listed_newest_first_a_page_at_a_time_with_each_runs_quarantine(stack, api, tmp_path: Path) -> None:
    reset_library(stack, None)
    for i in range(5):
        (tmp_path / f"good{i}.json").write_text(json.dumps({"title": f"Api Run {i}", "genre": "Drama"}))
    for i in range(3):
        (tmp_path / f"bad{i}.json").write_text("{" if i else '{"genre": "Drama"}')
    first = _load(stack, tmp_path)
    second = _load(stack, tmp_path)  # nothing new: a walk that skips every file
    third = _load(stack, tmp_path, full=True)

    page = api.get("/api/etl/runs", params={"limit": 2})
    assert page.status_code == 200, page.text
    body = page.json()
    assert [r["id"] for r in body["runs"]] == [str(third), str(second)] and body["pagination"]["hasMore"] is True
    rest = api.get("/api/etl/runs", params={"limit": 2, "cursor": body["pagination"]["nextCursor"]}).json()
    assert [r["id"] for r in rest["runs"]] == [str(first)] and rest["pagination"] == {
        "limit": 2,
        "nextCursor": None,
        "hasMore": False,
    }
    run = rest["runs"][0]
    assert (run["mode"], run["state"], run["phase"]) == ("walk", "succeeded", "finished")
    assert run["counts"] == {
        "filesSeen": 8,
        "filesDownloaded": 8,
        "moviesNew": 5,
        "moviesPresent": 0,
        "quarantined": 3,
        "failed": 0,
        "deletedSeen": 0,
        "removed": 0,
        "replaced": 0,
        "held": 0,
    }
    assert body["runs"][0]["mode"] == "full" and body["runs"][1]["counts"]["filesDownloaded"] == 0
    runs_schema = openapi.document()["paths"]["/api/etl/runs"]["get"]["responses"]["200"]["content"]
    validator = Draft202012Validator(
        {**runs_schema["application/json"]["schema"], "components": openapi.document()["components"]}
    )
    assert not list(validator.iter_errors(body))

    report = api.get(f"/api/etl/runs/{first}", params={"limit": 2})
    assert report.status_code == 200, report.text
    detail = report.json()
    assert detail["run"]["id"] == str(first) and len(detail["files"]) == 2 and detail["pagination"]["hasMore"]
    more = api.get(f"/api/etl/runs/{first}", params={"limit": 2, "cursor": detail["pagination"]["nextCursor"]}).json()
    files = detail["files"] + more["files"]
    assert sorted(f["path"] for f in files) == ["bad0.json", "bad1.json", "bad2.json"]
    assert {f["outcome"] for f in files} == {"quarantined"}
    assert any("'title' is missing" in f["reason"] for f in files)
    assert api.get(f"/api/etl/runs/{second}").json()["files"] == []
    far = base64.urlsafe_b64encode(json.dumps({"k": f"etlRun{first}", "t": "9" * 18}).encode()).decode().rstrip("=")
    beyond = api.get(f"/api/etl/runs/{first}", params={"cursor": far})
    assert beyond.status_code == 200 and beyond.json()["files"] == []


def test_bad_ids_cursors_and_missing_runs_are_client_errors_and_auth_is_required(stack, api) -> None:
    missing = api.get("/api/etl/runs/999999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    bad_id = api.get("/api/etl/runs/abc")
    assert bad_id.status_code == 400 and bad_id.json()["error"]["details"][0]["field"] == "id"
    huge = api.get("/api/etl/runs/99999999999999999999")
    assert huge.status_code == 400
    for params in ({"cursor": "bm9wZQ"}, {"limit": 0}, {"limit": "x"}):
        answer = api.get("/api/etl/runs", params=params)
        assert answer.status_code == 400, (params, answer.text)
    other = api.get("/api/genres").json()["pagination"].get("nextCursor")
    if other:
        assert api.get("/api/etl/runs", params={"cursor": other}).status_code == 400
    anonymous = httpx.get(f"{stack.url}/api/etl/runs", timeout=10)
    assert anonymous.status_code == 401
