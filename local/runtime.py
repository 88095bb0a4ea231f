"""A stand-in for the Lambda service: imports each function's handler once and invokes it with a context.

Like Lambda, each function is its own sandbox: one invocation at a time per function, its own Powertools
state (log keys such as function_name and request id, cold start, pending metrics) even though all functions
share this process, and an invocation that runs past the function's Timeout is stopped and reported as
Lambda reports it ("Task timed out after N seconds"); the next invocation then starts cold.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import logging
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from local import private_api, template

SRC = template.ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

log = logging.getLogger("local.lambda")


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


class FunctionTimedOut(Exception):
    """The invocation ran past the function's Timeout and was stopped (Lambda's Sandbox.Timedout)."""

    def __init__(self, function: str, timeout_s: float):
        super().__init__(f"Task timed out after {timeout_s:.2f} seconds")
        self.function = function
        self.timeout_s = timeout_s


class _Stopped(BaseException):
    """Raised inside a timed-out invocation's thread to stop it (BaseException: handlers don't catch it)."""


def load_handler(dotted: str) -> Callable[[dict, Any], Any]:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


# --- one Powertools state per invocation ------------------------------------------------------------
# Powertools keeps log keys, the cold-start flag and pending metrics in module or instance globals, which
# concurrent functions in one process would share. Each invocation runs in its own contextvars context,
# and these attributes are looked up there first.

_STATE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("lambda_sandbox_state", default=None)
_COLD: contextvars.ContextVar[bool | None] = contextvars.ContextVar("lambda_cold_start", default=None)
_isolated = False


def _per_invocation(name: str, fresh: Callable[[Any], Any]) -> property:
    def get(self: Any) -> Any:
        state = _STATE.get()
        if state is None or name not in self.__dict__:
            return self.__dict__.get(name)
        key = (id(self), name)
        if key not in state:
            state[key] = fresh(self.__dict__[name])
        return state[key]

    def set_(self: Any, value: Any) -> None:
        state = _STATE.get()
        if state is None or name not in self.__dict__:
            self.__dict__[name] = value
        else:
            state[(id(self), name)] = value

    return property(get, set_)


def isolate_powertools() -> None:
    """Make Powertools' per-sandbox state per invocation (idempotent)."""
    global _isolated
    if _isolated:
        return
    for patched in (
        private_api.FORMATTER_LOG_FORMAT,
        private_api.EMF_METRIC_SET,
        private_api.EMF_METADATA_SET,
        private_api.EMF_DIMENSION_SET,
        private_api.LOGGER_IS_COLD_START,
    ):
        patched.check()
    from aws_lambda_powertools.logging import formatter as log_formatter
    from aws_lambda_powertools.logging import logger as log_module
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

    log_formatter.LambdaPowertoolsFormatter.log_format = _per_invocation("log_format", dict)  # type: ignore[assignment]  # a property over the instance attribute (guarded by local.private_api)
    provider = cloudwatch.AmazonCloudWatchEMFProvider
    provider.metric_set = _per_invocation("metric_set", lambda _base: {})  # type: ignore[assignment]  # a property over the instance attribute (guarded by local.private_api)
    provider.metadata_set = _per_invocation("metadata_set", lambda _base: {})  # type: ignore[assignment]  # a property over the instance attribute (guarded by local.private_api)
    provider.dimension_set = _per_invocation("dimension_set", dict)  # type: ignore[assignment]  # a property over the instance attribute (guarded by local.private_api)
    original = log_module._is_cold_start

    def is_cold_start() -> bool:
        cold = _COLD.get()
        if cold is None:
            return original()
        _COLD.set(False)
        return cold

    log_module._is_cold_start = is_cold_start
    _isolated = True


def _raise_in(thread: threading.Thread) -> None:
    """Stop a thread at its next bytecode (what the Lambda service does by ending the sandbox)."""
    private_api.raise_in(thread, _Stopped)


