"""Writes of accounts: inbox notifications, login throttling and uploaded documents."""

import hashlib
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Document, LoginAttempt, Notification, Organisation
from core.exceptions import ValidationFailed
from core.rules import rule_text, rule_value


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
