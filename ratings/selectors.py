"""Rating reads: deadlines, what a request's ratings are, recent comments for the registry."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from audit.models import AuditRecord
from core.jurisdiction import bureau_filter
from credit.selectors import RatingInputs
from market.models import ServiceRequest
from ratings.models import OWNER_DIMENSIONS, Rating, SectorRating

RATEABLE = (ServiceRequest.Status.COMPLETED, ServiceRequest.Status.RATED)


def request_completed_at(request: ServiceRequest) -> datetime | None:
    """When the request reached `completed`: its audit record, else (while it is still
    completed) its `status_changed_at`."""
    from market.lifecycle import request_chain

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
    qs = RatingDispute.objects.filter(status=RatingDispute.Status.PENDING).select_related(
        "rating", "rating__request", "rating__rater", "rating__rated"
    )
    if not (org and org.is_bureau):
        return qs.none()
    return bureau_filter(qs, user=user, field="rating__request__region_id")


DEFAULT_RATING_SCORE = Decimal("4")  # a default 满意 counts as 4 of 5 on every dimension
MEAN_PLACES = Decimal("0.00001")  # what credit.CreditScore keeps of a mean


def rating_inputs(*, organisation_id: int) -> RatingInputs:
    """The aggregates of a firm's ratings that its credit score needs (three queries):
    the owners' counted ratings (voided ones excluded; a default 满意 counts 4 on every
    dimension) and the sector ratings. Handed to `credit.services.credit_score_refresh`."""
    owner_ratings = Rating.objects.filter(rated_id=organisation_id, side=Rating.Side.OWNER)
    dims = [name for name, _label in OWNER_DIMENSIONS]
    explicit = owner_ratings.filter(is_default=False).exclude(status=Rating.Status.VOIDED).aggregate(
        n=Count("id"), **{f"{d}_avg": Avg(d) for d in dims}
    )
    counts = owner_ratings.aggregate(
        defaults=Count("id", filter=Q(is_default=True) & ~Q(status=Rating.Status.VOIDED)),
        voided=Count("id", filter=Q(status=Rating.Status.VOIDED)),
    )
    n, n_default = explicit["n"], counts["defaults"]
    owner_mean = None
    if n + n_default:
        explicit_mean = sum(Decimal(str(explicit[f"{d}_avg"])) for d in dims) / len(dims) if n else Decimal(0)
        owner_mean = (explicit_mean * n + DEFAULT_RATING_SCORE * n_default) / (n + n_default)
    sector = SectorRating.objects.filter(firm_id=organisation_id).aggregate(n=Count("id"), avg=Avg("quality"))
    return RatingInputs(
        rating_count=n, default_count=n_default, voided_count=counts["voided"],
        owner_mean=None if owner_mean is None else owner_mean.quantize(MEAN_PLACES),
        dimension_avgs={d: None if explicit[f"{d}_avg"] is None else Decimal(str(explicit[f"{d}_avg"])).quantize(
            Decimal("0.01")) for d in dims},
        sector_count=sector["n"],
        sector_mean=None if not sector["n"] else Decimal(str(sector["avg"])).quantize(MEAN_PLACES),
    )


def ratings_todo_items(*, user, now: datetime) -> list[tuple[ServiceRequest, str, datetime | None, str]]:
    """What ratings wait on the user's organisation (request, action, due, url): the owner
    rates the firm of an accepted request, the firm rates the owner, the rated party may
    dispute a rating within its period, the bureau answers disputes in its scope."""
    org = user.organisation if getattr(user, "is_authenticated", False) else None
    if org is None:
        return []
    items = []
    related = ("owner", "selected_firm", "region", "service_item")
    if org.is_owner or org.is_intermediary:
        side = Rating.Side.OWNER if org.is_owner else Rating.Side.FIRM
        mine = ServiceRequest.objects.filter(status__in=RATEABLE).select_related(*related)
        mine = mine.filter(owner=org) if org.is_owner else mine.filter(selected_firm=org)
        rated = set(Rating.objects.filter(request__in=mine, side=side).values_list("request_id", flat=True))
        for req in mine.exclude(pk__in=rated)[:100]:
            due = rating_due(req)
            if due is None or due >= now:
                action = "评价中介机构的服务" if org.is_owner else "评价项目业主"
                items.append((req, action, due, f"/ratings/{req.code}/"))
        received = (Rating.objects.filter(rated=org, dispute__isnull=True, status=Rating.Status.COUNTED, is_default=False)
                    .exclude(overall=Rating.Overall.SATISFIED).select_related(*(f"request__{f}" for f in related)))
        for rating in received[:100]:
            due = dispute_due(rating)
            if due >= now:
                items.append((rating.request, f"可对“{rating.get_overall_display()}”评价提出异议", due,
                              f"/ratings/{rating.request.code}/"))
    elif org.is_bureau:
        for dispute in disputes_pending(user=user).select_related(*(f"rating__request__{f}" for f in related))[:100]:
            items.append((dispute.rating.request, f"答复{dispute.rating.rated.name}的评价异议", dispute.answer_due,
                          f"/ratings/{dispute.rating.request.code}/"))
    return items


# ---------------------------------------------------------------------------------------
# A firm's track record (业绩): what owners choose by on its registry page


DONE = (ServiceRequest.Status.COMPLETED, ServiceRequest.Status.RATED)
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
