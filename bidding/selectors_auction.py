"""Reads of the live auction: who may watch or bid, and the snapshot of the protocol.

Nothing here returns a bidder's name or code before the auction is closed: bidders are
their aliases; names appear only in the ranking after close (`result`).
"""

from dataclasses import dataclass

from django.utils import timezone

from bidding.models import Auction, Bid, Bidder
from bidding.services_auction import iso, money, result_event
from core.jurisdiction import bureau_covers
from market.models import ServiceRequest
from market.selectors import PUBLIC_STATUSES


@dataclass(frozen=True)
class Viewer:
    """What a user may do in an auction room: `role` is "bidder", "owner", "bureau",
    "public" or "" (may not enter)."""

    role: str
    organisation_id: int | None = None
    alias: str | None = None

    @property
    def may_watch(self) -> bool:
        return bool(self.role)


def auction_viewer(*, auction: Auction, user) -> Viewer:
    """Bidders: firms with an alias (signed up in the auction's round). Watchers: the
    owner, bureau staff in scope and, the request being public, anyone."""
    req: ServiceRequest = auction.request
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    org_id = user.organisation_id if authenticated else None
    if org_id:
        bidder = Bidder.objects.filter(auction=auction, organisation_id=org_id).first()
        if bidder is not None:
            return Viewer("bidder", org_id, bidder.alias)
        if req.owner_id == org_id:
            return Viewer("owner", org_id)
        if bureau_covers(user=user, region_id=req.region_id):
            return Viewer("bureau", org_id)
    if req.status in PUBLIC_STATUSES:
        return Viewer("public", org_id)
    return Viewer("")


def auction_current(*, request: ServiceRequest) -> Auction | None:
    """The auction of the request's current publication round, else its latest one."""
    qs = Auction.objects.filter(request=request).order_by("-round")
    return qs.filter(round=request.publish_count).first() or qs.first()


def auction_snapshot(*, auction_id: int, alias: str | None = None) -> dict:
    """The `snapshot` message: the auction, the best bid, every accepted bid (aliases only)
    and the viewer's own alias. Read in one transaction-free pass; `version` is the row's,
    read first, so a bid committed meanwhile shows with a higher version and is not missed."""
    auction = Auction.objects.get(pk=auction_id)
    bids = [
        {"seq": seq, "alias": f"{number}号", "amount": money(amount), "at": iso(at)}
        for seq, number, amount, at in Bid.objects.filter(auction_id=auction_id, seq__lte=auction.bid_count)
        .order_by("seq").values_list("seq", "bidder__number", "amount", "at")
    ]
    best = None
    if bids:
        last = bids[-1]  # accepted amounts fall strictly: the last bid is the best
        best = {"alias": last["alias"], "amount": last["amount"], "seq": last["seq"]}
    return {
        "type": "snapshot",
        "version": auction.version,
        "server_time": iso(timezone.now()),
        "auction": {
            "id": auction.pk, "status": auction.status, "starts_at": iso(auction.starts_at),
            "ends_at": iso(auction.ends_at), "ceiling": money(auction.ceiling), "floor": money(auction.floor),
            "min_step": money(auction.min_step),
        },
        "best": best,
        "bids": bids,
        "you": {"alias": alias} if alias else None,
        # Not part of the snapshot contract: after close the consumer sends `result` too.
        "_result": result_event(auction) if auction.status in (Auction.Status.CLOSED, Auction.Status.VOID) else None,
    }


def auction_closed_ranking(*, request: ServiceRequest) -> list[dict]:
    """The ranking of the request's latest closed auction, bidders excluded at close left
    out: each row has alias, name, code, amount, seq, at (one query)."""
    auction = (Auction.objects.filter(request=request, status=Auction.Status.CLOSED).order_by("-round")
               .only("ranking").first())
    return [row for row in (auction.ranking if auction else []) if not row.get("excluded")]
