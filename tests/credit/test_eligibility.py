"""One check at every door: the restriction selector's cost, and an event issued in one
county refusing the firm everywhere in the same second."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bidding.services_draw import draw_run
from core.exceptions import NotEligible
from credit.models import CreditEvent
from credit.selectors import credit_restriction
from credit.services import credit_event_issue
from market.models import ServiceRequest
from market.selectors import firm_eligibility
from market.services_requests import requests_sweep_due, signup_create
from tests.credit.helpers import evidence_for
from tests.factories import (
    bureau_user,
    firm_user,
    owner_user,
    published_request,
    service_item,
)

pytestmark = pytest.mark.django_db


def _history(org, n: int) -> None:
    now = timezone.now()
    CreditEvent.objects.bulk_create([
        CreditEvent(organisation=org, kind="服务逾期", kind_code="service_overdue", sanction="warning", points=-1,
                    rule_source="r", region_id="360900", starts_at=now - timedelta(days=400 + i),
                    ends_at=now - timedelta(days=10 + i), status="expired", cause_key=f"hist:{i}")
        for i in range(n)
    ])


@pytest.mark.parametrize("fn", ["credit_restriction", "firm_eligibility"])
def test_eligibility_costs_the_same_queries_for_1_and_200_events(django_assert_num_queries, fn):
    item = service_item()
    req = published_request(item=item)
    short, long = firm_user(item=item), firm_user(item=item)
    _history(short.organisation, 1)
    _history(long.organisation, 200)
    # A restriction in force on both, so the check reads (and words) a real event.
    for user in (short, long):
        CreditEvent.objects.create(organisation=user.organisation, kind="串通", sanction="suspension", points=-20, rule_source="r",
                                   region_id="360921", starts_at=timezone.now() - timedelta(minutes=1),
                                   ends_at=timezone.now() + timedelta(days=30))

    def check(user):
        if fn == "credit_restriction":
            return credit_restriction(organisation_id=user.organisation_id)
        return firm_eligibility(organisation=user.organisation, request=req)

    check(short)  # warm the request's own related rows (service item), read once per request
    counts = []
    for user in (short, long):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            result = check(user)
        assert result is not None and "奉新县" in getattr(result, "message", "")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        check(long)
    if fn == "credit_restriction":
        assert counts[0] == 1


def test_an_event_issued_in_fengxin_refuses_zhangshu_signup_gaoan_bid_and_yuanzhou_draw_pool_at_once():
    import uuid
    from decimal import Decimal

    from bidding.models import Auction
    from bidding.services_auction import auction_advance, bid_place

    item = service_item()
    firm = firm_user(item=item)
    # A live auction in 高安市 the firm signed up for and already bid in.
    gaoan = published_request(owner=owner_user(region_code="360983"), item=item, method="auction",
                              ceiling=Decimal("100000.00"))
    signup_create(request_id=gaoan.pk, user=firm)
    for _ in range(2):
        signup_create(request_id=gaoan.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=gaoan.pk).update(signup_deadline=now - timedelta(seconds=2),
                                                      selection_at=now - timedelta(seconds=1))
    requests_sweep_due()
    auction = Auction.objects.get(request=gaoan)
    auction_advance(auction_id=auction.pk)
    assert bid_place(auction_id=auction.pk, user=firm, amount="99000.00", client_id=uuid.uuid4()).accepted
    # A draw in 袁州区 the firm signed up for, sign-up closed, selection due.
    yuanzhou = published_request(owner=owner_user(region_code="360902"), item=item)
    signup_create(request_id=yuanzhou.pk, user=firm)
    for _ in range(3):
        signup_create(request_id=yuanzhou.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=yuanzhou.pk).update(signup_deadline=now - timedelta(hours=2),
                                                         selection_at=now + timedelta(hours=1))
    requests_sweep_due()
    # A request open for sign-up in 樟树市.
    zhangshu = published_request(owner=owner_user(region_code="360982"), item=item)
    assert firm_eligibility(organisation=firm.organisation, request=zhangshu).ok

    officer = bureau_user(region_code="360921")  # 奉新县
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="overcharging",
                               description="在奉新县项目中超标准收费", evidence=evidence_for(officer))
    issued = timezone.now()

    with pytest.raises(NotEligible) as refused:
        signup_create(request_id=zhangshu.pk, user=firm)
    assert refused.value.code == "restricted"
    assert "奉新县" in refused.value.message and event.kind in refused.value.message

    answer = bid_place(auction_id=auction.pk, user=firm, amount="98000.00", client_id=uuid.uuid4())
    assert not answer.accepted and answer.code == "restricted" and "奉新县" in answer.message

    ServiceRequest.objects.filter(pk=yuanzhou.pk).update(selection_at=timezone.now() - timedelta(seconds=1))
    result = draw_run(request_id=yuanzhou.pk)
    assert (timezone.now() - issued).total_seconds() < 1
    excluded = {e["code"]: e["reason"] for e in result.record["excluded"]}
    assert firm.organisation.uscc in excluded and "奉新县" in excluded[firm.organisation.uscc]
    assert firm.organisation.uscc not in result.record["pool"]
