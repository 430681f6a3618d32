"""The bid's hot path: eligibility read afresh at every bid in the statement that checks the
client_id (only the immutable Bidder row is kept between bids), and the statement budget
of a bid."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bidding.models import Bid, BidRejection
from credit.models import CreditEvent
from market.models import Entry, Qualification, RequestExclusion
from tests.bidding.auction_support import auction_case, bid
from tests.factories import restriction

pytestmark = pytest.mark.django_db


def test_a_credit_event_between_two_bids_refuses_the_second_and_lifting_it_lets_the_third_in():
    case = auction_case(3)
    firm = case.firms[0]
    assert bid(case, firm, "99000.00").accepted  # the firm's Bidder row is now kept in memory
    event = restriction(firm.organisation)
    refused = bid(case, firm, "98000.00")
    assert refused.code == "restricted" and refused.message.startswith("您单位当前不能出价：")
    assert BidRejection.objects.filter(auction=case.auction, organisation=firm.organisation,
                                       code="restricted").count() == 1
    CreditEvent.objects.filter(pk=event.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    cache.clear()  # the rate limit (two attempts a second) is not what this test is about
    assert bid(case, firm, "97000.00").accepted
    assert list(Bid.objects.filter(auction=case.auction).values_list("amount", flat=True).order_by("seq")) == [
        99000, 97000]


def test_an_exclusion_a_lapsed_entry_or_an_expired_certificate_refuses_the_next_bid():
    case = auction_case(4)
    a, b, c = case.firms[:3]
    for firm, amount in ((a, "99000.00"), (b, "98000.00"), (c, "97000.00")):
        assert bid(case, firm, amount).accepted
    RequestExclusion.objects.create(request=case.request, organisation=a.organisation, reason="关联关系")
    Entry.objects.filter(organisation=b.organisation).update(status=Entry.Status.RETURNED)  # the entry withdrawn
    Qualification.objects.filter(organisation=c.organisation).update(valid_until=timezone.localdate() - timedelta(days=1))
    for firm, amount in ((a, "90000.00"), (b, "89000.00"), (c, "88000.00")):
        answer = bid(case, firm, amount)
        assert answer.code == "not_eligible", (firm, answer)
        assert answer.message.startswith("您单位当前不能出价：")
    assert Bid.objects.filter(auction=case.auction).count() == 3


def test_an_accepted_bid_costs_at_most_ten_statements():
    """Was 17 (bidder, entry, certificate, exclusion and credit read one by one, the
    client_id twice). Now: rule, lock, client_id + eligibility, bid, auction, request
    lock, chain head, chain record (and the transaction's BEGIN/COMMIT where counted)."""
    case = auction_case(3)
    assert bid(case, case.firms[0], "99000.00").accepted  # warm: the Bidder row is kept
    with CaptureQueriesContext(connection) as ctx:
        assert bid(case, case.firms[0], "98000.00").accepted
    assert len(ctx.captured_queries) <= 10, [q["sql"][:80] for q in ctx.captured_queries]


def test_a_repeated_client_id_after_a_credit_event_still_gets_its_first_answer():
    case = auction_case(3)
    firm = case.firms[0]
    cid = uuid.uuid4()
    first = bid(case, firm, "99000.00", cid)
    restriction(firm.organisation)
    again = bid(case, firm, "99000.00", cid)
    assert first.accepted and again.accepted and again.seq == first.seq
