"""The daily digest (每日待办与预警摘要) mailed to each bureau officer: what waits on them
(their 待办, `market.selectors.todo_for`) and the red and yellow warnings in their scope
(`supervision.selectors_warnings.warnings_for`), in Chinese, dated in Beijing time.

Exactly once per officer and day: the row `DailyDigest(user, date)` (a named unique
constraint) is claimed under lock in a transaction (pending or failed → sending) and the
mail goes out after commit. A second beat, a retry or a second worker finds the row sent
or being sent and does nothing; a send that failed marks the row `failed`, which the next
attempt claims again. A worker killed between claim and send leaves `sending`: that mail
may have gone, so it is not sent twice (at most once beats at least once here).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Organisation
from core.format import day as day_zh
from core.locking import lock_rows
from market.selectors import todo_for
from supervision.models import DailyDigest
from supervision.selectors_warnings import warnings_count, warnings_for

log = logging.getLogger(__name__)

DIGEST_LIST_LIMIT = 30  # items listed per section of the mail; the rest is counted, and on the site


class DigestNotSent(Exception):
    """A digest's mail could not be sent; its row is `failed`, to be claimed again."""


@dataclass(frozen=True)
class DigestRun:
    claimed: int
    sent: int
    failed: int


def digest_officers():
    """Bureau staff a digest goes to: active, with an email address."""
    return (get_user_model().objects.filter(organisation__kind=Organisation.Kind.BUREAU, is_active=True)
            .exclude(email="").select_related("organisation", "organisation__region").order_by("pk"))


def digest_compose(*, user, on: date, now: datetime) -> tuple[str, str, dict]:
    """The subject and body of `user`'s digest of day `on` (Beijing), and its counts. A read."""
    items = todo_for(user=user, now=now)
    warnings = warnings_for(user=user, now=now)
    counts = warnings_count(warnings)
    region = user.organisation.region
    subject = (f"【宜春市网上中介服务超市】{day_zh(on)}待办与预警：待办{len(items)}项，"
               f"红色预警{counts['red']}项，黄色预警{counts['yellow']}项")
    body = render_to_string("supervision/digest_email.txt", {
        "user": user, "on": on, "scope": "全市" if region.is_city else region.name,
        "items": items[:DIGEST_LIST_LIMIT], "items_more": max(0, len(items) - DIGEST_LIST_LIMIT),
        "red": [w for w in warnings if w.is_red][:DIGEST_LIST_LIMIT],
        "yellow": [w for w in warnings if not w.is_red][:DIGEST_LIST_LIMIT],
        "counts": counts, "site": settings.SITE_URL.rstrip("/"),
        "red_more": max(0, counts["red"] - DIGEST_LIST_LIMIT),
        "yellow_more": max(0, counts["yellow"] - DIGEST_LIST_LIMIT),
    })
    return subject, body, {"todo_count": len(items), "red_count": counts["red"], "yellow_count": counts["yellow"]}


def _deliver(*, digest_id: int) -> None:
    """After the claim's commit: compose and send, then mark the row sent (or failed and
    raise `DigestNotSent`, so the caller retries)."""
    digest = DailyDigest.objects.select_related("user", "user__organisation", "user__organisation__region").get(
        pk=digest_id)
    now = timezone.now()
    try:
        subject, body, counts = digest_compose(user=digest.user, on=digest.date, now=now)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[digest.user.email])
    except Exception as exc:  # the mail server is outside our control; the row says what happened
        log.warning("digest %s of user %s failed: %s", digest.date, digest.user_id, exc)
        DailyDigest.objects.filter(pk=digest_id, status=DailyDigest.Status.SENDING).update(
            status=DailyDigest.Status.FAILED, error=str(exc)[:200])
        raise DigestNotSent(str(exc)) from exc
    DailyDigest.objects.filter(pk=digest_id, status=DailyDigest.Status.SENDING).update(
        status=DailyDigest.Status.SENT, sent_at=timezone.now(), error="", **counts)


def digest_send(*, user_id: int, on: date) -> bool:
    """Send officer `user_id` the digest of Beijing day `on`, unless it was sent or is being
    sent. Returns whether this call claimed it (the mail then went out, or
    `DigestNotSent` is raised and the row is left `failed` for the next attempt).

    The row is created (or found) and locked in one transaction; only a pending or failed
    row is claimed; the mail is sent after commit, never inside the transaction."""
    with transaction.atomic():
        DailyDigest.objects.get_or_create(user_id=user_id, date=on)  # the unique constraint decides a race
        digest = lock_rows(DailyDigest.objects.filter(user_id=user_id, date=on)).get()
        if digest.status not in (DailyDigest.Status.PENDING, DailyDigest.Status.FAILED):
            return False
        digest.status = DailyDigest.Status.SENDING
        digest.attempts += 1
        digest.claimed_at = timezone.now()
        digest.save(update_fields=["status", "attempts", "claimed_at"])
        transaction.on_commit(lambda: _deliver(digest_id=digest.pk), robust=False)
    return True


def digests_send_due(*, on: date | None = None) -> DigestRun:
    """The daily beat: each bureau officer's digest of day `on` (default: today in Beijing),
    at most once each. A failed send does not stop the others; the run counts it, so the
    task can retry (which claims only the failed ones)."""
    on = on or timezone.localdate()
    claimed = sent = failed = 0
    for officer_id in digest_officers().values_list("pk", flat=True):
        try:
            if digest_send(user_id=officer_id, on=on):
                claimed += 1
                sent += 1
        except DigestNotSent:
            claimed += 1
            failed += 1
    return DigestRun(claimed=claimed, sent=sent, failed=failed)
