"""The Prometheus endpoint `GET /metrics`, closed to the public.

What it serves:
- this process's own metrics, updated where they happen with a counter increment or a
  histogram observation and no I/O: `zjcs_http_requests_total` and
  `zjcs_http_request_seconds` (RequestIdMiddleware), `zjcs_auction_sockets`,
  `zjcs_bids_accepted_total`, `zjcs_bids_refused_total{code}`, `zjcs_bid_ack_seconds`
  (bidding.metrics), `zjcs_notification_sockets` (accounts.metrics), and
  prometheus_client's process and Python metrics;
- platform gauges read when scraped (a few indexed counts and one Redis pipeline):
  `zjcs_auctions{status}` (`live` is the number of live auctions),
  `zjcs_overdue_steps_open{step}`, `zjcs_celery_queue_depth{queue}` (Redis broker only),
  and `zjcs_platform_up` (0 when the database could not be read).

Several processes: by default every Daphne process is its own scrape target (scrape each
port on the internal network: per-process counters, `sum()` them in queries; the platform
gauges are the same from every target, take `max()`). Alternatively set
PROMETHEUS_MULTIPROC_DIR (an empty directory per host, emptied when the host's processes
start) before the processes start: prometheus_client then keeps the values in files there
and any process of the host serves their sum (socket gauges as the sum over live
processes).

Access: only from METRICS_ALLOWED_NETWORKS (client addresses or CIDR networks; behind
nginx, Daphne must run with --proxy-headers and nginx must set X-Forwarded-For to
$remote_addr, not append to it) or with `Authorization: Bearer <METRICS_TOKEN>`. Anyone
else gets 404, and a wrong token 403. nginx also refuses /metrics from outside.
"""

import hmac
import ipaddress
import logging
import os
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter("zjcs_http_requests", "HTTP requests answered, by method and status class.",
                        ["method", "status"])
HTTP_SECONDS = Histogram("zjcs_http_request_seconds", "Time to answer an HTTP request (Django, after Daphne).",
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def http_observe(*, method: str, status: int, seconds: float) -> None:
    """One answered request (bounded labels: a known method or `other`, the status class)."""
    HTTP_REQUESTS.labels(method if method in _METHODS else "other", f"{status // 100}xx").inc()
    HTTP_SECONDS.observe(seconds)


# ---------------------------------------------------------------------------------------
# Platform gauges, read at scrape time

# kombu's Redis transport keeps a queue as one list per priority step (0, 3, 6, 9).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@lru_cache(maxsize=4)
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def celery_queue_depths() -> dict[str, int] | None:
    """Messages waiting in each Celery queue, read from the broker; None unless the broker
    is Redis."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    queues = [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")]
    client = _redis_client(url)
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    lengths = pipe.execute()
    n = len(_PRIORITY_SUFFIXES)
    return {queue: sum(lengths[i * n:(i + 1) * n]) for i, queue in enumerate(queues)}


class PlatformCollector(Collector):
    def collect(self):
        from operations.selectors import auctions_count_by_status, overdue_steps_open

        up = GaugeMetricFamily("zjcs_platform_up", "1 when the platform gauges could be read from the database.")
        try:
            by_status = auctions_count_by_status()
            overdue = overdue_steps_open()
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: database unreadable: %s", exc)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            auctions = GaugeMetricFamily("zjcs_auctions", "Auctions by status (status=\"live\": live now).",
                                         labels=["status"])
            for status, n in by_status.items():
                auctions.add_metric([status], n)
            yield auctions
            steps = GaugeMetricFamily("zjcs_overdue_steps_open", "Steps past their deadline and not done, by step.",
                                      labels=["step"])
            for step, n in overdue.items():
                steps.add_metric([str(step)], n)
            yield steps
        yield up
        try:
            depths = celery_queue_depths()
        except Exception as exc:
            log.warning("metrics: broker unreadable: %s", exc)
            depths = None
        if depths is not None:
            queue = GaugeMetricFamily("zjcs_celery_queue_depth", "Celery messages waiting in the broker, by queue.",
                                      labels=["queue"])
            for name, n in depths.items():
                queue.add_metric([name], n)
            yield queue


_PLATFORM = CollectorRegistry(auto_describe=False)
_PLATFORM.register(PlatformCollector())


def metrics_exposition() -> bytes:
    """The text exposition: this process's (or, in multiprocess mode, this host's) metrics,
    then the platform gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        base = REGISTRY
    return generate_latest(base) + generate_latest(_PLATFORM)


# ---------------------------------------------------------------------------------------
# Access


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def metrics_access(request) -> int:
    """200 when the caller may read the metrics, else the status to answer (404 or 403)."""
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, given = header.partition(" ")
        if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return 200
        return 403
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return 404
    if any(address in net for net in _networks(tuple(getattr(settings, "METRICS_ALLOWED_NETWORKS", ())))):
        return 200
    return 404


@never_cache
@require_GET
def metrics_view(request):
    status = metrics_access(request)
    if status == 404:
        raise Http404
    if status == 403:
        return HttpResponseForbidden("forbidden", content_type="text/plain")
    return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_LATEST)
