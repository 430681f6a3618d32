"""Pages of the selection methods: the random draw's result (with its record and a verify
panel), the live auction room, the owner's direct pick and the bureau's direct-pick policy
and supervision pages."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.models import Organisation, Region
from audit.selectors import chain_records
from audit.timeline import timeline_rows
from bidding.methods import AUCTION, DRAW
from bidding.models import Draw
from bidding.services_direct import (
    POLICY_CHAIN,
    direct_pick_policy_set,
    request_direct_pick,
)
from core.exceptions import DomainError
from core.jurisdiction import is_city_bureau
from core.web import id_or_404, role_required
from market.models import DirectPickPolicy, ServiceRequest
from market.selectors import PUBLIC_STATUSES, direct_picks_for_bureau
from market.services_requests import request_refresh
from market.views.lifecycle import request_action


def draw_result(request, code: str):
    """The result of a request's random draw (public). Before the draw: the commitment and
    the selection time only; the nonce stays secret."""
    req = (
        ServiceRequest.objects.select_related("owner", "region", "service_item", "selected_firm")
        .filter(code=code, method=DRAW, status__in=PUBLIC_STATUSES)
        .first()
    )
    if req is None:
        raise Http404("没有这个随机选取项目。")
    request_refresh(req)  # the lazy check: a due draw runs before it is shown
    draw = Draw.objects.filter(request=req).select_related("winner").first()
    api_path = reverse("api:draw-detail", kwargs={"request_code": req.code})
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
            names=names,  # the verify panel names the winner it recomputes
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
        .filter(code=code, method=AUCTION, status__in=PUBLIC_STATUSES)
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


# ---------------------------------------------------------------------------------------
# Direct pick (直接选取): the owner's action, the bureau's policy and supervision


@require_POST
def direct_pick(request, code: str):
    return request_action(request, code, lambda r: request_direct_pick(
        request_id=r.pk, user=request.user, firm_id=id_or_404(request.POST.get("firm")),
        reason=request.POST.get("reason", ""),
    ), "已直接选取中介机构，请确认选取结果。")


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_direct_pick_policies(request):
    """Where requests may be published for direct pick: one switch per region and funding
    type, with its source; city staff change it, every change is audited."""
    status, error = 200, ""
    if request.method == "POST":
        try:
            direct_pick_policy_set(
                user=request.user, region_code=request.POST.get("region", ""), funding=request.POST.get("funding", ""),
                allowed=request.POST.get("allowed") == "1", source=request.POST.get("source", ""),
            )
        except DomainError as exc:
            status, error = exc.status_code, exc.message
        else:
            messages.success(request, "直接选取适用范围已更新。")
            return redirect("bidding:bureau_direct_pick_policies")
    policies = {(p.region_id, p.funding): p for p in DirectPickPolicy.objects.select_related("updated_by")}
    rows = [
        {"region": region, "funding": value, "funding_label": label, "policy": policies.get((region.pk, value))}
        for region in Region.objects.order_by("sort_order", "code")
        for value, label in ServiceRequest.Funding.choices
    ]
    context = {
        "rows": rows, "error": error, "can_edit": is_city_bureau(request.user),
        "history": timeline_rows(chain=POLICY_CHAIN, records=chain_records(chain=POLICY_CHAIN).order_by("-seq")[:20]),
    }
    return render(request, "bidding/direct_pick_policies.html", context, status=status)


@role_required("bureau")
@require_safe
def bureau_direct_picks(request):
    """Every direct pick in scope, flagged for supervision."""
    page = Paginator(direct_picks_for_bureau(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "bidding/direct_picks.html", {"page": page})
