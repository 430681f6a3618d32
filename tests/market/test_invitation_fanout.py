"""Invitations at city scale: the batched fan-out (`invitations_push`) writes every
invitation and inbox entry once, broadcasts once per batch, mails every firm once — also
when the task is retried, crashes half-way or runs twice at once — and reads eligibility
per batch (the invitation door)."""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import Notification
from core.exceptions import NotEligible
from market.models import Invitation
from market.services_requests import invitation_mails_send, invitations_push, request_publish, signup_create
from tests.factories import firm_user, owner_user, request_draft, restriction, service_item

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a SIGKILL of the worker looks like to the code under test: nothing after it runs."""


@pytest.fixture
def broadcasts(monkeypatch):
    """The organisation ids of every fan-out broadcast, one list per channel-layer send."""
    sent: list[list[int]] = []
    real = account_services.notifications_broadcast

    def record(*, organisation_ids):
        sent.append(sorted(organisation_ids))
        real(organisation_ids=organisation_ids)

    monkeypatch.setattr(account_services, "notifications_broadcast", record)
    return sent


def published(firms: int):
    """A published request (its own push not run) and `firms` qualified firms, by id."""
    item = service_item()
    users = [firm_user(item=item) for _ in range(firms)]
    owner = owner_user()
    req = request_draft(owner=owner, item=item)
    request_publish(request_id=req.pk, user=owner)  # on-commit push not run in this test transaction
    req.refresh_from_db()
    return req, sorted(users, key=lambda u: u.organisation_id)


def mailed(users) -> Counter:
    emails = {u.organisation.email: u.organisation_id for u in users}
    return Counter(emails[to] for m in mail.outbox for to in m.to if to in emails)


def test_the_batched_fan_out_invites_notifies_and_mails_every_firm_once(django_capture_on_commit_callbacks, broadcasts):
    req, users = published(7)
    ids = [u.organisation_id for u in users]
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations_push(request_id=req.pk, round=1, batch_size=3) == 7
    assert sorted(Invitation.objects.filter(request=req, round=1).values_list("organisation_id", flat=True)) == ids
    notes = Notification.objects.filter(dedupe_key=f"invitation:{req.pk}:1")
    assert sorted(notes.values_list("organisation_id", flat=True)) == ids
    assert {n.title for n in notes} == {f"采购邀请：{req.title}"} and all(req.code in n.url for n in notes)
    assert broadcasts == [ids[0:3], ids[3:6], ids[6:7]]  # one channel-layer send per batch
    assert mailed(users) == Counter(ids)
    assert all(req.code in m.body for m in mail.outbox)
    assert set(Invitation.objects.filter(request=req).values_list("mail_status", flat=True)) == {"sent"}


def test_statements_do_not_grow_with_the_number_of_firms():
    def statements(firms: int) -> int:
        req, _ = published(firms)
        with CaptureQueriesContext(connection) as ctx:
            invitations_push(request_id=req.pk, round=1, batch_size=100)
        return len(ctx.captured_queries)

    few, many = statements(2), statements(12)
    assert few == many, (few, many)


def test_a_retried_task_writes_nothing_twice_and_mails_nobody_twice(django_capture_on_commit_callbacks, broadcasts):
    req, users = published(5)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations_push(request_id=req.pk, round=1, batch_size=2) == 5
    outbox, pushed = len(mail.outbox), len(broadcasts)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations_push(request_id=req.pk, round=1, batch_size=2) == 0
    assert len(mail.outbox) == outbox
    assert len(broadcasts) == pushed  # nothing new, nobody told again
    assert Invitation.objects.filter(request=req).count() == 5
    assert Notification.objects.filter(dedupe_key=f"invitation:{req.pk}:1").count() == 5


def test_a_task_killed_between_batches_is_completed_by_its_retry(monkeypatch, django_capture_on_commit_callbacks):
    req, users = published(5)
    real = account_services.notifications_push_many
    calls = []

    def dies_on_the_second_batch(**kwargs):
        calls.append(kwargs["organisation_ids"])
        if len(calls) == 2:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr("market.services_requests.notifications_push_many", dies_on_the_second_batch)
    with pytest.raises(WorkerKilled):
        invitations_push(request_id=req.pk, round=1, batch_size=2)
    # The first batch is committed whole, the second not at all; no mail went out yet.
    assert Invitation.objects.filter(request=req).count() == 2
    assert Notification.objects.filter(dedupe_key=f"invitation:{req.pk}:1").count() == 2
    assert mail.outbox == []
    monkeypatch.setattr("market.services_requests.notifications_push_many", real)
    assert invitations_push(request_id=req.pk, round=1, batch_size=2) == 3
    assert Invitation.objects.filter(request=req).count() == 5
    assert Notification.objects.filter(dedupe_key=f"invitation:{req.pk}:1").count() == 5
    assert mailed(users) == Counter(u.organisation_id for u in users)


def test_a_task_killed_while_mailing_never_mails_a_firm_twice(monkeypatch):
    """Mails are claimed (pending → sending, committed) before they go out: a worker killed
    mid-chunk leaves that chunk `sending` and its retry mails only what was still pending."""
    req, users = published(6)
    sends = []
    original = locmem.EmailBackend.send_messages

    def killed_at_the_fourth(self, messages):
        sends.append(messages[0].to[0])
        if len(sends) == 4:
            raise WorkerKilled
        return original(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", killed_at_the_fourth)
    with pytest.raises(WorkerKilled):
        invitations_push(request_id=req.pk, round=1, batch_size=10)
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", original)
    ids = [u.organisation_id for u in users]
    status = dict(Invitation.objects.filter(request=req).values_list("organisation_id", "mail_status"))
    # Chunks of MAIL_CHUNK (100) would hold all six: claimed at once, none marked sent.
    assert set(status.values()) == {"sending"}
    assert invitations_push(request_id=req.pk, round=1) == 0
    assert max(mailed(users).values()) == 1  # nobody twice
    assert sorted(mailed(users)) == ids[:3]  # the three sent before the kill; the rest are left for the bureau


def test_a_retry_after_a_kill_mid_mailing_sends_only_the_unclaimed_chunks(monkeypatch):
    req, users = published(6)
    sends = []
    original = locmem.EmailBackend.send_messages

    def killed_at_the_third(self, messages):
        sends.append(messages[0].to[0])
        if len(sends) == 3:
            raise WorkerKilled
        return original(self, messages)

    Invitation.objects.bulk_create([Invitation(request=req, organisation_id=u.organisation_id, round=1)
                                    for u in users])
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", killed_at_the_third)
    with pytest.raises(WorkerKilled):
        invitation_mails_send(request_id=req.pk, round=1, chunk=2)
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", original)
    ids = [u.organisation_id for u in users]
    status = dict(Invitation.objects.filter(request=req).values_list("organisation_id", "mail_status"))
    assert [status[pk] for pk in ids] == ["sent", "sent", "sending", "sending", "pending", "pending"]
    assert invitation_mails_send(request_id=req.pk, round=1, chunk=2) == 2
    assert sorted(mailed(users)) == ids[:2] + ids[4:] and max(mailed(users).values()) == 1
    assert invitation_mails_send(request_id=req.pk, round=1, chunk=2) == 0


def test_a_failed_mail_is_recorded_and_not_retried_while_the_others_go_out(monkeypatch):
    req, users = published(4)
    original = locmem.EmailBackend.send_messages
    refused = users[1].organisation.email

    def refuses_one(self, messages):
        if messages[0].to == [refused]:
            raise OSError("550 mailbox unavailable")
        return original(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuses_one)
    invitations_push(request_id=req.pk, round=1)
    failed = Invitation.objects.get(request=req, organisation=users[1].organisation)
    assert failed.mail_status == "failed" and "550" in failed.mail_error
    assert sorted(mailed(users)) == sorted(u.organisation_id for u in users if u is not users[1])
    invitations_push(request_id=req.pk, round=1)
    assert len(mail.outbox) == 3


def test_a_firm_that_stops_qualifying_between_batches(monkeypatch):
    """Eligibility is read per batch, when the batch is written (the invitation door): a
    firm restricted before its batch is not invited; one restricted after its batch keeps
    its invitation (and its mail, as before) and is refused at sign-up, as any invited firm
    that stops qualifying is."""
    req, users = published(4)
    early, late = users[0], users[3]  # batches of two: early in the first, late in the second
    real = account_services.notifications_push_many
    calls = []

    def restrict_after_the_first_batch(**kwargs):
        result = real(**kwargs)
        calls.append(kwargs["organisation_ids"])
        if len(calls) == 1:
            restriction(early.organisation)
            restriction(late.organisation)
        return result

    monkeypatch.setattr("market.services_requests.notifications_push_many", restrict_after_the_first_batch)
    assert invitations_push(request_id=req.pk, round=1, batch_size=2) == 3
    invited = set(Invitation.objects.filter(request=req).values_list("organisation_id", flat=True))
    assert early.organisation_id in invited and late.organisation_id not in invited
    assert not Notification.objects.filter(organisation=late.organisation).exists()
    assert late.organisation_id not in mailed(users)
    with pytest.raises(NotEligible):
        signup_create(request_id=req.pk, user=early)


def test_a_superseded_round_invites_nobody():
    req, users = published(2)
    assert invitations_push(request_id=req.pk, round=2) == 0
    assert not Invitation.objects.filter(request=req).exists() and mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_invite_and_mail_every_firm_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are proven on PostgreSQL")
    req, users = published(9)
    barrier, errors = threading.Barrier(2), []

    def worker():
        from django.db import connection as conn

        try:
            barrier.wait()
            invitations_push(request_id=req.pk, round=1, batch_size=2)
            invitation_mails_send(request_id=req.pk, round=1, chunk=2)
        except Exception as exc:  # re-raised below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    ids = [u.organisation_id for u in users]
    assert sorted(Invitation.objects.filter(request=req).values_list("organisation_id", flat=True)) == ids
    assert Notification.objects.filter(dedupe_key=f"invitation:{req.pk}:1").count() == 9
    assert mailed(users) == Counter(ids)


def test_the_task_mails_in_tasks_of_bounded_size_until_none_is_pending(monkeypatch):
    """The fan-out task writes the rows and hands the mails to tasks that each send a
    bounded number of chunks and queue the next (eager Celery here), so no task's time
    grows with the number of firms."""
    from market import services_requests, tasks

    req, users = published(5)
    monkeypatch.setattr(services_requests, "MAIL_CHUNK", 2)
    monkeypatch.setattr(tasks, "MAIL_CHUNKS_PER_TASK", 1)
    runs = []
    real_send = services_requests.invitation_mails_send

    def counted(**kwargs):
        runs.append(kwargs)
        return real_send(**kwargs)

    monkeypatch.setattr(services_requests, "invitation_mails_send", counted)
    assert tasks.invitations_push_task(req.pk, 1) == 5
    assert len(runs) == 3 and all(r["chunks"] == 1 for r in runs)  # 2 + 2 + 1 mails
    assert mailed(users) == Counter(u.organisation_id for u in users)
    assert not Invitation.objects.filter(request=req).exclude(mail_status="sent").exists()
