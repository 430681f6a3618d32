"""Writes of accounts: inbox notifications, login throttling and uploaded documents."""

import hashlib
import logging
import time
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Document, LoginAttempt, Notification, Organisation
from accounts.selectors import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from core.exceptions import ValidationFailed
from core.rules import rule_text, rule_value

logger = logging.getLogger(__name__)


def org_group(organisation_id: int) -> str:
    """The channel-layer group of an organisation's open notification sockets."""
    return f"org.{organisation_id}"


# Every open notification socket joins this one group as well as its organisation's, so a
# fan-out to thousands of organisations is one channel-layer send per batch (channels_redis
# stores one copy per Daphne process, which hands it to its local sockets), not one per firm.
NOTIFICATIONS_GROUP = "notifications"


def user_group(user_id: int) -> str:
    """The channel-layer group through which a user's open sockets are told to re-check
    their login (`accounts.socket_guard`)."""
    return f"user.{user_id}"


def user_sockets_recheck(*, user_id: int) -> None:
    """After commit, tell every open socket of the user (any process, through the channel
    layer) to re-read its session and user now; those whose login is gone close with 4401.

    A re-check rather than a blunt close: a logout ends one session, and the user's sockets
    of other sessions (another browser) stay open. Without a shared layer the sockets'
    own periodic re-check catches it within SOCKET_AUTH_RECHECK_SECONDS.
    """

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "auth.recheck"})
        except Exception:  # the periodic re-check is the backstop; never fail the caller
            logger.warning("could not broadcast a login re-check for user %s", user_id, exc_info=True)

    transaction.on_commit(send)


def session_started(*, request) -> None:
    """Stamp a fresh login's session with its start and last activity (Unix seconds), which
    `SessionLimitsMiddleware` and the sockets' re-check hold against SESSION_MAX_AGE_SECONDS
    and SESSION_IDLE_SECONDS."""
    now = int(time.time())
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now


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


def notifications_broadcast(*, organisation_ids: list[int]) -> None:
    """Tell every open notification socket, in one channel-layer send, that the inboxes of
    `organisation_ids` have something new; each socket whose organisation is listed re-reads
    its inbox (the event carries ids of organisations only, never content). A failed send
    is logged, not raised: the sockets' poll (NOTIFICATION_POLL_SECONDS) finds the entries."""
    layer = get_channel_layer()
    if layer is None or not organisation_ids:
        return
    try:
        async_to_sync(layer.group_send)(
            NOTIFICATIONS_GROUP, {"type": "notifications.created", "organisations": sorted(set(organisation_ids))}
        )
    except Exception:
        logger.warning("could not broadcast %s new notifications", len(organisation_ids), exc_info=True)


def notifications_push_many(
    *, organisation_ids: list[int], kind: str, title: str, body: str = "", url: str = "", dedupe_key: str
) -> list[int]:
    """Put the same notification in the inbox of each of `organisation_ids`, once per
    (organisation, `dedupe_key`), in one INSERT whatever their number.

    Rows that already exist (a retried caller, a second worker) are left alone: they are
    skipped by a read first and, for a concurrent writer, by ON CONFLICT DO NOTHING on
    `notification_once_per_cause`. After commit one broadcast tells the sockets of the
    organisations this call wrote for. Returns those organisations' ids (a concurrent
    writer racing on the same rows may have written some of them first).
    """
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    existing = set(
        Notification.objects.filter(dedupe_key=dedupe_key, organisation_id__in=ids).values_list("organisation_id", flat=True)
    )
    new = [pk for pk in ids if pk not in existing]
    Notification.objects.bulk_create(
        [Notification(organisation_id=pk, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key) for pk in new],
        ignore_conflicts=True,
    )
    if new:
        transaction.on_commit(lambda: notifications_broadcast(organisation_ids=new))
    return new


