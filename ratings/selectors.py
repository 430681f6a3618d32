"""Rating reads: deadlines, what a request's ratings are, recent comments for the registry."""

from datetime import datetime

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from audit.models import AuditRecord
from market.models import ServiceRequest
from ratings.models import Rating

RATEABLE = (ServiceRequest.Status.COMPLETED, ServiceRequest.Status.RATED, ServiceRequest.Status.CLOSED)


def request_completed_at(request: ServiceRequest) -> datetime | None:
    """When the request reached `completed`: its audit record, else (while it is still
    completed) its `status_changed_at`."""
    from market.services import request_chain

    at = (
        AuditRecord.objects.filter(chain=request_chain(request), to_state=ServiceRequest.Status.COMPLETED)
        .order_by("-seq").values_list("at", flat=True).first()
    )
    if at is None and request.status == ServiceRequest.Status.COMPLETED:
        at = request.status_changed_at
    return at


def rating_due(request: ServiceRequest) -> datetime | None:
    """The end of the rating period (rule `rating_days`, calendar days after completion)."""
    from core.calendar import day_due
    from core.rules import rule_int

    completed = request_completed_at(request)
    return None if completed is None else day_due(completed, rule_int("rating_days"))


def dispute_due(rating: Rating) -> datetime:
    """The last moment the rated party may dispute `rating` (rule `rating_dispute_workdays`)."""
    from core.calendar import workday_due
    from core.rules import rule_int

    return workday_due(rating.created_at, rule_int("rating_dispute_workdays"))


def ratings_of_request(*, request_id: int) -> dict[str, Rating]:
    """The request's ratings by side, with any dispute."""
    rows = Rating.objects.filter(request_id=request_id).select_related("dispute", "rater", "rated")
    return {r.side: r for r in rows}


def recent_comments(*, organisation_ids: list[int], per_firm: int = 3) -> dict[int, list[Rating]]:
    """The latest owner comments on each firm (voided ones included, marked): one query."""
    if not organisation_ids:
        return {}
    rows = (
        Rating.objects.filter(rated_id__in=organisation_ids, side=Rating.Side.OWNER)
        .exclude(comment="")
        .annotate(rn=Window(RowNumber(), partition_by=[F("rated_id")], order_by=[F("created_at").desc(), F("id").desc()]))
        .filter(rn__lte=per_firm)
        .order_by("rated_id", "rn")
    )
    found: dict[int, list[Rating]] = {}
    for row in rows:
        found.setdefault(row.rated_id, []).append(row)
    return found


def ratings_received(*, organisation_id: int) -> QuerySet[Rating]:
    return (
        Rating.objects.filter(rated_id=organisation_id)
        .select_related("request", "rater", "dispute")
        .order_by("-created_at", "-id")
    )


def disputes_pending(*, user) -> QuerySet:
    """Rating disputes the officer answers: city staff all, county staff their county's."""
    from ratings.models import RatingDispute

    org = user.organisation
    qs = RatingDispute.objects.filter(decision=RatingDispute.Decision.PENDING).select_related(
        "rating", "rating__request", "rating__rater", "rating__rated"
    )
    if not (org and org.is_bureau):
        return qs.none()
    return qs if org.region.is_city else qs.filter(rating__request__region_id=org.region_id)


# ---------------------------------------------------------------------------------------
# A firm's track record (业绩): what owners choose by on its registry page


DONE = (ServiceRequest.Status.COMPLETED, ServiceRequest.Status.RATED, ServiceRequest.Status.CLOSED)
UNDER_WAY = (ServiceRequest.Status.CONTRACTING, ServiceRequest.Status.IN_SERVICE, ServiceRequest.Status.DELIVERED)


def firm_track_record(*, organisation_id: int, limit: int = 20) -> dict:
    """The firm's services on this platform: how many were completed (accepted by the
    owner), their contract total, how many are under way or were terminated for breach,
    and the latest completed ones with their amount and the owner's rating (voided and
    default ratings marked). Three queries."""
    from django.db.models import Count, Q, Sum

    mine = ServiceRequest.objects.filter(selected_firm_id=organisation_id)
    totals = mine.aggregate(
        completed=Count("id", filter=Q(status__in=DONE)),
        amount=Sum("contract_amount", filter=Q(status__in=DONE)),
        under_way=Count("id", filter=Q(status__in=UNDER_WAY)),
        terminated=Count("id", filter=Q(status=ServiceRequest.Status.TERMINATED)),
    )
    rows = list(
        mine.filter(status__in=DONE).select_related("owner", "service_item", "region")
        .order_by(F("completed_at").desc(nulls_last=True), "-id")[:limit]
    )
    ratings = {
        r.request_id: r
        for r in Rating.objects.filter(request__in=[r.pk for r in rows], side=Rating.Side.OWNER)
    }
    for row in rows:
        row.owner_rating = ratings.get(row.pk)
    return {**totals, "amount": totals["amount"] or 0, "rows": rows}


# ---------------------------------------------------------------------------------------
# To-do items of ratings (registered with market.selectors.todo_for in RatingsConfig.ready)


def rating_todo_items(user, org, now) -> list:
    """Ratings waiting on `org`: the owner's rating of the firm and the firm's rating of
    the owner (each by the `rating_days` deadline), a rating received that may still be
    disputed (optional, by its dispute deadline), and for the bureau the disputes it
    answers in its scope. A fixed number of queries."""
    from market.selectors import _todo

    items = []
    if org.is_owner or org.is_intermediary:
        side = Rating.Side.OWNER if org.is_owner else Rating.Side.FIRM
        mine = ServiceRequest.objects.filter(status__in=RATEABLE, **({"owner": org} if org.is_owner else
                                                                   {"selected_firm": org}))
        rated = set(Rating.objects.filter(request__in=mine, side=side).values_list("request_id", flat=True))
        completed = {r.pk: r for r in mine.select_related("owner", "selected_firm", "region", "service_item")}
        for req in completed.values():
            if req.pk in rated or (org.is_owner and req.status != ServiceRequest.Status.COMPLETED):
                continue
            due = rating_due(req)
            if org.is_intermediary and due is not None and due < now:
                continue  # the firm's rating of the owner is closed after the period
            action = "评价中介机构服务（逾期默认满意）" if org.is_owner else "评价项目业主"
            items.append(_todo(req, action, due, now, url=f"/ratings/{req.code}/"))
        received = (Rating.objects.filter(rated=org, dispute__isnull=True).exclude(status=Rating.Status.VOIDED)
                    .select_related("request", "request__owner", "request__region", "request__service_item"))
        for rating in received:
            until = dispute_due(rating)
            if until >= now:
                items.append(_todo(rating.request, "如对收到的评价有异议，可提出一次", until, now,
                                   url=f"/ratings/{rating.request.code}/", optional=True))
    return items
