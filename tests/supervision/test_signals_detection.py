"""Each anti-avoidance signal: a history that raises it, one that must not, and its
threshold (a rule the city bureau edits) changing the outcome."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from supervision.models import SignalCase
from supervision.services_signals import signals_detect
from tests.factories import firm_user, owner_user, published_request, service_item
from tests.supervision.signals_support import (
    at,
    auction_of,
    direct_picked,
    failed_then_direct,
    failed_then_drawn,
    rule_change,
    won,
)

pytestmark = pytest.mark.django_db
K = SignalCase.Kind


def cases(kind):
    return list(SignalCase.objects.filter(kind=kind, status=SignalCase.Status.OPEN))


def detect(kind):
    signals_detect(kinds=[kind])
    return cases(kind)


# ---------------------------------------------------------------------------------------
# Direct picks


def test_owner_with_mostly_direct_picks_raises_a_case_naming_its_direct_requests():
    owner, firm = owner_user(), firm_user()
    picks = [direct_picked(owner, firm) for _ in range(2)]
    won(owner, firm_user())
    [case] = detect(K.DIRECT_SHARE)
    assert case.owner_id == owner.organisation_id and case.subject == f"owner:{owner.organisation_id}"
    assert case.figure == Decimal("66.67") and case.figure_unit == "%" and case.threshold == Decimal(50)
    assert sorted(case.request_ids) == sorted(r.pk for r in picks)
    assert "直接选取2个" in case.summary and case.region_id == owner.organisation.region_id


def test_owner_with_few_direct_picks_raises_nothing():
    owner, firm = owner_user(), firm_user()
    direct_picked(owner, firm)
    won(owner, firm_user())
    won(owner, firm_user())
    assert detect(K.DIRECT_SHARE) == []


def test_raising_the_direct_share_rule_clears_the_case_and_lowering_it_raises_one():
    owner, firm = owner_user(), firm_user()
    direct_picked(owner, firm)
    won(owner, firm_user())
    won(owner, firm_user())  # 33.33 %
    assert detect(K.DIRECT_SHARE) == []
    rule_change("signal_direct_share_percent", 30)
    [case] = detect(K.DIRECT_SHARE)
    assert case.threshold == Decimal(30)
    rule_change("signal_direct_share_percent", 40)
    assert detect(K.DIRECT_SHARE) == []
    case.refresh_from_db()
    assert case.status == SignalCase.Status.CLEARED


def test_failed_requests_re_published_as_direct_picks_raise_a_case():
    owner, firm = owner_user(), firm_user()
    picked = [failed_then_direct(owner, firm) for _ in range(2)]
    failed_then_drawn(owner, firm_user())
    [case] = detect(K.FAILED_TO_DIRECT)
    assert case.figure == Decimal("66.67") and sorted(case.request_ids) == sorted(r.pk for r in picked)


def test_failed_requests_that_went_back_to_the_market_raise_nothing():
    owner, firm = owner_user(), firm_user()
    failed_then_direct(owner, firm)
    failed_then_drawn(owner, firm_user())
    failed_then_drawn(owner, firm_user())
    assert detect(K.FAILED_TO_DIRECT) == []
    rule_change("signal_failed_direct_percent", 30)
    assert len(detect(K.FAILED_TO_DIRECT)) == 1


# ---------------------------------------------------------------------------------------
# Owner–firm pairs


def test_the_same_firm_winning_the_same_owner_three_times_raises_a_case():
    owner, firm = owner_user(), firm_user()
    wins = [won(owner, firm) for _ in range(3)]
    won(owner_user(), firm)  # another owner: not counted
    [case] = detect(K.REPEAT_PAIR)
    assert case.subject == f"pair:{owner.organisation_id}-{firm.organisation_id}"
    assert case.figure == 3 and case.firm_ids == [firm.organisation_id]
    assert case.request_ids == sorted(r.pk for r in wins)


def test_wins_outside_the_period_or_below_the_rule_raise_nothing():
    owner, firm = owner_user(), firm_user()
    won(owner, firm)
    won(owner, firm)
    won(owner, firm, published_at=at(400))  # before the 365-day period
    assert detect(K.REPEAT_PAIR) == []
    rule_change("signal_window_days", 500)
    assert len(detect(K.REPEAT_PAIR)) == 1
    rule_change("signal_repeat_wins", 4)
    assert detect(K.REPEAT_PAIR) == []


# ---------------------------------------------------------------------------------------
# Prices and bids


def test_a_firm_whose_auction_wins_sit_just_under_the_ceiling_raises_a_case():
    firm, others = firm_user(), [firm_user() for _ in range(2)]
    ladder = [(others[0], "99800.00"), (others[1], "99300.00"), (firm, "98800.00")]  # 98.8 % of the ceiling
    auctions = [auction_of(owner_user(), [firm, *others], ladder, ends_in=300) for _ in range(3)]
    [case] = detect(K.NEAR_CEILING)
    assert case.firm_ids == [firm.organisation_id] and case.figure == Decimal(100)
    assert case.request_ids == sorted(a.request_id for a in auctions)


def test_winning_prices_well_under_the_ceiling_raise_nothing_until_the_gap_widens():
    firm, others = firm_user(), [firm_user() for _ in range(2)]
    for _ in range(3):
        auction_of(owner_user(), [firm, *others], [(others[0], "99800.00"), (others[1], "99300.00"), (firm, "95000.00")],
                   ends_in=300)
    assert detect(K.NEAR_CEILING) == []
    rule_change("signal_near_ceiling_gap_percent", 6)
    assert len(detect(K.NEAR_CEILING)) == 1


def test_two_firms_always_bidding_in_the_last_minute_raise_a_case():
    a, b, c = firm_user(), firm_user(), firm_user()
    auctions = [auction_of(owner_user(), [a, b, c], [(a, "98000.00"), (b, "97000.00")], ends_in=20)
                for _ in range(3)]
    [case] = detect(K.LAST_MINUTE)
    assert sorted(case.firm_ids) == sorted([a.organisation_id, b.organisation_id])
    assert case.figure == 3 and case.fact_keys == sorted(f"a:{x.pk}" for x in auctions)


def test_bids_well_before_the_end_raise_nothing_unless_the_last_minute_is_longer():
    a, b, c = firm_user(), firm_user(), firm_user()
    for _ in range(3):
        auction_of(owner_user(), [a, b, c], [(a, "98000.00"), (b, "97000.00")], ends_in=300)
    assert detect(K.LAST_MINUTE) == []
    rule_change("signal_last_minute_seconds", 600)
    assert len(detect(K.LAST_MINUTE)) == 1


def test_firms_that_sign_up_together_and_never_bid_against_each_other_raise_a_ring_case():
    a, b = firm_user(), firm_user()
    filler = firm_user()
    for _ in range(3):
        auction_of(owner_user(), [a, b, filler], [(a, "90000.00")], ends_in=300)  # b only keeps a company
    subjects = {c.subject: c for c in detect(K.RING)}
    pair = f"firms:{min(a.organisation_id, b.organisation_id)}-{max(a.organisation_id, b.organisation_id)}"
    assert pair in subjects and subjects[pair].figure == 3
    assert subjects[pair].facts["accompanied"] == 3
    # b and filler never bid at all: not a ring (nobody was kept company)
    quiet = f"firms:{min(b.organisation_id, filler.organisation_id)}-{max(b.organisation_id, filler.organisation_id)}"
    assert quiet not in subjects


def test_firms_that_once_bid_against_each_other_are_no_ring():
    a, b = firm_user(), firm_user()
    filler = firm_user()
    auction_of(owner_user(), [a, b, filler], [(a, "90000.00"), (b, "89000.00")], ends_in=300)
    for _ in range(2):
        auction_of(owner_user(), [a, b, filler], [(a, "90000.00")], ends_in=300)
    pair = f"firms:{min(a.organisation_id, b.organisation_id)}-{max(a.organisation_id, b.organisation_id)}"
    assert pair not in {c.subject for c in detect(K.RING)}


# ---------------------------------------------------------------------------------------
# After selection


def test_a_contract_uploaded_long_after_publicity_raises_a_case():
    owner = owner_user()
    late = won(owner, firm_user(), publicity_ends_at=at(50), contract_owner_at=at(5))
    won(owner, firm_user(), publicity_ends_at=at(50), contract_owner_at=at(45))  # in time
    [case] = detect(K.LATE_CONTRACT)
    assert case.request_ids == [late.pk] and case.figure == 45 and case.figure_unit == "日"
    rule_change("signal_contract_late_days", 60)
    assert detect(K.LATE_CONTRACT) == []


def test_contracts_uploaded_in_time_raise_nothing():
    owner = owner_user()
    won(owner, firm_user(), publicity_ends_at=at(20), contract_owner_at=at(15))
    assert detect(K.LATE_CONTRACT) == []


def test_a_result_accepted_minutes_after_delivery_raises_a_case():
    owner, now = owner_user(), timezone.now()
    fast = won(owner, firm_user(), delivered_at=now - timedelta(minutes=30), completed_at=now - timedelta(minutes=25))
    won(owner, firm_user(), delivered_at=now - timedelta(days=5), completed_at=now - timedelta(days=2))
    [case] = detect(K.FAST_ACCEPTANCE)
    assert case.request_ids == [fast.pk] and case.figure == 5
    rule_change("signal_fast_accept_minutes", 3)
    assert detect(K.FAST_ACCEPTANCE) == []


def test_results_accepted_after_days_raise_nothing():
    now = timezone.now()
    won(owner_user(), firm_user(), delivered_at=now - timedelta(days=5), completed_at=now - timedelta(days=1))
    assert detect(K.FAST_ACCEPTANCE) == []


def test_an_owner_splitting_one_service_into_requests_just_under_the_threshold_raises_a_case():
    owner = owner_user()
    parts = [published_request(owner=owner, item=service_item(), ceiling=Decimal("95000.00")) for _ in range(3)]
    published_request(owner=owner, item=service_item(), ceiling=Decimal("150000.00"))  # above: not a part
    [case] = detect(K.SPLITTING)
    assert case.request_ids == sorted(r.pk for r in parts) and case.figure == 3
    assert "285,000.00 元" in case.summary and "100,000.00 元" in case.summary


def test_requests_far_apart_or_far_below_the_threshold_raise_nothing():
    owner = owner_user()
    published_request(owner=owner, item=service_item(), ceiling=Decimal("95000.00"))
    published_request(owner=owner, item=service_item(), ceiling=Decimal("50000.00"))  # far below
    old = published_request(owner=owner, item=service_item(), ceiling=Decimal("96000.00"))
    from market.models import ServiceRequest

    ServiceRequest.objects.filter(pk=old.pk).update(published_at=at(200))  # fixture: published long before
    assert detect(K.SPLITTING) == []
    rule_change("signal_split_days", 250)
    assert len(detect(K.SPLITTING)) == 0  # still only two just under the threshold
    rule_change("signal_split_count", 2)
    assert len(detect(K.SPLITTING)) == 1
