"""Request ids and structured logs.

One id follows a piece of work wherever it goes: nginx makes one (or passes the client's)
in `X-Request-ID`; `RequestIdMiddleware` takes it (or makes one), returns it on the
response and puts it in a context variable; `RequestIdFilter` copies it onto every log
record of that request; websocket connections get theirs from the handshake
(`RequestIdASGIMiddleware`) and keep it for the socket's life (its tasks inherit the
context); a Celery task enqueued inside a request carries it in its message headers and
logs under it (`connect_celery_signals`); a task with no request (the beat) logs under its
own task id.

Ids from outside are bounded (64 characters of `A–Z a–z 0–9 . _ -`): anything else is
replaced by a fresh one, so a client cannot forge log lines or flood the logs.
"""

import json
import logging
import re
import socket
import time
import uuid
from contextvars import ContextVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

log = logging.getLogger(__name__)


def request_id_clean(value) -> str | None:
    """The id itself if it is acceptable from outside, else None."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str) and _VALID.match(value):
        return value
    return None


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_current() -> str:
    """The id of the work in progress ('-' outside any request, socket or task)."""
    return request_id_var.get()


class RequestIdMiddleware:
    """HTTP: take `X-Request-ID` (from nginx) or make one; put it on the response, on
    `request.request_id` and on every log record of the request. Sync and async, so it
    adds no thread hop under Daphne. Also counts the request for the metrics (one counter
    increment and one histogram observation, no I/O)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def _begin(self, request):
        rid = request_id_clean(request.META.get(_META_KEY)) or request_id_new()
        request.request_id = rid
        return rid, request_id_var.set(rid), time.perf_counter()

    def _end(self, request, response, rid, started):
        response[HEADER] = rid
        from operations.metrics import http_observe

        http_observe(method=request.method, status=response.status_code, seconds=time.perf_counter() - started)
        return response

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        rid, token, started = self._begin(request)
        try:
            return self._end(request, self.get_response(request), rid, started)
        finally:
            request_id_var.reset(token)

    async def __acall__(self, request):
        rid, token, started = self._begin(request)
        try:
            return self._end(request, await self.get_response(request), rid, started)
        finally:
            request_id_var.reset(token)


class RequestIdASGIMiddleware:
    """Websockets: the id of the handshake (from nginx's `X-Request-ID`, or a new one) is
    the id of the whole connection: everything the consumer logs, and the tasks it starts,
    carry it. `scope["request_id"]` holds it for the consumer. Logs the connection at INFO
    (the line operators use to find which process served a socket)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "websocket":
            return await self.app(scope, receive, send)
        rid = None
        for name, value in scope.get("headers") or ():
            if name.lower() == b"x-request-id":
                rid = request_id_clean(value)
                break
        rid = rid or request_id_new()
        token = request_id_var.set(rid)
        try:
            scope = {**scope, "request_id": rid}
            log.info("websocket connect %s", scope.get("path", ""), extra={"path": scope.get("path", "")})
            return await self.app(scope, receive, send)
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (`%(request_id)s`)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# Attributes every LogRecord has; anything else on a record came from `extra=` and is
# written as a field of its own.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "request_id"}
_HOST = socket.gethostname()


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json): time (UTC, ISO 8601 with milliseconds),
    level, logger, message, request_id, host, pid, the `extra=` fields and the exception."""

    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "host": _HOST,
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


# ---------------------------------------------------------------------------------------
# Celery: the id travels in the task message's headers.

_TASK_TOKENS: dict[str, object] = {}


def _before_publish(headers=None, **kwargs):
    rid = request_id_var.get()
    if headers is not None and rid != "-" and "request_id" not in headers:
        headers["request_id"] = rid


def _task_prerun(task_id=None, task=None, **kwargs):
    inherited = request_id_clean(getattr(task.request, "request_id", None)) if task is not None else None
    if inherited is None and request_id_var.get() != "-":
        return  # an eager task inside a request keeps the request's id
    _TASK_TOKENS[task_id] = request_id_var.set(inherited or f"task-{task_id}")


def _task_postrun(task_id=None, **kwargs):
    token = _TASK_TOKENS.pop(task_id, None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (should not happen); leave it
            pass


def connect_celery_signals() -> None:
    """Idempotent (weak=False receivers with dispatch_uid)."""
    from celery import signals

    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="operations.request_id.publish")
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="operations.request_id.prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="operations.request_id.postrun")
