"""Races on PostgreSQL with real concurrent connections (threads released by a barrier)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.selectors import chain_records, chain_verify
from core.exceptions import DomainError, InvalidState
from market.lifecycle import request_chain
from market.models import ServiceRequest, SignUp
from market.services_requests import (
    request_close_signup,
    request_publish,
    signup_create,
)
from tests.factories import (
    firm_user,
    owner_user,
    published_request,
    request_draft,
    service_item,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises every writer)")


def run_threads(targets):
    """Start one thread per callable, release them together, re-raise the first error."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(fn):
        def go():
            from django.db import connection as conn

            try:
                barrier.wait()
                fn()
            except Exception as exc:  # collected and re-raised in the main thread
                errors.append(exc)
            finally:
                conn.close()

        return go

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if errors:
        raise errors[0]


def test_two_owners_publish_at_once():
    owners = [owner_user(), owner_user(region_code="360982")]
    drafts = [request_draft(owner=o) for o in owners]
    run_threads([lambda o=o, d=d: request_publish(request_id=d.pk, user=o) for o, d in zip(owners, drafts)])
    for d in drafts:
        d.refresh_from_db()
        assert d.status == ServiceRequest.Status.PUBLISHED
        assert chain_records(chain=request_chain(d)).filter(to_state="published").count() == 1
        assert chain_verify(chain=request_chain(d)).ok


def test_double_publish_of_one_request_publishes_once():
    owner = owner_user()
    draft = request_draft(owner=owner)
    outcomes = []

    def publish():
        try:
            request_publish(request_id=draft.pk, user=owner)
            outcomes.append("ok")
        except InvalidState:
            outcomes.append("refused")

    run_threads([publish] * 4)
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    draft.refresh_from_db()
    assert draft.publish_count == 1
    assert chain_records(chain=request_chain(draft)).filter(to_state="published").count() == 1


def test_sign_ups_racing_the_deadline_sweep():
    """No sign-up lands after the deadline; the request ends in exactly one state."""
    item = service_item()
    owner = owner_user()
    req = published_request(owner=owner, item=item)
    firms = [firm_user(item=item) for _ in range(12)]
    deadline = timezone.now() + timedelta(milliseconds=400)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=deadline)
    stop = time.monotonic() + 1.5

    def sign_up(user):
        def go():
            # Arrive spread around the deadline.
            time.sleep((user.pk % 12) * 0.06)
            try:
                signup_create(request_id=req.pk, user=user)
            except DomainError:
                pass

        return go

    def sweeper():
        while time.monotonic() < stop:
            request_close_signup(request_id=req.pk)
            time.sleep(0.005)

    run_threads([sign_up(u) for u in firms] + [sweeper, sweeper])
    req.refresh_from_db()
    signups = SignUp.objects.filter(request=req)
    assert signups.exists(), "some sign-ups should land before the deadline"
    assert all(s.created_at < deadline for s in signups)
    closes = chain_records(chain=request_chain(req)).filter(from_state="published")
    assert closes.count() == 1
    close = closes.get()
    assert close.data["registrants"] == signups.count()
    assert req.status == close.to_state
    assert req.status in (ServiceRequest.Status.SELECTING, ServiceRequest.Status.FAILED)
    assert chain_verify(chain=request_chain(req)).ok
