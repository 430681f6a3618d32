"""The live auction's services: creation, every bid rule, close, void, substitutes."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from audit.selectors import chain_records, chain_verify
from bidding.models import Auction, Bid, Bidder, BidRejection
from bidding.services_auction import (
    auction_advance,
    auction_default_step,
    auctions_sweep_due,
    bid_place,
    result_event,
)
from core.calendar import workday_due
from core.models import Rule
from core.rules import rule_int
from market.lifecycle import request_chain
from market.models import ServiceRequest
from market.selectors import todo_for
from market.services_requests import requests_sweep_due
from market.services_results import request_decline
from tests.bidding.auction_support import auction_case, bid, end_in
from tests.factories import restriction, firm_user

pytestmark = pytest.mark.django_db



def test_closing_signup_schedules_the_auction_with_the_rules():
    case = auction_case(4, started=False, ceiling="200000.00")
    a = case.auction
    assert a.status == Auction.Status.SCHEDULED and a.round == case.request.publish_count
    assert a.ceiling == Decimal("200000.00")
    assert a.min_step == Decimal("1000.00")  # 0.5 % of the ceiling (rule)
    assert a.floor == Decimal("120000.00")  # 60 % line (rule), the request has no floor
    assert a.extension_seconds == 60
    assert (a.ends_at - a.starts_at) == timedelta(minutes=case.request.auction_minutes)
    numbers = sorted(Bidder.objects.filter(auction=a).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
    kinds = list(chain_records(chain=request_chain(case.request)).values_list("kind", flat=True))
    assert "auction_scheduled" in kinds


def test_default_step_reads_the_rule():
    case = auction_case(3, started=False, ceiling="100000.00")
    assert auction_default_step(ceiling=case.request.ceiling) == Decimal("500.00")
    Rule.objects.filter(key="auction_default_step_percent").update(value=Decimal("1.5"))
    assert auction_default_step(ceiling=case.request.ceiling) == Decimal("1500.00")


def test_allowing_abnormally_low_keeps_only_the_request_floor():
    case = auction_case(3, floor=Decimal("30000.00"), allow_abnormally_low=True)
    assert case.auction.floor == Decimal("30000.00")
    assert bid(case, case.firms[0], "30000.00").accepted
    assert bid(case, case.firms[1], "29000.00").code == "below_floor"


def test_first_bid_at_the_ceiling_is_accepted_and_above_is_refused():
    case = auction_case(3)
    above = bid(case, case.firms[0], "100000.01")
    assert not above.accepted and above.code == "above_ceiling" and "100,000.00 元" in above.message
    ok = bid(case, case.firms[0], "100000.00")
    assert ok.accepted and ok.seq == 1
    a = case.refresh()
    assert a.best_amount == Decimal("100000.00") and a.version == 2  # start + one bid


def test_step_rule_refuses_small_and_equal_decrements():
    """Why equal amounts cannot happen: an accepted bid must be at least min_step (> 0)
    below the best, under the row lock, so an equal amount is always step_too_small."""
    case = auction_case(3)
    assert bid(case, case.firms[0], "90000.00").accepted
    equal = bid(case, case.firms[1], "90000.00")
    assert equal.code == "step_too_small" and "89,500.00 元" in equal.message
    assert bid(case, case.firms[2], "89500.01").code == "step_too_small"
    assert bid(case, case.firms[2], "89500.00").accepted
    amounts = list(Bid.objects.filter(auction=case.auction).order_by("seq").values_list("amount", flat=True))
    assert amounts == sorted(amounts, reverse=True) and len(set(amounts)) == len(amounts)


def test_below_the_abnormally_low_line_is_refused():
    case = auction_case(3)
    low = bid(case, case.firms[0], "59999.99")
    assert low.code == "below_floor" and "60,000.00 元" in low.message
    assert bid(case, case.firms[0], "60000.00").accepted


def test_invalid_amounts_and_client_ids_are_invalid():
    case = auction_case(3)
    for amount in ["abc", "-5", "0", "100.001", None, True, "NaN", "Infinity", [1], "1E+30", "1e12"]:
        cache.clear()  # each attempt counts against the rate limit (tested below); here only the amount
        assert bid(case, case.firms[0], amount).code == "invalid", amount
    no_id = bid_place(auction_id=case.auction.pk, user=case.firms[0], amount="90000", client_id="not-a-uuid")
    assert no_id.code == "invalid" and no_id.client_id == "not-a-uuid"


def test_rate_limit_refuses_the_third_bid_in_a_second(monkeypatch):
    case = auction_case(3)
    firm = case.firms[0]
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)  # one second, however slow the machine
    assert bid(case, firm, "99000.00").accepted
    assert bid(case, firm, "98000.00").accepted
    third = bid(case, firm, "97000.00")
    assert third.code == "rate_limited"
    assert bid(case, case.firms[1], "97000.00").accepted  # per bidder, not per auction


def test_refused_attempts_count_against_the_rate_limit_and_are_not_stored(monkeypatch):
    case = auction_case(3)
    firm = case.firms[0]
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)  # all in one second, however slow the machine
    answers = [bid(case, firm, "200000.00") for _ in range(6)]  # above the ceiling
    assert [a.code for a in answers[:2]] == ["above_ceiling", "above_ceiling"]
    assert {a.code for a in answers[2:]} == {"rate_limited"}
    assert BidRejection.objects.filter(auction=case.auction, organisation=firm.organisation).count() == 2
    # A repeat of an answered bid still gets its first answer, even past the limit.
    again = bid_place(auction_id=case.auction.pk, user=firm, amount="200000.00", client_id=answers[0].client_id)
    assert again.code == "above_ceiling"


def test_rate_limit_is_a_rule(monkeypatch):
    Rule.objects.update_or_create(key="auction_max_bids_per_second",
                                  defaults={"label": "x", "value": Decimal(1), "unit": "次/秒", "source": "x"})
    case = auction_case(3)
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)  # both bids in one second, however slow the machine
    assert bid(case, case.firms[0], "99000.00").accepted
    assert bid(case, case.firms[0], "98000.00").code == "rate_limited"


def test_a_bid_in_the_last_minute_extends_the_end():
    case = auction_case(3)
    early = case.auction.ends_at
    assert bid(case, case.firms[0], "99000.00").accepted
    assert case.refresh().ends_at == early  # far from the end: unchanged
    end_in(case, 10)
    before = timezone.now()
    assert bid(case, case.firms[1], "98000.00").accepted
    a = case.refresh()
    assert before + timedelta(seconds=59) < a.ends_at <= timezone.now() + timedelta(seconds=60)
    bid_row = Bid.objects.get(auction=a, seq=2)
    assert a.ends_at == bid_row.at + timedelta(seconds=60)


def test_bid_before_start_is_not_live():
    case = auction_case(3, started=False)
    answer = bid(case, case.firms[0], "90000.00")
    assert answer.code == "not_live" and "尚未开始" in answer.message


def test_late_bid_after_the_end_is_refused_and_closes_the_auction():
    case = auction_case(3)
    for firm, amount in zip(case.firms, ["99000.00", "98000.00", "97000.00"]):
        assert bid(case, firm, amount).accepted
    end_in(case, -0.001)
    late = bid(case, case.firms[0], "90000.00")
    assert late.code == "not_live" and "已结束" in late.message
    a = case.refresh()
    assert a.status == Auction.Status.CLOSED and a.bid_count == 3
    assert case.request.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert case.request.selected_firm_id == case.firms[2].organisation_id


def test_restricted_and_non_registered_firms_cannot_bid():
    case = auction_case(3)
    restriction(case.firms[0].organisation)
    restricted = bid(case, case.firms[0], "90000.00")
    assert restricted.code == "restricted"
    stranger = firm_user()
    assert bid(case, stranger, "90000.00").code == "not_eligible"
    assert not Bid.objects.filter(auction=case.auction).exists()


def test_a_repeated_client_id_gets_the_first_answer():
    case = auction_case(3)
    cid = uuid.uuid4()
    first = bid(case, case.firms[0], "95000.00", cid)
    again = bid(case, case.firms[0], "94000.00", cid)
    assert first.accepted and again.accepted and again.seq == first.seq
    assert Bid.objects.filter(auction=case.auction).count() == 1
    refused_id = uuid.uuid4()
    refused = bid(case, case.firms[1], "99000.00", refused_id)
    assert refused.code == "step_too_small"
    # The same client_id with an amount that would now be valid: still the first answer.
    assert bid(case, case.firms[1], "90000.00", refused_id).code == "step_too_small"
    assert BidRejection.objects.filter(auction=case.auction).count() == 1


def test_close_ranks_each_bidders_best_lowest_first_and_selects_the_winner():
    case = auction_case(4)
    f = case.firms
    for firm, amount in [(f[0], "99000.00"), (f[1], "98000.00"), (f[0], "97000.00"), (f[2], "96000.00")]:
        assert bid(case, firm, amount).accepted
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    auction_advance(auction_id=case.auction.pk)  # exactly once
    a = case.refresh()
    assert a.status == Auction.Status.CLOSED
    assert [(r["code"], r["amount"]) for r in a.ranking] == [
        (f[2].organisation.uscc, "96000.00"), (f[0].organisation.uscc, "97000.00"), (f[1].organisation.uscc, "98000.00")
    ]
    assert case.request.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert case.request.selected_firm_id == f[2].organisation_id
    records = chain_records(chain=request_chain(case.request))
    assert records.filter(kind="auction_closed").count() == 1
    assert records.filter(kind="bid").count() == 4
    assert chain_verify(chain=request_chain(case.request)).ok


def test_the_auction_winner_gets_a_confirmation_deadline():
    case = auction_case(3)
    for firm, amount in zip(case.firms, ["99000.00", "98000.00", "97000.00"]):
        assert bid(case, firm, amount).accepted
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    case.refresh()
    req = case.request
    assert req.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert req.confirm_due is not None
    assert req.confirm_due == workday_due(req.status_changed_at, rule_int("confirm_workdays"))
    items = todo_for(user=case.owner)
    assert [(i.action, i.due) for i in items if i.request.pk == req.pk] == [("确认选取结果", req.confirm_due)]


def test_a_bidder_restricted_during_the_auction_is_skipped_at_close_with_its_reason():
    case = auction_case(3)
    f = case.firms
    for firm, amount in [(f[0], "99000.00"), (f[1], "98000.00"), (f[2], "97000.00")]:
        assert bid(case, firm, amount).accepted
    restriction(f[2].organisation)  # the lowest bidder is suspended by a county mid-auction
    assert bid(case, f[2], "96000.00").code == "restricted"
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    a = case.refresh()
    req = case.request
    assert req.selected_firm_id == f[1].organisation_id  # the next in the ranking
    excluded = [row for row in a.ranking if row.get("excluded")]
    assert [row["code"] for row in excluded] == [f[2].organisation.uscc] and "串通投标" in excluded[0]["excluded"]
    result = result_event(a)
    assert result["winner"]["code"] == f[1].organisation.uscc
    assert f[2].organisation.uscc not in [row["code"] for row in result["ranking"]]
    select = chain_records(chain=request_chain(req)).filter(data__transition="select").get()
    assert select.data["skipped"][0]["code"] == f[2].organisation.uscc
    assert select.data["selected"] == f[1].organisation.uscc


def test_fewer_bidders_than_the_minimum_is_void_and_the_request_fails():
    case = auction_case(3)
    assert bid(case, case.firms[0], "99000.00").accepted
    assert bid(case, case.firms[1], "98000.00").accepted
    end_in(case, -1)
    assert auctions_sweep_due() == 1
    a = case.refresh()
    assert a.status == Auction.Status.VOID
    assert case.request.status == ServiceRequest.Status.FAILED and "流标" in case.request.closing_reason
    assert auctions_sweep_due() == 0


def test_the_deadline_sweep_starts_and_closes_auctions():
    case = auction_case(3, started=False)
    Auction.objects.filter(pk=case.auction.pk).update(starts_at=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    assert case.refresh().status == Auction.Status.LIVE


def test_winner_declines_and_the_next_best_bid_substitutes():
    case = auction_case(3)
    f = case.firms
    for firm, amount in [(f[0], "99000.00"), (f[1], "98000.00"), (f[2], "97000.00")]:
        assert bid(case, firm, amount).accepted
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    case.refresh()
    assert case.request.selected_firm_id == f[2].organisation_id
    request_decline(request_id=case.request.pk, user=f[2], reason="人员调整")
    case.refresh()
    assert case.request.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert case.request.selected_firm_id == f[1].organisation_id  # the next-best bid


def test_the_database_refuses_a_second_bid_of_the_same_amount():
    """The step rule makes equal amounts impossible; the unique constraint is the backstop."""
    from django.db import IntegrityError, transaction

    case = auction_case(3)
    assert bid(case, case.firms[0], "90000.00").accepted
    first = Bid.objects.get(auction=case.auction)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bid.objects.create(auction=case.auction, seq=2, bidder=Bidder.objects.get(auction=case.auction,
                           organisation=case.firms[1].organisation), organisation=case.firms[1].organisation,
                           user=case.firms[1], amount=first.amount, client_id=uuid.uuid4(), at=timezone.now())


def test_contract_price_is_the_selected_firms_own_best_bid():
    from market.selectors import request_price

    case = auction_case(3)
    f = case.firms
    for firm, amount in [(f[0], "99000.00"), (f[1], "98000.00"), (f[2], "97000.00")]:
        assert bid(case, firm, amount).accepted
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    case.refresh()
    assert request_price(case.request) == Decimal("97000.00")
    request_decline(request_id=case.request.pk, user=f[2], reason="人员调整")
    case.refresh()
    assert request_price(case.request) == Decimal("98000.00")  # the substitute's own price
