"""The daily digest: each bureau officer gets one mail a Beijing day with what waits on them
and the warnings in scope, whatever duplicate beats, retries or concurrent workers happen;
a send that failed is sent by the retry."""

import threading
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.db import connection
from django.utils import timezone

from market.models import ServiceRequest
from supervision.models import DailyDigest
from supervision.services_digest import digest_send, digests_send_due
from supervision.tasks_digest import daily_digest_task
from tests.factories import bureau_user, firm_user, owner_user, published_request, service_item

# on_commit must really run after commit: the mail leaves only then.
pytestmark = pytest.mark.django_db(transaction=True)
S = ServiceRequest.Status


def digests():
    """The digest mails sent (publishing a request also mails invitations to firms)."""
    return [m for m in mail.outbox if "待办与预警" in m.subject]


def late_request(region_code: str, *, days_late: int = 1):
    item = service_item()
    owner = owner_user(region_code=region_code)
    req = published_request(owner=owner, item=item)
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(
        status=S.AWAITING_CONFIRMATION, selected_firm=firm_user(item=item).organisation,
        status_changed_at=now - timedelta(days=days_late + 3), confirm_due=now - timedelta(days=days_late))
    req.refresh_from_db()
    return req


def test_the_task_run_twice_sends_each_officer_one_mail_with_its_scope():
    city = bureau_user(region_code="360900", email="city@example.cn")
    county = bureau_user(region_code="360982", email="zhangshu@example.cn")
    bureau_user(region_code="360902", email="")  # no address: no digest
    owner_user(email="owner@example.cn")  # not bureau staff: no digest
    in_county = late_request("360982")
    elsewhere = late_request("360902")

    daily_digest_task()
    daily_digest_task()  # a duplicate beat, the same day

    assert sorted(m.to[0] for m in digests()) == ["city@example.cn", "zhangshu@example.cn"]
    by_to = {m.to[0]: m for m in digests()}
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in by_to["city@example.cn"].subject
    assert "红色预警2项" in by_to["city@example.cn"].subject
    county_body = by_to["zhangshu@example.cn"].body
    assert in_county.code in county_body and elsewhere.code not in county_body
    assert "业主未按期确认选取结果" in county_body and "红色预警" in county_body
    assert "confirm_due" not in county_body and "+00:00" not in county_body
    rows = DailyDigest.objects.order_by("user_id")
    assert [(r.user_id, r.status, r.attempts) for r in rows] == [
        (city.pk, DailyDigest.Status.SENT, 1), (county.pk, DailyDigest.Status.SENT, 1)]
    assert DailyDigest.objects.get(user=county).red_count == 1


def test_a_failed_send_is_sent_by_the_retry_and_only_then():
    officer = bureau_user(email="officer@example.cn")
    day = timezone.localdate()
    real = mail.send_mail
    with mock.patch("supervision.services_digest.send_mail", side_effect=ConnectionRefusedError("smtp down")):
        run = digests_send_due(on=day)
    assert (run.sent, run.failed) == (0, 1) and digests() == []
    row = DailyDigest.objects.get(user=officer, date=day)
    assert (row.status, row.attempts, row.error) == (DailyDigest.Status.FAILED, 1, "smtp down")
    with mock.patch("supervision.services_digest.send_mail", side_effect=real) as sent:
        assert digests_send_due(on=day).sent == 1
        assert digests_send_due(on=day).sent == 0
    assert sent.call_count == 1 and len(digests()) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (DailyDigest.Status.SENT, 2, "")


def test_the_task_retries_a_failed_send_for_the_same_day():
    bureau_user(email="officer@example.cn")
    day = timezone.localdate()
    with mock.patch("supervision.services_digest.send_mail", side_effect=ConnectionRefusedError("smtp down")):
        with pytest.raises(Retry) as retry:
            daily_digest_task.apply()
    assert retry.value.sig.kwargs == {"on": day.isoformat()} and digests() == []
    daily_digest_task.apply(kwargs=retry.value.sig.kwargs)  # what the worker runs later
    daily_digest_task.apply(kwargs=retry.value.sig.kwargs)
    assert len(digests()) == 1


def test_the_day_is_the_beijing_day():
    officer = bureau_user(email="officer@example.cn")
    # 17:30 UTC on 3 December is 01:30 on 4 December in Beijing.
    with time_machine.travel(datetime(2026, 12, 3, 17, 30, tzinfo=dt_timezone.utc), tick=False):
        daily_digest_task()
    assert DailyDigest.objects.get(user=officer).date == date(2026, 12, 4)
    assert "2026年12月4日" in digests()[0].subject


@pytest.mark.postgres
def test_two_workers_at_once_send_one_mail():
    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises every writer)")
    officer = bureau_user(email="officer@example.cn")
    day = timezone.localdate()
    barrier = threading.Barrier(4)
    claimed, errors = [], []

    def run():
        from django.db import connection as conn

        try:
            barrier.wait()
            claimed.append(digest_send(user_id=officer.pk, on=day))
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[0]
    assert sorted(claimed) == [False, False, False, True]
    assert len(digests()) == 1
