"""The selection methods this app implements, registered with `market.selection` in
`BiddingConfig.ready()`: the random draw (随机选取, the public recipe YCZJCS-DRAW-v1),
the live reverse auction (竞价选取), direct pick (直接选取) and comparison selection
(询比选取: sealed quotes, opening, scoring). Each is a thin plug-in over its own services;
all of them end in `market.services_requests.request_select`."""

from datetime import datetime
from decimal import Decimal

from django.urls import reverse

from bidding import draw as recipe
from core.rules import rule_int, rule_text
from market.extensions import Panel, TodoItem
from market.selection import SelectionMethod

DRAW = "draw"
AUCTION = "auction"
DIRECT = "direct"
COMPARISON = "comparison"


class DrawMethod(SelectionMethod):
    """随机选取: commit to a secret nonce at publication; draw once at the selection time
    among the eligible registrants; the ranking is the draw's."""

    code = DRAW
    label = "随机选取"
    ranking_label = "随机排序"

    def on_publish(self, request, *, now: datetime) -> dict:
        nonce = recipe.make_nonce()
        request.draw_commitment = recipe.commitment_of(nonce)
        request.draw_nonce = nonce.hex()
        return {"commitment": request.draw_commitment}

    def is_due(self, request, *, now: datetime) -> bool:
        return request.selection_at is not None and request.selection_at <= now

    def advance(self, request, *, now: datetime) -> None:
        from bidding.services_draw import draw_run

        draw_run(request_id=request.pk, now=now)

    def sweep(self, *, now: datetime) -> int:
        from bidding.services_draw import draws_sweep_due

        return draws_sweep_due(now=now)

    def ranking(self, request) -> list[str]:
        from bidding.models import Draw

        record = Draw.objects.filter(request=request).values_list("record", flat=True).first()
        return [entry["code"] for entry in record["ranking"]] if record else []

    def ocds_tender(self, request) -> dict:
        return {"procurementMethod": "open", "procurementMethodDetails": "随机选取（YCZJCS-DRAW-v1，可复核）",
                "awardCriteriaDetails": "随机选取：按公开算法由承诺随机数与报名池计算排序"}

    def result_url(self, request) -> str:
        return reverse("bidding:draw_result", args=[request.code])

    def panel(self, request, user) -> Panel | None:
        if request.status == "draft":
            return None
        return Panel("bidding/partials/draw_link.html", {"req": request, "url": self.result_url(request)}, order=10)


class AuctionMethod(SelectionMethod):
    """竞价选取: a live reverse auction at the selection time; the lowest valid price wins,
    the earlier bid on equal amounts; the ranking is each bidder's best bid."""

    code = AUCTION
    label = "竞价选取"
    ranking_label = "竞价排名"

    def publish_errors(self, request, *, now: datetime) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if request.min_step is not None and request.ceiling and request.min_step >= request.ceiling:
            errors["min_step"] = ["最小降价幅度必须小于最高限价。"]
        if not 1 <= request.auction_minutes <= 240:
            errors["auction_minutes"] = ["竞价时长应在1至240分钟之间。"]
        return errors

    def on_signup_closed(self, request, *, now: datetime) -> None:
        from bidding.services_auction import auction_create

        auction_create(request=request, now=now)

    def is_due(self, request, *, now: datetime) -> bool:
        from bidding.services_auction import auction_due_for

        return auction_due_for(request=request, now=now)

    def advance(self, request, *, now: datetime) -> None:
        from bidding.services_auction import auction_refresh

        auction_refresh(request=request, now=now)

    def sweep(self, *, now: datetime) -> int:
        from bidding.services_auction import auctions_sweep_due

        return auctions_sweep_due(now=now)

    def ranking(self, request) -> list[str]:
        from bidding.selectors_auction import auction_closed_ranking

        return [row["code"] for row in auction_closed_ranking(request=request)]

    def price(self, request, firm) -> Decimal:
        """The firm's own best bid (a substitute contracts at its own price)."""
        from bidding.selectors_auction import auction_closed_ranking

        for row in auction_closed_ranking(request=request):
            if row.get("code") == firm.uscc and row.get("amount") is not None:
                return Decimal(str(row["amount"]))
        return request.ceiling

    def ocds_tender(self, request) -> dict:
        return {"procurementMethod": "open", "procurementMethodDetails": "竞价选取（网上反向竞价，最低有效报价中选）",
                "awardCriteria": "priceOnly"}

    def result_url(self, request) -> str:
        return reverse("bidding:auction_room", args=[request.code])

    def panel(self, request, user) -> Panel | None:
        if request.status == "draft":
            return None
        from bidding.selectors_auction import auction_current

        return Panel("bidding/partials/auction_link.html",
                     {"req": request, "auction": auction_current(request=request), "url": self.result_url(request),
                      "extension": rule_text("auction_extension_seconds")}, order=10)


class DirectMethod(SelectionMethod):
    """直接选取: the owner picks among the registrants, with a reason, where the city
    bureau's policy allows it for the request's region and funding; one valid registrant
    is enough."""

    code = DIRECT
    label = "直接选取"
    public = False

    def publish_errors(self, request, *, now: datetime) -> dict[str, list[str]]:
        from bidding.services_direct import direct_pick_allowed

        if direct_pick_allowed(region_id=request.region_id, funding=request.funding):
            return {}
        return {"method": [f"直接选取仅在规定情形下适用：{request.region.name}{request.get_funding_display()}项目未被允许"
                           f"按直接选取方式发布（第{rule_int('direct_pick_after_failures')}次流标后可在报名机构中直接选取）。"]}

    def minimum(self, request) -> int:
        return 1

    def ocds_tender(self, request) -> dict:
        return {"procurementMethod": "direct", "procurementMethodDetails": "直接选取"}


