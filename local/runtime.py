"""A stand-in for the Lambda service: imports each function's handler once and invokes it with a context."""

from __future__ import annotations

import importlib
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local import template

SRC = template.ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


@dataclass
class LambdaContext:
    function_name: str
    timeout_s: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(dotted: str) -> Callable[[dict, Any], Any]:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


class LambdaRuntime:
    """One warm 'container' per function: invocations of the same function run one at a time."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _prepare(self, function: str) -> tuple[Callable, threading.Lock]:
        with self._guard:
            if function not in self._handlers:
                self._handlers[function] = load_handler(template.function_handler(function))
                self._locks[function] = threading.Lock()
            return self._handlers[function], self._locks[function]

    def invoke(self, function: str, event: dict) -> Any:
        handler, lock = self._prepare(function)
        props = template.functions()[function]["Properties"]
        timeout = props.get("Timeout") or template.load().get("Globals", {}).get("Function", {}).get("Timeout", 3)
        with lock:
            return handler(event, LambdaContext(function, float(timeout)))
