"""Helpers of the auction tests: a request whose auction is scheduled or live, with bidders."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bidding.models import Auction
from bidding.services_auction import auction_advance, bid_place
from market.models import ServiceRequest
from market.services_requests import request_close_signup, signup_create
from tests.factories import firm_user, owner_user, published_request


@dataclass
class AuctionCase:
    owner: object
    request: ServiceRequest
    firms: list
    auction: Auction

    def refresh(self) -> Auction:
        self.auction = Auction.objects.get(pk=self.auction.pk)
        self.request = ServiceRequest.objects.get(pk=self.request.pk)
        return self.auction


def auction_case(n: int = 3, *, started: bool = True, ceiling: str = "100000.00", firms: list | None = None,
                 owner=None, **overrides) -> AuctionCase:
    """Publish an auction request, sign `n` firms up (new ones, or the given `firms`), close
    sign-up; the auction starts now (`started`) or in a minute."""
    owner = owner or owner_user()
    req = published_request(owner=owner, method="auction", ceiling=Decimal(ceiling), **overrides)
    firms = list(firms) if firms is not None else [firm_user() for _ in range(n)]
    for firm in firms:
        signup_create(request_id=req.pk, user=firm)
    now = timezone.now()
    start = now - timedelta(seconds=1) if started else now + timedelta(minutes=1)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(seconds=2), selection_at=start)
    request_close_signup(request_id=req.pk)
    auction = Auction.objects.get(request=req)
    if started:
        auction_advance(auction_id=auction.pk)
    case = AuctionCase(owner, req, firms, auction)
    case.refresh()
    return case


def bid(case: AuctionCase, firm, amount, client_id=None):
    return bid_place(auction_id=case.auction.pk, user=firm, amount=amount, client_id=client_id or uuid.uuid4())


def end_in(case: AuctionCase, seconds: float) -> None:
    ends = timezone.now() + timedelta(seconds=seconds)
    starts = min(case.auction.starts_at, ends - timedelta(seconds=30))
    Auction.objects.filter(pk=case.auction.pk).update(starts_at=starts, ends_at=ends)
    case.refresh()
