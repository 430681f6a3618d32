"""The draw raced on PostgreSQL by real concurrent connections: one draw, one selection."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.selectors import chain_records, chain_verify
from bidding.models import Draw
from bidding.services_draw import draw_run
from market.lifecycle import request_chain
from market.models import ServiceRequest
from market.services_requests import request_refresh, requests_sweep_due, signup_create
from tests.factories import firm_user, owner_user, published_request, service_item
from tests.market.test_races import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises every writer)")


def _due_draw(n_firms: int = 4) -> ServiceRequest:
    """A draw request in `selecting` whose selection time passed a moment ago."""
    item = service_item()
    req = published_request(owner=owner_user(), item=item)
    for _ in range(n_firms):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=1),
                                                    selection_at=now + timedelta(hours=1))
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.SELECTING
    ServiceRequest.objects.filter(pk=req.pk).update(selection_at=timezone.now() - timedelta(seconds=1))
    return req


def test_many_workers_drawing_at_once_make_one_draw():
    req = _due_draw()
    results = []
    run_threads([lambda: results.append(draw_run(request_id=req.pk))] * 8)
    assert Draw.objects.filter(request=req).count() == 1
    the_draw = Draw.objects.get(request=req)
    assert len(results) == 8 and {r.pk for r in results} == {the_draw.pk}
    assert chain_records(chain=request_chain(req)).filter(data__transition="select").count() == 1
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert req.selected_firm_id == the_draw.winner_id


def test_sweep_lazy_readers_and_workers_racing_a_due_draw_draw_once():
    req = _due_draw()

    def read():
        r = ServiceRequest.objects.get(pk=req.pk)
        request_refresh(r)

    run_threads([requests_sweep_due, requests_sweep_due, read, read, lambda: draw_run(request_id=req.pk)] * 2)
    assert Draw.objects.filter(request=req).count() == 1
    records = chain_records(chain=request_chain(req))
    assert records.filter(data__transition="select").count() == 1
    assert records.filter(to_state="awaiting_confirmation").count() == 1
    assert chain_verify(chain=request_chain(req)).ok


def test_requests_refreshed_in_many_threads_at_once_never_refuse_their_status():
    """django-fsm unprotects a protected field class-wide while one instance refreshes; two
    threads refreshing at once could re-protect it under the other's feet."""
    req = _due_draw()
    errors = []

    def refresh_often():
        r = ServiceRequest.objects.get(pk=req.pk)
        for _ in range(200):
            try:
                r.refresh_from_db()
            except AttributeError as exc:
                errors.append(exc)
                return

    run_threads([refresh_often] * 6)
    assert errors == []
