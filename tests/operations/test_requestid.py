"""Request ids: taken from nginx or made, returned, on every log record of the request, of
a websocket connection and of a Celery task; the JSON log format."""

import asyncio
import io
import json
import logging
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from operations import requestid
from operations.requestid import (
    JsonFormatter,
    RequestIdASGIMiddleware,
    RequestIdFilter,
    RequestIdMiddleware,
    request_id_current,
)
from tests.operations.loops import run_in_own_loop


@pytest.fixture
def json_log():
    """A logger whose records go through the production filter and JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.requestid")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_request_id_from_nginx_is_returned_and_on_every_log_record(json_log):
    logger, records = json_log

    def view(request):
        logger.info("inside the view", extra={"order": 7})
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="nginx-abc.123_X")
    response = RequestIdMiddleware(view)(request)
    assert response["X-Request-ID"] == "nginx-abc.123_X" == request.request_id
    [entry] = records()
    assert entry["request_id"] == "nginx-abc.123_X"
    assert entry["message"] == "inside the view" and entry["order"] == 7 and entry["level"] == "INFO"
    assert request_id_current() == "-"  # reset after the request


@pytest.mark.parametrize("given", ["", "x" * 65, "a b", "abc\nforged log line", "日志"])
def test_an_unacceptable_request_id_is_replaced_by_a_fresh_one(given):
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID=given)
    response = RequestIdMiddleware(lambda r: HttpResponse("ok"))(request)
    assert response["X-Request-ID"] != given
    assert len(response["X-Request-ID"]) == 32 and int(response["X-Request-ID"], 16) >= 0


def test_every_response_of_the_site_carries_a_request_id(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first and second and first != second
    assert client.get("/healthz", HTTP_X_REQUEST_ID="given-1")["X-Request-ID"] == "given-1"


def test_the_async_path_sets_the_id_without_a_thread(json_log):
    logger, records = json_log

    async def view(request):
        logger.warning("async view")
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="async-1")
    response = run_in_own_loop(RequestIdMiddleware(view)(request))
    assert response["X-Request-ID"] == "async-1"
    assert records()[0]["request_id"] == "async-1"


def test_the_json_format_carries_the_exception():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed here" and "ValueError: boom" in entry["exc"]
    assert entry["ts"].endswith("Z") and entry["pid"] > 0


def test_a_websocket_connection_keeps_the_id_of_its_handshake(json_log):
    seen = []

    async def inner(scope, receive, send):
        seen.append((scope["request_id"], request_id_current()))
        # A task the consumer starts inherits the connection's id.
        seen.append(await asyncio.ensure_future(asyncio.sleep(0, result=request_id_current())))

    app = RequestIdASGIMiddleware(inner)
    run_in_own_loop(app({"type": "websocket", "path": "/ws/x/", "headers": [(b"x-request-id", b"ws-42")]}, None, None))
    run_in_own_loop(app({"type": "websocket", "path": "/ws/x/", "headers": []}, None, None))
    assert seen[0] == ("ws-42", "ws-42") and seen[1] == "ws-42"
    fresh, current = seen[2]
    assert fresh == current and len(fresh) == 32 and fresh != "ws-42"
    assert request_id_current() == "-"


def test_a_task_enqueued_in_a_request_logs_under_the_request_id():
    headers = {}
    token = requestid.request_id_var.set("req-7")
    try:
        requestid._before_publish(headers=headers)
    finally:
        requestid.request_id_var.reset(token)
    assert headers["request_id"] == "req-7"

    # In the worker: the header arrives as an attribute of task.request.
    task = SimpleNamespace(request=SimpleNamespace(request_id="req-7"))
    requestid._task_prerun(task_id="t1", task=task)
    assert request_id_current() == "req-7"
    requestid._task_postrun(task_id="t1")
    assert request_id_current() == "-"

    # A task of the beat (no request): its own task id.
    requestid._task_prerun(task_id="t2", task=SimpleNamespace(request=SimpleNamespace()))
    assert request_id_current() == "task-t2"
    requestid._task_postrun(task_id="t2")
    assert request_id_current() == "-"


def test_publishing_outside_a_request_adds_no_header():
    headers = {}
    requestid._before_publish(headers=headers)
    assert headers == {}


def test_settings_choose_the_json_format(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("LOG_FORMAT", "json")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.LOGGING["handlers"]["console"]["formatter"] == "json"
        assert reloaded.LOGGING["handlers"]["console"]["filters"] == ["request_id"]
    finally:
        monkeypatch.delenv("LOG_FORMAT")
        importlib.reload(base)


def test_a_real_worker_runs_the_task_under_the_id_of_the_request_that_enqueued_it():
    """Through a broker and a worker (in memory): the id travels in the message headers."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    app = Celery("request-id-probe", broker="memory://", backend="cache+memory://")

    @app.task
    def probe():
        return request_id_current()

    token = requestid.request_id_var.set("req-e2e")
    try:
        enqueued_in_request = probe.delay()
    finally:
        requestid.request_id_var.reset(token)
    from_beat = probe.delay()
    with start_worker(app, perform_ping_check=False, pool="solo"):
        assert enqueued_in_request.get(timeout=10) == "req-e2e"
        assert from_beat.get(timeout=10) == f"task-{from_beat.id}"
