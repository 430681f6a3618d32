"""Sign-up (报名): who may, until when, and why not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import InvalidState, NotAllowed, NotEligible
from credit.models import CreditEvent
from market.models import RequestExclusion, ServiceRequest, SignUp
from market.services_requests import signup_create
from tests.factories import firm_user, published_request, request_draft, service_item

pytestmark = pytest.mark.django_db


def test_qualified_firm_signs_up_once(owner, firm):
    req = published_request(owner=owner)
    signup = signup_create(request_id=req.pk, user=firm)
    assert signup.round == 1
    with pytest.raises(InvalidState, match="已报名"):
        signup_create(request_id=req.pk, user=firm)
    assert SignUp.objects.filter(request=req).count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("expired", "qualification_expired"),
        ("missing", "qualification_missing"),
        ("excluded", "conflict_of_interest"),
        ("restricted", "restricted"),
        ("not_approved", "not_approved"),
    ],
)
def test_refuses_ineligible_firm_with_the_reason(owner, setup, code):
    item = service_item()
    req = published_request(owner=owner, item=item)
    if setup == "expired":
        user = firm_user(item=item, valid_until=timezone.localdate() - timedelta(days=1))
    elif setup == "missing":
        other = next(i for i in type(item).objects.exclude(qualification_type=item.qualification_type)
                     .filter(qualification_type__isnull=False))
        user = firm_user(item=other)
    elif setup == "not_approved":
        user = firm_user(item=item, approved=False)
    else:
        user = firm_user(item=item)
        if setup == "excluded":
            RequestExclusion.objects.create(request=req, organisation=user.organisation, reason="业主关联企业")
        else:
            CreditEvent.objects.create(
                organisation=user.organisation, kind="提供虚假材料", sanction=CreditEvent.Sanction.SUSPENSION, points=-20,
                rule_source="test", region_id="360921", starts_at=timezone.now() - timedelta(minutes=1),
                ends_at=timezone.now() + timedelta(days=180),
            )
    with pytest.raises(NotEligible) as exc:
        signup_create(request_id=req.pk, user=user)
    assert exc.value.code == code
    assert exc.value.message
    assert not SignUp.objects.filter(request=req).exists()


def test_restriction_by_any_county_applies_in_every_county(owner):
    """一处失信、全市受限: an event issued in 奉新县 refuses a sign-up in 樟树市."""
    from tests.factories import owner_user

    item = service_item()
    zhangshu_owner = owner_user(region_code="360982")
    req = published_request(owner=zhangshu_owner, item=item)
    user = firm_user(item=item)
    CreditEvent.objects.create(
        organisation=user.organisation, kind="拒不签订合同", sanction=CreditEvent.Sanction.SUSPENSION, points=-20,
        rule_source="test", region_id="360921", starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(NotEligible, match="奉新县"):
        signup_create(request_id=req.pk, user=user)


def test_refuses_sign_up_after_the_deadline_and_moves_the_request_on(owner, firm):
    req = published_request(owner=owner)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidState, match="报名已截止"):
        signup_create(request_id=req.pk, user=firm)
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED  # the lazy check closed it: no registrants


def test_refuses_sign_up_for_a_draft_or_by_an_owner(owner, firm):
    draft = request_draft(owner=owner)
    with pytest.raises(NotAllowed):
        signup_create(request_id=draft.pk, user=firm)
    req = published_request(owner=owner)
    with pytest.raises(NotAllowed):
        signup_create(request_id=req.pk, user=owner)