def notifications_mark_read(*, organisation: Organisation, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(organisation=organisation, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def login_key(username: str) -> str:
    """The form of a username that failures are counted under (case and spaces ignored)."""
    return (username or "").strip().lower()[:150]


def _pair_failures(*, username: str, ip: str | None):
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    qs = LoginAttempt.objects.filter(username=login_key(username), at__gte=since)
    return qs.filter(ip=ip) if ip else qs.filter(ip__isnull=True)


def login_failure_record(*, username: str, ip: str | None) -> None:
    """Count one failed login of `username` from address `ip` (rows past the window go)."""
    key = login_key(username)
    if not key:
        return
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    LoginAttempt.objects.filter(username=key, at__lt=since).delete()
    LoginAttempt.objects.create(username=key, ip=ip or None)


def login_needs_captcha(*, username: str, ip: str | None) -> bool:
    """Whether a login of `username` from `ip` must solve a CAPTCHA first.

    Keyed on the pair only: failures for other usernames from the same address, or for
    this username from other addresses, never count. So a stranger guessing can make
    himself (and, behind the same address, that one username) answer a CAPTCHA, but can
    neither lock the account nor slow down anybody else. Never a hard lock.
    """
    if not login_key(username):
        return False
    return _pair_failures(username=username, ip=ip).count() >= settings.LOGIN_MAX_FAILURES


def login_failures_clear(*, username: str, ip: str | None) -> None:
    """Forget the failures of `username` from `ip` (after a successful login)."""
    key = login_key(username)
    qs = LoginAttempt.objects.filter(username=key)
    (qs.filter(ip=ip) if ip else qs.filter(ip__isnull=True)).delete()


def _address_key(scope: str, ip: str | None) -> str:
    return f"throttle:{scope}:{ip or 'unknown'}"


def address_attempt_count(*, scope: str, ip: str | None, window_seconds: int = 3600) -> int:
    """Count one submission of a form (`scope`) from client address `ip`; return the count
    inside the window. Through the cache (Redis in production, per process without it)."""
    key = _address_key(scope, ip)
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return 1


def address_needs_captcha(*, scope: str, ip: str | None, limit: int) -> bool:
    """Whether `ip` has already submitted `scope` `limit` times inside the window, so the
    next submission must solve a CAPTCHA (slows scripts down, never locks anybody out)."""
    return (cache.get(_address_key(scope, ip)) or 0) >= limit


# ---------------------------------------------------------------------------------------
# Documents


def upload_check(*, upload: UploadedFile) -> tuple[str, str]:
    """Check an upload's kind and size; return its extension and SHA-256 (the upload is
    left at its start).

    Raises ValidationFailed (field "file") for a disallowed extension, a content that
    does not look like its extension, an empty file or one above the rule's size limit.
    """
    name = upload.name or "file"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in settings.UPLOAD_ALLOWED_EXTENSIONS:
        raise ValidationFailed(
            "文件类型不允许。", errors={"file": [f"只接受 {'、'.join(settings.UPLOAD_ALLOWED_EXTENSIONS)} 文件。"]}
        )
    limit_mb = rule_value("upload_max_mb")
    if upload.size == 0:
        raise ValidationFailed("文件为空。", errors={"file": ["文件为空。"]})
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationFailed("文件过大。", errors={"file": [f"文件不能超过 {rule_text('upload_max_mb')}。"]})
    head = upload.read(8)
    upload.seek(0)
    if not _content_matches(ext, head):
        raise ValidationFailed("文件内容与类型不符。", errors={"file": ["文件内容与扩展名不符，请上传真实的 PDF、图片或 Office 文档。"]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return ext, digest.hexdigest()


def document_store(*, upload: UploadedFile, organisation: Organisation, user) -> Document:
    """Check an upload (`upload_check`) and store it with its SHA-256.

    Raises ValidationFailed (field "file") as `upload_check` does.
    """
    ext, sha256 = upload_check(upload=upload)
    doc = Document(
        original_name=(upload.name or "file")[:200],
        content_type=(upload.content_type or "")[:100],
        size=upload.size,
        sha256=sha256,
        organisation=organisation,
        uploaded_by=user,
    )
    doc.file.save(f"{doc.sha256[:16]}.{ext}", upload, save=False)
    doc.save()
    return doc


_MAGIC = {
    "pdf": [b"%PDF"],
    "png": [b"\x89PNG"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "docx": [b"PK\x03\x04"],
    "xlsx": [b"PK\x03\x04"],
    "ofd": [b"PK\x03\x04"],
    "doc": [b"\xd0\xcf\x11\xe0"],
    "xls": [b"\xd0\xcf\x11\xe0"],
}


def _content_matches(ext: str, head: bytes) -> bool:
    return any(head.startswith(m) for m in _MAGIC.get(ext, []))