class _Sandbox:
    """One function's execution environment: a long-lived thread (so per-thread connections are reused, as a
    warm Lambda reuses its process), one invocation at a time, each in a fresh contextvars context."""

    def __init__(self, function: str, handler: Callable):
        self.handler = handler
        self.lock = threading.Lock()  # held from submit until the outcome is handed over
        self.cold = True
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name=f"lambda:{function}", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                event, context, finished = job
                outcome: dict[str, Any] = {}
                try:
                    contextvars.Context().run(self._run, event, context, outcome)
                finally:  # also when stopped at its timeout: the caller has given up, the lock is let go
                    finished(outcome)
        except _Stopped:
            return  # stopped at its timeout: this sandbox is gone

    def _run(self, event: dict, context: LambdaContext, outcome: dict) -> None:
        _STATE.set({})
        _COLD.set(self.cold)
        self.cold = False
        try:
            outcome["result"] = self.handler(event, context)
        except Exception as exc:  # handed to the caller, as Lambda hands back errors
            outcome["error"] = exc

    def submit(self, event: dict, context: LambdaContext, finished: Callable[[dict[str, Any]], None]) -> None:
        """Queue one invocation (the caller holds the lock); `finished` gets its outcome in this sandbox's thread."""
        self._jobs.put((event, context, finished))

    def run(self, event: dict, context: LambdaContext, timeout: float) -> dict[str, Any] | None:
        """The outcome, or None when the invocation did not finish in time (then the thread is stopped)."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def finished(outcome: dict[str, Any]) -> None:
            box.update(outcome)
            done.set()

        self.submit(event, context, finished)
        if done.wait(timeout):
            return box
        self.stop()
        return None

    def stop(self) -> None:
        _raise_in(self.thread)

    def close(self) -> None:
        self._jobs.put(None)


def _settle(future: asyncio.Future, outcome: dict[str, Any]) -> None:
    if not future.done():
        future.set_result(outcome)


class LambdaRuntime:
    """One warm sandbox per function: invocations of the same function run one at a time."""

    def __init__(
        self, timeouts: dict[str, float] | None = None, handlers: dict[str, Callable[[dict, Any], Any]] | None = None
    ) -> None:
        """timeouts and handlers override the template's (tests use them to make a function slow or short)."""
        self._timeouts = dict(timeouts or {})
        self._overrides = dict(handlers or {})
        self._sandboxes: dict[str, _Sandbox] = {}
        self._guard = threading.Lock()
        private_api.THREAD_ASYNC_EXC.check()
        isolate_powertools()

    def timeout(self, function: str) -> float:
        return self._timeouts.get(function) or template.function_timeout(function)

    def _sandbox(self, function: str) -> _Sandbox:
        with self._guard:
            if function not in self._sandboxes:
                handler = self._overrides.get(function) or load_handler(template.function_handler(function))
                self._sandboxes[function] = _Sandbox(function, handler)
            return self._sandboxes[function]

    def invoke(self, function: str, event: dict) -> Any:
        sandbox = self._sandbox(function)
        timeout = self.timeout(function)
        with sandbox.lock:
            context = LambdaContext(function, timeout)
            outcome = sandbox.run(event, context, timeout)
            if outcome is None:
                raise self._timed_out(function, sandbox, context)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")

    def _timed_out(self, function: str, sandbox: _Sandbox, context: LambdaContext) -> FunctionTimedOut:
        """Report an invocation stopped at its timeout; the next invocation gets a new sandbox, cold."""
        error = FunctionTimedOut(function, context.timeout_s)
        log.warning("%s: %s (request %s)", function, error, context.aws_request_id)
        with self._guard:
            if self._sandboxes.get(function) is sandbox:
                del self._sandboxes[function]
        return error

    async def invoke_async(self, function: str, event: dict) -> Any:
        """invoke() for an event loop (the local gateway): the function's own thread hands the outcome straight
        back to the loop, without a worker thread in between waiting for it."""
        sandbox = self._sandbox(function)
        if not sandbox.lock.acquire(blocking=False):
            # Busy with another invocation: wait for its turn in a worker thread, as invoke() does (Starlette's
            # pool of 40, as before: asyncio's default pool has cpu + 4 threads, which one busy function could
            # fill, holding up another's turn).
            return await run_in_threadpool(self.invoke, function, event)
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[dict[str, Any]] = loop.create_future()

        def finished(outcome: dict[str, Any]) -> None:  # in the sandbox's thread
            sandbox.lock.release()
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, answered, outcome)

        timeout = self.timeout(function)
        context = LambdaContext(function, timeout)
        try:
            sandbox.submit(event, context, finished)
        except BaseException:
            sandbox.lock.release()
            raise
        try:
            # shield: a caller that stops waiting (the gateway's integration timeout) leaves the invocation
            # running, as API Gateway leaves the Lambda running; the lock is let go when it ends.
            outcome = await asyncio.wait_for(asyncio.shield(answered), timeout)
        except TimeoutError:
            sandbox.stop()
            raise self._timed_out(function, sandbox, context) from None
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")

    def close(self) -> None:
        """Let every sandbox's thread end."""
        with self._guard:
            for sandbox in self._sandboxes.values():
                sandbox.close()
            self._sandboxes.clear()
