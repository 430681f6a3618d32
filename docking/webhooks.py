"""Webhooks: domain events turned into signed HTTP POSTs, one Celery task per delivery.

    event (after commit) ─webhook_event_emit→ WebhookEvent + one WebhookDelivery per matching
    subscription ─on commit→ delivery task ─POST→ 2xx: delivered
                                              else: retried with exponential backoff
                                                    (WEBHOOK_RETRY_BASE_SECONDS doubling, at most
                                                    WEBHOOK_RETRY_MAX_SECONDS apart) for
                                                    WEBHOOK_RETRY_WINDOW_SECONDS (24 h), then failed

Body: {"id": <delivery id>, "type", "created", "data"}; headers X-Yczjcs-Event,
X-Yczjcs-Delivery (the same id) and X-Yczjcs-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>. A delivery keeps its id through every retry and a manual redelivery, so
a receiver drops what it has already seen; the same id is never two different events.

A subscription whose deliveries have failed without a single success for
WEBHOOK_PAUSE_AFTER_SECONDS (a day) is paused and its organisation told in its inbox.
Each delivery is its own task with a short timeout: a slow receiver delays nobody else.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.services import notification_push
from core.exceptions import InvalidState, NotFound
from docking.models import ApiKey, WebhookDelivery, WebhookEvent, WebhookSubscription

log = logging.getLogger(__name__)

EVENT_TYPES = [
    "request.published",
    "request.status_changed",
    "request.selected",
    "request.contracted",
    "request.completed",
    "credit.event_issued",
    "credit.event_lifted",
    "entry.approved",
]
# Public news every subscriber of the type may receive, whoever it is (a county platform:
# requests of its county, credit and entries city-wide). Other events go to the parties
# of the request and to the request's county platform.
BROADCAST = {"request.published", "credit.event_issued", "credit.event_lifted", "entry.approved"}

D = WebhookDelivery.Status
SUB = WebhookSubscription.Status


def url_problem(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "接收地址须为 http:// 或 https:// 开头的完整网址。"
    if parts.username or parts.password:
        return "接收地址不能包含用户名或密码。"
    return ""


# ---------------------------------------------------------------------------------------
# Signing


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; the key is the secret's
    UTF-8 bytes as shown at subscription."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_verify(*, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (also in `examples/county_client.py`): recompute the MAC and
    refuse stale timestamps (replays)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def delivery_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    payload = {"id": str(delivery.pk), "type": event.type, "created": timezone.localtime(event.created).isoformat(),
               "data": event.data}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------------------
# Fan-out


def _matching(*, type: str, organisation_ids: list[int], region_id: str | None):
    subs = WebhookSubscription.objects.filter(status=SUB.ACTIVE)
    # JSON containment is not portable across SQLite, PostgreSQL and MariaDB; the list of
    # live subscriptions is short, so filter the event type in Python.
    county = Q(county__isnull=False) & (Q(county_id=region_id) if region_id else Q())
    if type in BROADCAST:
        org = Q(county__isnull=True)
    else:
        org = Q(county__isnull=True, organisation_id__in=organisation_ids)
    return [s for s in subs.filter(county | org) if type in (s.events or [])]


def webhook_event_emit(*, type: str, data: dict, organisation_ids: list[int], region_id: str | None,
                       dedupe_key: str, created: datetime | None = None) -> WebhookEvent | None:
    """Record event `type` once per `dedupe_key` and queue one delivery per matching
    subscription; the delivery tasks start after commit. Returns None for a repeat."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {type}")
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(type=type, data=data, organisation_ids=sorted(set(organisation_ids)),
                                                    region_id=region_id, dedupe_key=dedupe_key[:120],
                                                    created=created or timezone.now())
        except IntegrityError:
            return None
        now = timezone.now()
        deliveries = [WebhookDelivery(subscription=sub, event=event, next_attempt_at=now)
                      for sub in _matching(type=type, organisation_ids=organisation_ids, region_id=region_id)]
        WebhookDelivery.objects.bulk_create(deliveries)
        ids = [str(d.pk) for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return event


# How a delivery is queued: set to the Celery task by DockingConfig.ready() (the domain
# code never imports the task adapter); without it, the beat's sweep delivers.
_queue = None


def queue_with(fn) -> None:
    global _queue
    _queue = fn


def _enqueue(ids: list[str], countdown: float = 0) -> None:
    if _queue is None:
        return
    for pk in ids:
        try:
            _queue(pk, countdown)
        except Exception:  # a broker hiccup: the beat sweep picks it up
            log.exception("could not queue webhook delivery %s", pk)


# ---------------------------------------------------------------------------------------
# Delivery


def retry_delay(attempts: int) -> float:
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), float(settings.WEBHOOK_RETRY_MAX_SECONDS))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer, not a new target
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS)) as response:
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", "replace") if exc.fp else ""
    except Exception as exc:  # noqa: BLE001 — refused, timed out, bad TLS, DNS: all a failed attempt
        return None, f"{type(exc).__name__}: {exc}"[:500]


