"""Every private attribute of a library (or of CPython) that local/ relies on, in one place, each behind a
version guard and a shape check.

The local stack needs a few things no public API offers: per-invocation Powertools state for functions that
share one process, serialised writes to moto's stream shards, Cognito refresh tokens moto keeps private, and a
way to stop a timed-out invocation's thread. Each is a `PrivateApi`: the guard refuses a library version
outside the range the patch was checked against, and `check()` fails naming the attribute when its shape
changes. tests/unit/test_private_api_canaries.py runs every check, so an upgrade that breaks one fails by name
instead of silently changing what the suite proves. To accept a new version: run those canaries, then widen
`tested`.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import inspect
import platform
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version


class PrivateApiChanged(RuntimeError):
    """A private attribute local/ patches is missing, has a new shape, or comes from an untested version."""


@dataclass(frozen=True)
class PrivateApi:
    attribute: str  # what is patched or read, e.g. "aws_lambda_powertools...LambdaPowertoolsFormatter.log_format"
    distribution: str  # the installed package it belongs to ("python" for CPython itself)
    tested: str  # the versions the patch was checked against (a PEP 440 specifier set)
    shape: Callable[[], str | None]  # None when the attribute still looks as the patch expects, else what changed

    def version(self) -> str:
        if self.distribution == "python":
            return platform.python_version()
        return importlib.metadata.version(self.distribution)

    def check(self) -> None:
        """Raise PrivateApiChanged naming the attribute unless the version is tested and the shape holds."""
        version = self.version()
        if Version(version) not in SpecifierSet(self.tested):
            raise PrivateApiChanged(
                f"{self.attribute}: {self.distribution} {version} is outside the tested range {self.tested}; "
                "run tests/unit/test_private_api_canaries.py and widen `tested` in local/private_api.py"
            )
        try:
            problem = self.shape()
        except Exception as exc:  # a missing module or class is a changed shape too
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            raise PrivateApiChanged(f"{self.attribute}: {problem} ({self.distribution} {version})")


def _instance_dict_attribute(instance: object, name: str, kind: type) -> str | None:
    value = vars(instance).get(name)
    if not isinstance(value, kind):
        return f"instances no longer keep {name} as a {kind.__name__} attribute (found {type(value).__name__})"
    return None


def _formatter_log_format() -> str | None:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    formatter = LambdaPowertoolsFormatter()
    problem = _instance_dict_attribute(formatter, "log_format", dict)
    if problem:
        return problem
    formatter.append_keys(canary="yes")
    if vars(formatter)["log_format"].get("canary") != "yes":
        return "append_keys no longer writes the keys into log_format"
    return None


def _emf_set(name: str) -> Callable[[], str | None]:
    def shape() -> str | None:
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

        return _instance_dict_attribute(AmazonCloudWatchEMFProvider(namespace="Canary"), name, dict)

    return shape


def _logger_is_cold_start() -> str | None:
    from aws_lambda_powertools.logging import logger as log_module

    function = getattr(log_module, "_is_cold_start", None)
    if not callable(function) or inspect.signature(function).parameters:
        return "is no longer a module function taking no arguments"
    if "_is_cold_start" not in inspect.getsource(log_module.Logger.inject_lambda_context):
        return "Logger.inject_lambda_context no longer looks it up in the module"
    return None


def _cognito_create_jwt() -> str | None:
    from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

    create = getattr(CognitoIdpUserPool, "create_jwt", None)
    if not callable(create):
        return "CognitoIdpUserPool has no create_jwt method"
    params = list(inspect.signature(getattr(create, "__wrapped__", create)).parameters)
    if params[:6] != ["self", "client_id", "username", "token_use", "expires_in", "extra_data"]:
        return f"create_jwt's signature is now {inspect.signature(create)}"
    if "extended_config" not in inspect.getsource(CognitoIdpUserPoolClient.__init__):
        return "user pool clients no longer keep their settings in extended_config"
    return None


def _stream_shard_add() -> str | None:
    from moto.dynamodb.models.table import StreamShard

    add = getattr(StreamShard, "add", None)
    if not callable(add):
        return "StreamShard has no add method"
    if list(inspect.signature(getattr(add, "__wrapped__", add)).parameters) != ["self", "old", "new"]:
        return f"StreamShard.add's signature is now {inspect.signature(add)}"
    return None


def _cognito_refresh_tokens() -> str | None:
    from moto.backends import get_backend

    backend = get_backend("cognito-idp")["123456789012"]["us-east-1"]
    pool = backend.create_user_pool("private-api-canary", {})
    try:
        if not isinstance(getattr(pool, "refresh_tokens", None), dict):
            return "user pools no longer keep refresh_tokens as a dict"
        if not isinstance(getattr(backend, "user_pools", None), dict):
            return "the backend no longer keeps user_pools as a dict"
        return None
    finally:
        backend.user_pools.pop(pool.id, None)


def _thread_async_exc() -> str | None:
    if sys.implementation.name != "cpython":
        return f"needs CPython, runs on {sys.implementation.name}"
    if not hasattr(ctypes.pythonapi, "PyThreadState_SetAsyncExc"):
        return "the C API function is gone"
    return None


POWERTOOLS = ">=3.37,<3.38"
MOTO = ">=5.2.5,<5.3"

FORMATTER_LOG_FORMAT = PrivateApi(
    "aws_lambda_powertools.logging.formatter.LambdaPowertoolsFormatter.log_format",
    "aws-lambda-powertools",
    POWERTOOLS,
    _formatter_log_format,
)
EMF_METRIC_SET = PrivateApi(
    "aws_lambda_powertools...cloudwatch.AmazonCloudWatchEMFProvider.metric_set",
    "aws-lambda-powertools",
    POWERTOOLS,
    _emf_set("metric_set"),
)
EMF_METADATA_SET = PrivateApi(
    "aws_lambda_powertools...cloudwatch.AmazonCloudWatchEMFProvider.metadata_set",
    "aws-lambda-powertools",
    POWERTOOLS,
    _emf_set("metadata_set"),
)
EMF_DIMENSION_SET = PrivateApi(
    "aws_lambda_powertools...cloudwatch.AmazonCloudWatchEMFProvider.dimension_set",
    "aws-lambda-powertools",
    POWERTOOLS,
    _emf_set("dimension_set"),
)
LOGGER_IS_COLD_START = PrivateApi(
    "aws_lambda_powertools.logging.logger._is_cold_start",
    "aws-lambda-powertools",
    POWERTOOLS,
    _logger_is_cold_start,
)
STREAM_SHARD_ADD = PrivateApi("moto.dynamodb.models.table.StreamShard.add", "moto", MOTO, _stream_shard_add)
# Reached through moto's public get_backend(); the pool's refresh_tokens is still moto's own bookkeeping.
COGNITO_REFRESH_TOKENS = PrivateApi(
    "moto.cognitoidp.models.CognitoIdpUserPool.refresh_tokens",
    "moto",
    MOTO,
    _cognito_refresh_tokens,
)
# moto signs every token for an hour; the patch (local/aws.py) applies the app client's token validity.
COGNITO_CREATE_JWT = PrivateApi(
    "moto.cognitoidp.models.CognitoIdpUserPool.create_jwt",
    "moto",
    MOTO,
    _cognito_create_jwt,
)
THREAD_ASYNC_EXC = PrivateApi(
    "ctypes.pythonapi.PyThreadState_SetAsyncExc",
    "python",
    ">=3.11,<3.14",
    _thread_async_exc,
)

ALL = (
    FORMATTER_LOG_FORMAT,
    EMF_METRIC_SET,
    EMF_METADATA_SET,
    EMF_DIMENSION_SET,
    LOGGER_IS_COLD_START,
    STREAM_SHARD_ADD,
    COGNITO_REFRESH_TOKENS,
    COGNITO_CREATE_JWT,
    THREAD_ASYNC_EXC,
)


def raise_in(thread: threading.Thread, exception: type[BaseException]) -> None:
    """Raise `exception` in `thread` at its next bytecode (CPython's PyThreadState_SetAsyncExc)."""
    if thread.ident is None:
        return
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exception))
    if changed > 1:  # the C API's contract: undo and report when more than one thread state matched
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), None)
        raise PrivateApiChanged(f"{THREAD_ASYNC_EXC.attribute}: matched {changed} threads")


def moto_cognito_pools() -> Any:
    """Every user pool of moto's in-process Cognito backend (for the actions moto leaves out)."""
    from moto.backends import get_backend

    for regions in get_backend("cognito-idp").values():
        for backend in regions.values():
            yield from backend.user_pools.values()
