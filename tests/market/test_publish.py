"""Publishing a request: validation against the rules, the draw commitment, invitations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from audit.selectors import chain_records, chain_verify
from bidding import draw
from core.calendar import workday_shift
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from credit.models import CreditEvent
from market.lifecycle import request_chain
from market.models import Invitation, RequestExclusion, ServiceRequest
from market.services_requests import request_publish
from tests.factories import firm_user, owner_user, request_draft, service_item

pytestmark = pytest.mark.django_db


def test_publish_moves_draft_to_published_with_a_commitment_and_a_record(owner):
    req = request_draft(owner=owner)
    published = request_publish(request_id=req.pk, user=owner)
    assert published.status == ServiceRequest.Status.PUBLISHED
    assert published.publish_count == 1
    assert draw.commitment_of(bytes.fromhex(published.draw_nonce)) == published.draw_commitment
    last = chain_records(chain=request_chain(published)).last()
    assert (last.from_state, last.to_state, last.actor_id) == ("draft", "published", owner.pk)
    assert last.data["commitment"] == published.draw_commitment
    assert published.draw_nonce not in str(last.data)
    assert chain_verify(chain=request_chain(published)).ok


def test_publish_invites_only_eligible_firms_once_each(owner, django_capture_on_commit_callbacks):
    item = service_item()
    qualified = firm_user(item=item)
    expired = firm_user(item=item, valid_until=timezone.localdate() - timedelta(days=1))
    pending = firm_user(item=item, approved=False)
    excluded = firm_user(item=item)
    restricted = firm_user(item=item)
    other_item = service_item(code=next(
        code for code in ["ZJ-002", "ZJ-003", "ZJ-004", "ZJ-005"]
        if service_item(code=code).qualification_type_id != item.qualification_type_id
    ))
    unqualified = firm_user(item=other_item)
    CreditEvent.objects.create(
        organisation=restricted.organisation, kind="中选后放弃", sanction=CreditEvent.Sanction.SUSPENSION, points=-20,
        rule_source="test", region_id="360921", starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=30),
    )
    req = request_draft(owner=owner, item=item)
    RequestExclusion.objects.create(request=req, organisation=excluded.organisation, reason="与业主存在利害关系")
    with django_capture_on_commit_callbacks(execute=True):
        request_publish(request_id=req.pk, user=owner)
    invited = set(Invitation.objects.filter(request=req).values_list("organisation_id", flat=True))
    assert qualified.organisation_id in invited
    for user in (expired, pending, excluded, restricted, unqualified):
        assert user.organisation_id not in invited
    assert Notification.objects.filter(organisation=qualified.organisation, kind="invitation").count() == 1
    to_qualified = [m for m in mail.outbox if qualified.organisation.email in m.to]
    assert len(to_qualified) == 1 and req.code in to_qualified[0].body

    # A retried task (or a second worker) sends nothing twice.
    from market.services_requests import invitations_push

    sent_before = len(mail.outbox)
    assert invitations_push(request_id=req.pk, round=1) == 0
    assert len(mail.outbox) == sent_before
    assert Notification.objects.filter(organisation=qualified.organisation, kind="invitation").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ceiling": Decimal("0.00")}, "ceiling"),
        ({"floor": Decimal("200000.00")}, "floor"),
        ({"project_code": "2026-36"}, "project_code"),
        ({"contact_phone": "abc"}, "contact_phone"),
        ({"method": "direct"}, "method"),
        ({"title": "  "}, "title"),
    ],
)
def test_publish_refuses_bad_fields_and_publishes_nothing(owner, overrides, field):
    if field in ("ceiling", "floor"):
        # The database refuses these even as a draft; the form catches them first.
        with pytest.raises(ValidationFailed):
            request_draft(owner=owner, **overrides)
        return
    req = request_draft(owner=owner, **overrides)
    with pytest.raises(ValidationFailed) as exc:
        request_publish(request_id=req.pk, user=owner)
    assert field in exc.value.errors
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.DRAFT
    assert not Invitation.objects.filter(request=req).exists()


def test_publish_refuses_deadline_shorter_than_the_rule(owner):
    now = timezone.now()
    req = request_draft(owner=owner, signup_deadline=workday_shift(now, 1), selection_at=workday_shift(now, 6))
    with pytest.raises(ValidationFailed) as exc:
        request_publish(request_id=req.pk, user=owner)
    assert "报名期不得少于3个工作日" in exc.value.errors["signup_deadline"][0]


def test_publish_refuses_past_deadline(owner):
    now = timezone.now()
    req = request_draft(owner=owner, signup_deadline=now - timedelta(hours=1), selection_at=workday_shift(now, 6))
    with pytest.raises(ValidationFailed) as exc:
        request_publish(request_id=req.pk, user=owner)
    assert "晚于当前时间" in exc.value.errors["signup_deadline"][0]


def test_rule_change_takes_effect_without_code(owner):
    from core.models import Rule

    Rule.objects.filter(key="signup_window_workdays").update(value=Decimal(1))
    now = timezone.now()
    req = request_draft(owner=owner, signup_deadline=workday_shift(now, 2), selection_at=workday_shift(now, 3))
    assert request_publish(request_id=req.pk, user=owner).status == ServiceRequest.Status.PUBLISHED


def test_another_owner_cannot_publish(owner):
    req = request_draft(owner=owner)
    with pytest.raises(NotAllowed):
        request_publish(request_id=req.pk, user=owner_user())


def test_published_request_cannot_be_published_again(owner):
    req = request_draft(owner=owner)
    request_publish(request_id=req.pk, user=owner)
    with pytest.raises(InvalidState):
        request_publish(request_id=req.pk, user=owner)


def test_request_codes_are_unique_ascii(owner):
    codes = {request_draft(owner=owner).code for _ in range(20)}
    assert len(codes) == 20
    assert all(code.isascii() and code.startswith("YC") for code in codes)
