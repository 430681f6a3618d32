"""Public pages of bidding: the random draw's result, with its record and a verify panel."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from accounts.models import Organisation
from bidding.models import Draw
from market.models import ServiceRequest
from market.selectors import PUBLIC_STATUSES
from market.services import request_refresh


def draw_result(request, code: str):
    """The result of a request's random draw (public). Before the draw: the commitment and
    the selection time only; the nonce stays secret."""
    req = (
        ServiceRequest.objects.select_related("owner", "region", "service_item", "selected_firm")
        .filter(code=code, method=ServiceRequest.Method.DRAW, status__in=PUBLIC_STATUSES)
        .first()
    )
    if req is None:
        raise Http404("没有这个随机选取项目。")
    request_refresh(req)  # the lazy check: a due draw runs before it is shown
    draw = Draw.objects.filter(request=req).select_related("winner").first()
    api_path = reverse("draws-api:detail", kwargs={"request_code": req.code})
    context = {"req": req, "draw": draw, "api_url": request.build_absolute_uri(api_path)}
    if draw is not None:
        record = draw.record
        codes = set(record["pool"]) | {e["code"] for e in record["excluded"]}
        names = dict(Organisation.objects.filter(uscc__in=codes).values_list("uscc", "name"))
        context.update(
            record=record,
            pool=[{"code": c, "name": names.get(c, "")} for c in record["pool"]],
            excluded=[{**e, "name": names.get(e["code"], "")} for e in record["excluded"]],
            ranking=[{**e, "position": i, "name": names.get(e["code"], "")} for i, e in enumerate(record["ranking"], 1)],
            current_code=req.selected_firm.uscc if req.selected_firm_id else "",
        )
    return render(request, "bidding/draw_result.html", context)


def auction_room(request, code: str):
    """The live auction room (网上竞价室): bidders bid, the owner, the bureau and the public
    watch read-only. Everything live comes over `/ws/auctions/<id>/`; before close the page
    shows no bidder's name (the ranking with names is rendered only once it is closed)."""
    from bidding.models import Auction
    from bidding.selectors_auction import auction_current, auction_viewer
    from core.rules import rule_int

    req = (
        ServiceRequest.objects.select_related("owner", "region", "service_item")
        .filter(code=code, method=ServiceRequest.Method.AUCTION, status__in=PUBLIC_STATUSES)
        .first()
    )
    if req is None:
        raise Http404("没有这个竞价项目。")
    request_refresh(req)  # the lazy check: a due auction starts or closes before it is shown
    auction = auction_current(request=req)
    viewer = auction_viewer(auction=auction, user=request.user) if auction else None
    closed = auction is not None and auction.status in (Auction.Status.CLOSED, Auction.Status.VOID)
    context = {
        "req": req, "auction": auction, "viewer": viewer,
        "ranking": auction.ranking if closed else [],
        "ws_path": f"/ws/auctions/{auction.pk}/" if auction else "",
        "max_per_second": rule_int("auction_max_bids_per_second"),
    }
    return render(request, "bidding/auction_room.html", context)
