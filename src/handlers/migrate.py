"""CloudFormation custom resource that applies the database migrations; reports FAILED when they fail."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from api.observability import logger, tracer
from data import db, schema

PHYSICAL_ID = "movie-library-schema"


def _respond(event: dict[str, Any], status: str, reason: str, data: dict[str, Any]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:1000],
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data,
        }
    ).encode()
    url = event["ResponseURL"]
    if not url.startswith(("https://", "http://")):
        raise ValueError("ResponseURL must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - CloudFormation's pre-signed URL
        response.read()


def apply() -> list[str]:
    conn = db.connect(connect_timeout=10)  # re-reads a rotated secret
    try:
        return schema.apply_all(conn)
    finally:
        conn.close()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    request_type = event.get("RequestType")
    status, reason, data = "SUCCESS", "nothing to do", {}
    if request_type in ("Create", "Update"):
        try:
            applied = apply()
            reason = f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}"
            data = {"Applied": ",".join(applied)}
        except Exception as exc:  # any failure must reach CloudFormation, or the stack hangs for an hour
            logger.exception("migration failed")
            status, reason = "FAILED", f"migration failed: {type(exc).__name__}: {exc}"
    logger.info("custom resource done", extra={"status": status, "reason": reason})
    _respond(event, status, reason, data)
    return {"Status": status, "Reason": reason}
