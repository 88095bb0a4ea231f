"""Canaries for every private attribute local/ patches or reads (local/private_api.py): each fails naming the
attribute when an upgrade moves it, changes its shape, or brings a version the patch was not checked against."""

from __future__ import annotations

import threading

import pytest

from local import private_api
from local.private_api import PrivateApi, PrivateApiChanged


@pytest.mark.parametrize("api", private_api.ALL, ids=lambda api: api.attribute)
def test_the_patched_attribute_still_has_the_shape_local_relies_on(api: PrivateApi) -> None:
    try:
        api.check()
    except PrivateApiChanged as changed:
        pytest.fail(str(changed))


def test_every_patch_site_is_guarded() -> None:
    """The five Powertools attributes, three moto ones and the thread stop: one canary each."""
    assert {api.attribute.rsplit(".", 1)[-1] for api in private_api.ALL} == {
        "log_format",
        "metric_set",
        "metadata_set",
        "dimension_set",
        "_is_cold_start",
        "add",
        "refresh_tokens",
        "create_jwt",
        "PyThreadState_SetAsyncExc",
    }


def test_an_untested_version_fails_naming_the_attribute() -> None:
    newer = PrivateApi("some.module.Class._private", "moto", "<1", lambda: None)
    with pytest.raises(PrivateApiChanged, match=r"^some\.module\.Class\._private: moto .* outside the tested range <1"):
        newer.check()


def test_a_changed_shape_fails_naming_the_attribute() -> None:
    moved = PrivateApi("some.module.Class._private", "moto", ">=0", lambda: "is gone")
    with pytest.raises(PrivateApiChanged, match=r"^some\.module\.Class\._private: is gone"):
        moved.check()


def test_a_missing_module_is_a_changed_shape() -> None:
    def shape() -> str | None:
        raise ImportError("No module named 'moto.renamed'")

    with pytest.raises(PrivateApiChanged, match=r"^x\.y: ImportError: No module named 'moto.renamed'"):
        PrivateApi("x.y", "moto", ">=0", shape).check()


def test_stream_shard_add_with_a_new_signature_fails_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import StreamShard

    monkeypatch.setattr(StreamShard, "add", lambda self, old, new, extra: None)
    with pytest.raises(PrivateApiChanged, match=r"^moto\.dynamodb\.models\.table\.StreamShard\.add: .*signature"):
        private_api.STREAM_SHARD_ADD.check()


def test_formatter_without_log_format_fails_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    original = LambdaPowertoolsFormatter.__init__

    def init(self: LambdaPowertoolsFormatter, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.__dict__["log_format_v2"] = self.__dict__.pop("log_format")

    monkeypatch.setattr(LambdaPowertoolsFormatter, "__init__", init)
    with pytest.raises(PrivateApiChanged, match=r"LambdaPowertoolsFormatter\.log_format: instances no longer keep"):
        private_api.FORMATTER_LOG_FORMAT.check()


def test_the_thread_stop_stops_a_running_thread() -> None:
    class Stop(BaseException):
        pass

    started, stopped = threading.Event(), threading.Event()

    def spin() -> None:
        try:
            started.set()
            while True:
                pass
        except Stop:
            stopped.set()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    assert started.wait(60)
    private_api.raise_in(thread, Stop)
    assert stopped.wait(60), "PyThreadState_SetAsyncExc no longer stops a running thread"
