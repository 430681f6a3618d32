"""Writes of accounts: inbox notifications and login throttling."""

from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import LoginAttempt, Notification, Organisation


def org_group(organisation_id: int) -> str:
    """The channel-layer group of an organisation's open notification sockets."""
    return f"org.{organisation_id}"


def notification_broadcast(*, organisation_id: int, notification_id: int) -> None:
    """Tell the organisation's open sockets that a notification exists (an id only)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        org_group(organisation_id), {"type": "notification.created", "id": notification_id}
    )


def notification_push(
    *, organisation: Organisation, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str
) -> tuple[Notification, bool]:
    """Put a notification in the organisation's inbox once per `dedupe_key`.

    Returns (notification, created). The live push is scheduled after commit, and only
    when the row is new, so a retried caller never pushes twice.
    """
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                organisation=organisation, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return Notification.objects.get(organisation=organisation, dedupe_key=dedupe_key), False
    transaction.on_commit(
        lambda: notification_broadcast(organisation_id=organisation.pk, notification_id=note.pk)
    )
    return note, True


def notifications_mark_read(*, organisation: Organisation, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(organisation=organisation, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def login_failure_record(*, username: str, ip: str | None) -> None:
    LoginAttempt.objects.create(username=username[:150], ip=ip)


def login_is_throttled(*, username: str, ip: str | None) -> bool:
    """Too many failures for this username, or from this address, inside the window."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginAttempt.objects.filter(at__gte=since)
    limit = settings.LOGIN_MAX_FAILURES
    if recent.filter(username=username).count() >= limit:
        return True
    # An address may try several accounts (a shared office NAT), but not endlessly.
    return bool(ip) and recent.filter(ip=ip).count() >= limit * 4


def login_failures_clear(*, username: str) -> None:
    LoginAttempt.objects.filter(username=username).delete()


def throttle_exceeded(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key` and say whether more than `limit` fell in the window.

    Best effort through the cache (shared Redis in production, per process without it):
    for slowing down scripted sign-ups, not for anything that must be exact.
    """
    cache_key = f"throttle:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return False
    return count > limit
