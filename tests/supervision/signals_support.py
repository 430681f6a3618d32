"""Histories that raise (or must not raise) the anti-avoidance signals, built through the
market's and bidding's services; the outcome fields after selection (publicity end,
contract, delivery, acceptance) are set as `tests.lifecycle_fixtures` does (fixture only)."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from bidding.models import Auction
from bidding.services_auction import auction_advance, bid_place
from bidding.services_direct import direct_pick_policy_set, request_direct_pick
from core.rules import RULES
from market.lifecycle import S
from market.models import ServiceRequest
from market.services_requests import request_close_signup, signup_create
from market.services_rules import rule_set
from tests.factories import bureau_user, firm_user, published_request, service_item
from tests.lifecycle_fixtures import completed_request


def rule_change(key: str, value) -> None:
    """The city bureau changes a rule on its rules page (through the service)."""
    rule_set(user=bureau_user(), key=key, value=Decimal(str(value)), reason="市局会议纪要调整预警线")
    assert key in RULES


def _close_signup(req: ServiceRequest) -> None:
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(seconds=2),
                                                    selection_at=now - timedelta(seconds=1))
    request_close_signup(request_id=req.pk)


def direct_picked(owner, firm, **overrides) -> ServiceRequest:
    """A request published for direct pick (the city allows it for the owner's region) and
    picked by the owner among those who signed up."""
    direct_pick_policy_set(user=bureau_user(), region_code=owner.organisation.region_id, funding="fiscal",
                           allowed=True, source="市政府常务会议纪要")
    req = published_request(owner=owner, method="direct", item=service_item(), **overrides)
    signup_create(request_id=req.pk, user=firm)
    _close_signup(req)
    request_direct_pick(request_id=req.pk, user=owner, firm_id=firm.organisation_id, reason="专业性强，仅该机构具备经验")
    return ServiceRequest.objects.get(pk=req.pk)


def failed_then_direct(owner, firm) -> ServiceRequest:
    """A request that failed twice (流标; failure count set as a fixture) and was then picked
    directly among its registrants (the service's "after failures" route)."""
    req = published_request(owner=owner, item=service_item())
    signup_create(request_id=req.pk, user=firm)
    ServiceRequest.objects.filter(pk=req.pk).update(status=S.FAILED, failure_count=2)  # fixture only
    request_direct_pick(request_id=req.pk, user=owner, firm_id=firm.organisation_id, reason="两次流标")
    return ServiceRequest.objects.get(pk=req.pk)


def failed_then_drawn(owner, firm) -> ServiceRequest:
    """A request that failed once and was then won by the draw on re-publication (fixture)."""
    req, _, _ = completed_request(owner=owner, firm=firm)
    ServiceRequest.objects.filter(pk=req.pk).update(failure_count=1)
    return req


def won(owner, firm, **fields) -> ServiceRequest:
    """A completed request of `owner` won by `firm`, with extra outcome fields (fixture)."""
    req, _, _ = completed_request(owner=owner, firm=firm)
    if fields:
        ServiceRequest.objects.filter(pk=req.pk).update(**fields)
        req.refresh_from_db()
    return req


def auction_of(owner, firms, bids, *, ends_in: float, ceiling: str = "100000.00") -> Auction:
    """An auction request of `owner` that `firms` sign up for; `bids` [(firm, amount)] are
    placed through the bid service now, the auction's end is then set `ends_in` seconds
    from now (fixture), and it is closed at that end by the service."""
    req = published_request(owner=owner, method="auction", ceiling=Decimal(ceiling), item=service_item())
    for firm in firms:
        signup_create(request_id=req.pk, user=firm)
    _close_signup(req)
    auction = Auction.objects.get(request=req)
    auction_advance(auction_id=auction.pk, now=auction.starts_at + timedelta(seconds=1))
    for firm, amount in bids:
        answer = bid_place(auction_id=auction.pk, user=firm, amount=str(amount), client_id=uuid.uuid4())
        assert answer.accepted, answer.message
    ends = timezone.now() + timedelta(seconds=ends_in)
    Auction.objects.filter(pk=auction.pk).update(ends_at=ends)  # fixture: when the auction ended
    auction_advance(auction_id=auction.pk, now=ends + timedelta(seconds=1))
    auction.refresh_from_db()
    assert auction.status in (Auction.Status.CLOSED, Auction.Status.VOID)
    return auction


def at(days_ago: float) -> datetime:
    return timezone.now() - timedelta(days=days_ago)


__all__ = ["firm_user"]
