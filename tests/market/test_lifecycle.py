"""The request's life up to selection: deadline sweep, lazy check, 流标, re-publish, cancel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from audit.selectors import chain_records, chain_verify
from core.calendar import workday_shift
from core.exceptions import InvalidState, ValidationFailed
from core.models import Rule
from market.lifecycle import request_chain
from market.models import ServiceRequest
from market.services_requests import (
    request_cancel,
    request_close_signup,
    request_refresh,
    request_republish,
    requests_sweep_due,
    signup_create,
)
from market.tasks import sweep_deadlines
from tests.factories import (
    firm_user,
    owner_user,
    published_request,
    request_draft,
    service_item,
)

pytestmark = pytest.mark.django_db


def _expire(req: ServiceRequest) -> None:
    """Pretend the sign-up deadline passed a moment ago (tests only)."""
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))


def _with_registrants(owner, n: int) -> ServiceRequest:
    item = service_item()
    req = published_request(owner=owner, item=item)
    for _ in range(n):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    return req


def test_sweep_moves_request_with_enough_registrants_to_selecting(owner):
    req = _with_registrants(owner, 3)
    _expire(req)
    assert sweep_deadlines() == 1
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.SELECTING
    last = chain_records(chain=request_chain(req)).last()
    assert (last.from_state, last.to_state, last.actor_id) == ("published", "selecting", None)
    assert last.data["valid_registrants"] == 3


def test_sweep_fails_request_with_too_few_registrants(owner):
    req = _with_registrants(owner, 2)
    _expire(req)
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED
    assert "少于规定的3家" in req.closing_reason
    assert req.failure_count == 1


def test_minimum_registrants_is_a_rule(owner):
    Rule.objects.filter(key="min_registrants").update(value=2)
    req = _with_registrants(owner, 2)
    _expire(req)
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.SELECTING


def test_sweep_is_idempotent_and_leaves_open_requests_alone(owner):
    open_req = published_request(owner=owner)
    req = _with_registrants(owner, 3)
    _expire(req)
    requests_sweep_due()
    requests_sweep_due()
    request_close_signup(request_id=req.pk)
    assert chain_records(chain=request_chain(req)).filter(to_state="selecting").count() == 1
    open_req.refresh_from_db()
    assert open_req.status == ServiceRequest.Status.PUBLISHED


def test_reading_an_expired_request_moves_it_on(owner):
    req = _with_registrants(owner, 3)
    _expire(req)
    req.refresh_from_db()
    assert request_refresh(req).status == ServiceRequest.Status.SELECTING


def test_firm_restricted_before_close_does_not_count(owner):
    from credit.models import CreditEvent

    req = _with_registrants(owner, 3)
    firm = req.signups.first().organisation
    CreditEvent.objects.create(organisation=firm, kind="串通投标", sanction=CreditEvent.Sanction.REMOVAL, points=-60,
                               rule_source="test", region_id="360983", starts_at=timezone.now())
    _expire(req)
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED


def test_failed_request_is_republished_with_new_deadlines_and_a_new_round(owner, django_capture_on_commit_callbacks):
    req = _with_registrants(owner, 1)
    old_commitment = req.draw_commitment
    _expire(req)
    requests_sweep_due()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        again = request_republish(request_id=req.pk, user=owner, signup_deadline=workday_shift(now, 4),
                                  selection_at=workday_shift(now, 5))
    assert again.status == ServiceRequest.Status.PUBLISHED
    assert again.publish_count == 2
    assert again.draw_commitment != old_commitment
    # The firm that signed up in round 1 may sign up again in round 2.
    firm_org = req.signups.first().organisation
    signup_create(request_id=req.pk, user=firm_org.users.first())
    assert again.signups.filter(round=2).count() == 1
    assert chain_verify(chain=request_chain(again)).ok


def test_republish_refuses_bad_deadlines(owner):
    req = _with_registrants(owner, 0)
    _expire(req)
    requests_sweep_due()
    with pytest.raises(ValidationFailed):
        request_republish(request_id=req.pk, user=owner, signup_deadline=timezone.now() - timedelta(days=1),
                          selection_at=timezone.now())
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED


def test_cancel_before_selection_tells_registrants_the_reason(owner, django_capture_on_commit_callbacks):
    req = _with_registrants(owner, 2)
    cancelled = request_cancel(request_id=req.pk, user=owner, reason="项目取消立项")
    assert cancelled.status == ServiceRequest.Status.CANCELLED
    for signup in req.signups.all():
        note = Notification.objects.get(organisation=signup.organisation, kind="request_cancelled")
        assert note.body == "项目取消立项"


def test_cancel_needs_a_reason_and_is_refused_after_selection_starts(owner):
    req = _with_registrants(owner, 3)
    with pytest.raises(ValidationFailed):
        request_cancel(request_id=req.pk, user=owner, reason=" ")
    _expire(req)
    requests_sweep_due()
    with pytest.raises(InvalidState):
        request_cancel(request_id=req.pk, user=owner, reason="改变主意")


def test_every_state_of_the_lifecycle_is_named():
    names = set(ServiceRequest.Status.values)
    assert {"draft", "published", "selecting", "awaiting_confirmation", "publicity", "objection", "contracting",
            "in_service", "delivered", "completed", "rated", "cancelled", "failed", "terminated"} == names


def test_status_cannot_be_assigned_directly(owner):
    req = request_draft(owner=owner)
    with pytest.raises(AttributeError):
        req.status = ServiceRequest.Status.PUBLISHED


# The request's whole state machine, pinned: a change here must be a decision.
TRANSITIONS = sorted([
    ("draft", "publish", "published"), ("failed", "publish", "published"),
    ("published", "close_signup", "selecting"),
    ("draft", "cancel", "cancelled"), ("published", "cancel", "cancelled"), ("failed", "cancel", "cancelled"),
    ("selecting", "select", "awaiting_confirmation"), ("failed", "select", "awaiting_confirmation"),
    ("awaiting_confirmation", "substitute", "awaiting_confirmation"), ("publicity", "substitute", "awaiting_confirmation"),
    ("published", "fail", "failed"), ("selecting", "fail", "failed"), ("awaiting_confirmation", "fail", "failed"),
    ("publicity", "fail", "failed"), ("objection", "fail", "failed"),
    ("awaiting_confirmation", "confirm", "publicity"),
    ("publicity", "lodge_objection", "objection"),
    ("objection", "uphold_objection", "publicity"), ("objection", "dismiss_objection", "publicity"),
    ("publicity", "end_publicity", "contracting"),
    ("contracting", "start_service", "in_service"),
    ("in_service", "deliver", "delivered"),
    ("delivered", "accept", "completed"),
    ("completed", "rate", "rated"),
    ("contracting", "terminate", "terminated"), ("in_service", "terminate", "terminated"),
    ("delivered", "terminate", "terminated"),
])


def test_the_transition_table_is_pinned():
    from market.lifecycle import transition_table

    assert transition_table() == TRANSITIONS


def test_every_state_is_reachable_from_draft_and_final_states_have_no_way_out():
    from market.lifecycle import FINAL, transition_table

    reached, frontier = {"draft"}, ["draft"]
    while frontier:
        state = frontier.pop()
        for source, _name, target in transition_table():
            if source == state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ServiceRequest.Status.values)
    assert not {source for source, _n, _t in transition_table()} & set(FINAL)


def test_a_transition_refuses_an_actor_without_the_permission(owner):
    from core.exceptions import NotAllowed
    from market.lifecycle import request_fire

    req = request_draft(owner=owner)
    stranger = owner_user()
    with pytest.raises(NotAllowed):
        request_fire(req, "publish", actor=stranger, at=timezone.now())
    with pytest.raises(NotAllowed):  # the platform itself may not publish an owner's request
        request_fire(req, "publish", actor=None, at=timezone.now())
