"""Reads of the live auction: who may watch or bid, and the snapshot of the protocol.

Nothing here returns a bidder's name or code before the auction is closed: bidders are
their aliases; names appear only in the ranking after close (`result`).
"""

from dataclasses import dataclass

from django.utils import timezone

from bidding.models import Auction, Bid, Bidder
from bidding.services_auction import iso, money, result_event, status_event
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


@dataclass(frozen=True)
class LadderBid:
    seq: int
    alias: str
    organisation_id: int
    name: str
    amount: object
    at: object


@dataclass(frozen=True)
class Ladder:
    auction: Auction
    bids: list[LadderBid]


def auction_ladders_public(*, request: ServiceRequest) -> list[Ladder]:
    """The full bid ladder (every accepted bid in order: alias, firm, amount, time) of each
    of the request's auctions that has closed or become void, latest round first.

    Guarantee: an auction still scheduled or live contributes nothing, so no firm's name
    leaves the platform before its auction closes. Two queries."""
    auctions = list(Auction.objects.filter(
        request=request, status__in=[Auction.Status.CLOSED, Auction.Status.VOID]).order_by("-round"))
    if not auctions:
        return []
    bids: dict[int, list[LadderBid]] = {a.pk: [] for a in auctions}
    for auction_id, seq, number, org_id, name, amount, at in (
        Bid.objects.filter(auction__in=auctions).order_by("auction_id", "seq")
        .values_list("auction_id", "seq", "bidder__number", "organisation_id", "organisation__name", "amount", "at")
    ):
        bids[auction_id].append(LadderBid(seq, f"{number}号", org_id, name, amount, at))
    return [Ladder(a, bids[a.pk]) for a in auctions]


@dataclass(frozen=True)
class AuctionChanges:
    """The auction's version and status, the `status`/`result` messages after the version
    asked about, and `resync_below`: a socket that has seen less than this version needs a
    snapshot (a change that cannot be rebuilt as its message); 0 when none does."""

    version: int
    status: str
    events: list[dict]
    resync_below: int = 0


def auction_changes_since(*, auction_id: int, version: int) -> AuctionChanges | None:
    """The `status` and `result` messages after `version`, rebuilt from the auction row.

    For sockets that may have missed a change made by another process (on the in-process
    channel layer, the Celery worker's auction beat broadcasts to its own process only).
    Exact because the model fixes the version history: the start is version 1 (no bid is
    accepted before it), each bid adds one, and the close or void adds two (the `status`
    at the final version − 1, then the `result`). Bids are not rebuilt: they reach sockets
    through the process that accepted them, and a client syncs on a gap. The start's
    `ends_at` is known only while no bid has moved it; with bids, `resync_below` is 1.
    Returns None if the auction does not exist.
    """
    auction = Auction.objects.filter(pk=auction_id).first()
    if auction is None:
        return None
    final = auction.status in (Auction.Status.CLOSED, Auction.Status.VOID)
    started = auction.version - auction.bid_count - (2 if final else 0) == 1
    events: list[dict] = []
    resync_below = 0
    if started and version < 1:
        if auction.bid_count:
            resync_below = 1
        else:
            events.append({"type": "status", "version": 1, "status": Auction.Status.LIVE,
                           "starts_at": iso(auction.starts_at), "ends_at": iso(auction.ends_at)})
    if final and version < auction.version:
        if version < auction.version - 1:
            events.append(status_event(auction, version=auction.version - 1))
        events.append(result_event(auction))
    return AuctionChanges(auction.version, auction.status, events, resync_below)