def delivery_attempt(*, delivery_id: str, now: datetime | None = None) -> str:
    """Attempt one delivery that is due. Claimed with a conditional UPDATE (lease until the
    timeout has surely passed), so two workers never send the same attempt; the POST runs
    outside every transaction. Returns the delivery's status afterwards ("skipped" when it
    was not due or someone else holds it)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=float(settings.WEBHOOK_TIMEOUT_SECONDS) + 30)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=D.PENDING, next_attempt_at__lte=now, subscription__status=SUB.ACTIVE,
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    sub = delivery.subscription
    body = delivery_body(delivery)
    stamp = int(time.time())
    status, answer = _post(sub.url, body=body, headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "yczjcs-webhooks/1",
        "X-Yczjcs-Event": delivery.event.type,
        "X-Yczjcs-Delivery": str(delivery.pk),
        "X-Yczjcs-Signature": signature(secret=sub.secret, timestamp=stamp, body=body),
    })
    done = timezone.now()
    ok = status is not None and 200 <= status < 300
    fields = {"last_status": status, "last_answer": answer[:500]}
    if ok:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=D.DELIVERED, delivered_at=done,
                                                              next_attempt_at=None, **fields)
        WebhookSubscription.objects.filter(pk=sub.pk).exclude(failing_since=None).update(failing_since=None)
        return D.DELIVERED
    window = timedelta(seconds=float(settings.WEBHOOK_RETRY_WINDOW_SECONDS))
    if done - delivery.window_starts_at >= window:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=D.FAILED, next_attempt_at=None, **fields)
        outcome = D.FAILED
    else:
        delay = retry_delay(delivery.attempts)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=done + timedelta(seconds=delay), **fields)
        _enqueue([str(delivery.pk)], countdown=delay)
        outcome = D.PENDING
    _subscription_failed(sub.pk, at=done)
    return outcome


def _subscription_failed(subscription_id: int, *, at: datetime) -> None:
    """Note a failure; a subscription failing (no success) for a day is paused, once, and
    its organisation told."""
    WebhookSubscription.objects.filter(pk=subscription_id, failing_since=None).update(failing_since=at)
    pause_after = timedelta(seconds=float(settings.WEBHOOK_PAUSE_AFTER_SECONDS))
    paused = WebhookSubscription.objects.filter(
        pk=subscription_id, status=SUB.ACTIVE, failing_since__lte=at - pause_after,
    ).update(status=SUB.PAUSED, paused_at=at)
    if paused:
        sub = WebhookSubscription.objects.select_related("organisation").get(pk=subscription_id)
        notification_push(
            organisation=sub.organisation, kind="webhook_paused", title="事件推送已暂停：接收地址连续一天投递失败",
            body=f"接收地址 {sub.url} 自 {timezone.localtime(sub.failing_since):%Y年%m月%d日 %H:%M} 起持续投递失败，"
                 f"平台已暂停向其推送。修复后请通过接口 POST /api/v1/webhooks/{sub.pk}/resume/ 恢复，"
                 "暂停期间未送达的事件可在投递记录中查看并重新投递。",
            url="", dedupe_key=f"webhook-paused:{sub.pk}:{at.isoformat()}",
        )


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The beat's backstop: queue every pending delivery whose time has come (a task lost
    with a broker restart is not lost for good). Returns how many were queued."""
    now = now or timezone.now()
    ids = [str(pk) for pk in WebhookDelivery.objects.filter(
        status=D.PENDING, next_attempt_at__lte=now, subscription__status=SUB.ACTIVE,
    ).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]]
    _enqueue(ids)
    return len(ids)


def delivery_redeliver(*, key: ApiKey, delivery_id) -> WebhookDelivery:
    """The subscriber asks for a delivery again (same id, same body): it is queued now,
    whatever its status, and gets a fresh retry window."""
    from docking.services import subscriptions_of

    delivery = WebhookDelivery.objects.filter(pk=delivery_id, subscription__in=subscriptions_of(key)).first() \
        if _is_uuid(delivery_id) else None
    if delivery is None:
        raise NotFound("投递记录不存在。")
    if delivery.subscription.status != SUB.ACTIVE:
        raise InvalidState("订阅已暂停，请先恢复订阅。")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=D.PENDING, next_attempt_at=now, window_starts_at=now)
    transaction.on_commit(lambda: _enqueue([str(delivery.pk)]))
    delivery.refresh_from_db()
    return delivery


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