class ComparisonMethod(SelectionMethod):
    """询比选取: criteria published with the announcement; a sealed quote and response
    document per registrant until the sign-up deadline; opened at the selection time; the
    panel scores the quality items with reasons; the highest total wins (ties: lower
    price, then earlier submission). Services: `bidding.services_comparison`."""

    code = COMPARISON
    label = "询比选取"
    ranking_label = "询比评审排名"

    def publish_errors(self, request, *, now: datetime) -> dict[str, list[str]]:
        from bidding.services_comparison import criteria_publish_errors

        return criteria_publish_errors(request)

    def on_publish(self, request, *, now: datetime) -> dict:
        from bidding.services_comparison import comparison_criteria_freeze

        return comparison_criteria_freeze(request=request, now=now)

    def is_due(self, request, *, now: datetime) -> bool:
        from bidding.services_comparison import comparison_due

        return comparison_due(request=request, now=now)

    def advance(self, request, *, now: datetime) -> None:
        from bidding.services_comparison import comparison_advance

        comparison_advance(request=request, now=now)

    def sweep(self, *, now: datetime) -> int:
        from bidding.services_comparison import comparisons_sweep_due

        return comparisons_sweep_due(now=now)

    def ranking(self, request) -> list[str]:
        from bidding.models import ComparisonOpening

        opening = ComparisonOpening.objects.filter(request=request, round=request.publish_count,
                                                   status=ComparisonOpening.Status.EVALUATED).first()
        return [row["code"] for row in opening.result] if opening else []

    def price(self, request, firm) -> Decimal:
        """The firm's own quote, once opened (a substitute contracts at its own quote)."""
        from bidding.models import ComparisonQuote

        amount = (ComparisonQuote.objects.filter(request=request, round=request.publish_count, organisation=firm,
                                                 opened_at__isnull=False).values_list("amount", flat=True).first())
        return amount if amount is not None else request.ceiling

    def ocds_tender(self, request) -> dict:
        from bidding.selectors_comparison import criteria_of
        from bidding.services_comparison import criteria_public

        tender = {"procurementMethod": "open", "procurementMethodDetails": "询比选取（密封报价，开标后按公布的评审标准综合评分）",
                  "awardCriteria": "ratedCriteria", "submissionMethod": ["electronicSubmission"]}
        criteria = criteria_of(request=request)
        if criteria is not None:
            public = criteria_public(criteria)
            parts = [f"价格分{public['price_weight']}分（{public['formula_text']}）"]
            parts += [f"{item['name']}{item['weight']}分" for item in public["items"]]
            tender["awardCriteriaDetails"] = "；".join(parts)
        return tender

    def result_url(self, request) -> str:
        return reverse("bidding:comparison", args=[request.code])

    def panel(self, request, user) -> Panel | None:
        from bidding.selectors_comparison import comparison_panel_context

        return Panel("bidding/partials/comparison_panel.html",
                     {**comparison_panel_context(request=request, user=user), "url": self.result_url(request),
                      "scoring_days": rule_text("comparison_scoring_workdays")}, order=10)


def direct_pick_panel(request, user) -> Panel | None:
    """The owner's direct-pick form (for any method after failures, or a direct request),
    and the flag every party and the bureau see on a direct pick."""
    from bidding.services_direct import direct_pick_candidates, direct_pick_open

    org_id = user.organisation_id if getattr(user, "is_authenticated", False) else None
    route = direct_pick_open(request) if org_id and org_id == request.owner_id else ""
    if not route and not request.direct_pick:
        return None
    return Panel("bidding/partials/direct_pick.html", {
        "req": request, "route": route,
        "candidates": direct_pick_candidates(request=request) if route else [],
        "failures_needed": rule_int("direct_pick_after_failures"),
    }, order=20)


def direct_pick_todo(user, now: datetime) -> list[TodoItem]:
    """The owner's direct picks waiting on it: a direct request whose sign-up closed, and
    a request failed often enough to be picked directly (or published again)."""
    from market.lifecycle import S
    from market.models import ServiceRequest

    org = user.organisation if getattr(user, "is_authenticated", False) else None
    if org is None or not org.is_owner:
        return []
    mine = ServiceRequest.objects.filter(owner=org).select_related("owner", "region", "service_item")
    items = [TodoItem(r, "在报名机构中直接选取", None, False) for r in mine.filter(status=S.SELECTING, method=DIRECT)]
    after = rule_int("direct_pick_after_failures")
    items += [TodoItem(r, "重新发布或在报名机构中直接选取", None, False)
              for r in mine.filter(status=S.FAILED, failure_count__gte=after)]
    return items


def auction_todo(user, now: datetime) -> list[TodoItem]:
    """A firm's live or scheduled auctions it signed up for (this round): bid in the room."""
    from bidding.models import Auction
    from market.lifecycle import S
    from market.models import ServiceRequest, SignUp

    org = user.organisation if getattr(user, "is_authenticated", False) else None
    if org is None or not org.is_intermediary:
        return []
    auctions = Auction.objects.filter(
        status__in=[Auction.Status.SCHEDULED, Auction.Status.LIVE], request__status=S.SELECTING,
        request__in=ServiceRequest.objects.filter(
            pk__in=SignUp.objects.filter(organisation=org).values("request_id")),
    ).select_related("request", "request__owner", "request__region", "request__service_item")
    return [TodoItem(a.request, "参加网上竞价（开始时间）" if a.status == Auction.Status.SCHEDULED else "网上竞价进行中，截止前可出价",
                     a.starts_at if a.status == Auction.Status.SCHEDULED else a.ends_at, False,
                     url=f"/requests/{a.request.code}/auction/") for a in auctions]
