"""API Gateway's own answers (gateway responses): the template's customisations over AWS's defaults.

A type the template does not customise falls back to DEFAULT_4XX / DEFAULT_5XX when those are set, keeping
the type's own status unless the default sets one; otherwise AWS's built-in `{"message": ...}` body is used.
Body templates get simple `$context` substitution only (no VTL), as API Gateway does: `messageString` is the
message already in double quotes, `validationErrorString` is the validator's text, escaped for JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from local.template import GatewayResponse

# AWS's status, message and x-amzn-ErrorType for each response type the local gateway can produce.
DEFAULTS: dict[str, tuple[int, str, str]] = {
    kind: (entry["status"], entry["message"], entry["errorType"])
    for kind, entry in json.loads(Path(__file__).with_suffix(".json").read_text()).items()
    if not kind.startswith("_")
}
BUILT_IN_TEMPLATE = '{"message":$context.error.messageString}'
_VARIABLE = re.compile(r"\$(?:\{([\w.]+)\}|(context(?:\.[A-Za-z_]\w*)+))")


@dataclass
class ErrorContext:
    """What `$context` offers a gateway response template."""

    response_type: str
    message: str
    request_id: str
    validation_error: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # stage, resourcePath, httpMethod, …

    def value(self, name: str) -> str:
        values = {
            "context.error.message": self.message,
            "context.error.messageString": json.dumps(self.message),
            "context.error.responseType": self.response_type,
            "context.error.validationErrorString": json.dumps(self.validation_error)[1:-1],
            "context.requestId": self.request_id,
            "context.extendedRequestId": self.request_id,
        }
        if name in values:
            return values[name]
        return self.extra.get(name.removeprefix("context."), "")


def render(template: str, context: ErrorContext) -> str:
    return _VARIABLE.sub(lambda m: context.value(m.group(1) or m.group(2)), template)


def _header_value(mapping: str, request: Request | None) -> str | None:
    """A static value, or a method.request.* mapping resolved from the request."""
    if not mapping.startswith("method.request."):
        return mapping
    if request is None:
        return None
    kind, _, name = mapping.removeprefix("method.request.").partition(".")
    source: Any = {"header": request.headers, "querystring": request.query_params, "path": request.path_params}.get(kind, {})
    return source.get(name)


class GatewayResponses:
    def __init__(self, configured: dict[str, GatewayResponse]):
        self.configured = configured

    def _spec(self, kind: str, status: int) -> GatewayResponse | None:
        if kind in self.configured:
            return self.configured[kind]
        return self.configured.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")

    def respond(
        self,
        kind: str,
        request: Request | None,
        request_id: str,
        *,
        message: str | None = None,
        validation_error: str = "",
        extra: dict[str, str] | None = None,
    ) -> Response:
        default_status, default_message, error_type = DEFAULTS[kind]
        spec = self._spec(kind, default_status)
        status = (spec.status if spec and spec.status else None) or default_status
        templates = (spec.templates if spec and spec.templates else None) or {"application/json": BUILT_IN_TEMPLATE}
        content_type, body_template = _pick(templates, request)
        context = ErrorContext(kind, message or default_message, request_id, validation_error, extra or {})
        headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type}
        for name, mapping in (spec.headers if spec else {}).items():
            value = _header_value(mapping, request)
            if value is not None:
                headers[name] = value
        return Response(render(body_template, context), status_code=status, headers=headers, media_type=content_type)


def _pick(templates: dict[str, str], request: Request | None) -> tuple[str, str]:
    accept = request.headers.get("accept", "") if request is not None else ""
    for content_type, body in templates.items():
        if content_type in accept:
            return content_type, body
    return next(iter(templates.items()))
