"""Reads of the API: what each caller may see. Public data for everyone; a key adds its
organisation's (or county's) own: drafts, registrants, deadlines."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Organisation
from core.jurisdiction import bureau_covers
from credit.selectors import restricting_events
from docking.methods import METHODS
from docking.models import ApiKey
from market.models import Entry, ServiceRequest, SignUp
from market.selectors import PUBLIC_STATUSES, registry_list

S = ServiceRequest.Status
RESULT_STATES = [S.AWAITING_CONFIRMATION, S.PUBLICITY, S.OBJECTION, S.CONTRACTING, S.IN_SERVICE, S.DELIVERED,
                 S.COMPLETED, S.RATED, S.TERMINATED, S.FAILED]
DONE_STATES = [S.COMPLETED, S.RATED]
REQUEST_RELATED = ("owner", "selected_firm", "region", "service_item", "external")


def requests_visible(key: ApiKey | None) -> QuerySet[ServiceRequest]:
    """Requests a caller may read one by one: every published one, plus the drafts of the
    key's organisation or of the county platform's county."""
    qs = ServiceRequest.objects.select_related(*REQUEST_RELATED)
    visible = Q(status__in=PUBLIC_STATUSES)
    if key is not None:
        if key.is_county:
            visible |= Q(region_id=key.county_id)
        else:
            visible |= Q(owner_id=key.organisation_id)
    return qs.filter(visible)


def requests_of_key(key: ApiKey) -> QuerySet[ServiceRequest]:
    """The key's own requests in every state: a county platform's county; an owner's
    requests; a firm's sign-ups and selections; a bureau's region (city: all)."""
    qs = ServiceRequest.objects.select_related(*REQUEST_RELATED)
    org = key.organisation
    if key.is_county:
        return qs.filter(region_id=key.county_id)
    if org.is_owner:
        return qs.filter(owner=org)
    if org.is_intermediary:
        return qs.filter(Q(selected_firm=org) | Q(Exists(SignUp.objects.filter(request=OuterRef("pk"), organisation=org))))
    if org.is_bureau:
        return qs if org.region.is_city else qs.filter(region_id=org.region_id)
    return qs.none()


def key_sees_private(key: ApiKey | None, req: ServiceRequest) -> bool:
    """Whether the key may read the request's registrants and deadlines: its owner, the
    county platform of its region, bureau staff in scope."""
    if key is None:
        return False
    if key.is_county:
        return req.region_id == key.county_id
    org = key.organisation
    if org.is_owner:
        return req.owner_id == org.pk
    if org.is_bureau:
        return org.region.is_city or org.region_id == req.region_id
    return False


def since_parse(value: str | None) -> datetime | None:
    """An ISO 8601 time (a date alone is its midnight, Beijing time); None when absent.
    Raises ValueError for anything else."""
    if not value:
        return None
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    parsed = datetime.fromisoformat(text)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def results_since(*, since: datetime | None, region: str = "") -> QuerySet[ServiceRequest]:
    """Requests with a result (selected, contracted, completed, failed …), oldest change
    first: a puller keeps the last `changed_at` it saw (or the page cursor)."""
    qs = ServiceRequest.objects.select_related(*REQUEST_RELATED).filter(status__in=RESULT_STATES)
    if since is not None:
        qs = qs.filter(status_changed_at__gte=since)
    if region:
        qs = qs.filter(region_id=region)
    return qs


def registry_rows(*, q: str = "", qualification: str = "", since: datetime | None = None,
                  now: datetime | None = None) -> QuerySet[Organisation]:
    """The registry with what a machine needs in one pass: restricted or not, completed
    services and ratings (counts annotated, no N+1)."""
    now = now or timezone.now()
    qs = registry_list(q=q, qualification=qualification).annotate(
        restricted=Exists(restricting_events(at=now).filter(organisation=OuterRef("pk"))),
        completed_count=Count("selected_requests", filter=Q(selected_requests__status__in=DONE_STATES), distinct=True),
        in_service_count=Count("selected_requests", filter=Q(selected_requests__status__in=[S.CONTRACTING, S.IN_SERVICE, S.DELIVERED]),
                               distinct=True),
    ).prefetch_related("staff")
    if since is not None:
        qs = qs.filter(entry__approved_at__gte=since)
    return qs


def statistics(*, region: str = "", since: datetime | None = None) -> dict:
    """Public, city-wide (or one region's) counts: requests by state, deals, the money
    against ceilings, firms in the registry. A handful of aggregate queries."""
    qs = ServiceRequest.objects.filter(status__in=PUBLIC_STATUSES)
    if region:
        qs = qs.filter(region_id=region)
    if since is not None:
        qs = qs.filter(published_at__gte=since)
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    contracted = qs.filter(contract_amount__isnull=False, status__in=[S.IN_SERVICE, S.DELIVERED, S.COMPLETED, S.RATED,
                                                                       S.TERMINATED])
    money = contracted.aggregate(ceiling=Sum("ceiling"), contract=Sum("contract_amount"), n=Count("id"))
    by_method = dict(qs.values_list("method").annotate(n=Count("id")).values_list("method", "n"))
    published = sum(by_status.values())
    deals = money["n"] or 0
    failed = by_status.get(S.FAILED, 0)
    ceiling, contract = money["ceiling"] or Decimal(0), money["contract"] or Decimal(0)
    return {
        "region": region or None,
        "since": since,
        "requests_published": published,
        "requests_by_status": {status: by_status.get(status, 0) for status in PUBLIC_STATUSES},
        "requests_by_method": {m: by_method.get(m, 0) for m in METHODS},
        "deals": deals,
        "failed": failed,
        "ceiling_total": ceiling.quantize(Decimal("0.01")),
        "contract_total": contract.quantize(Decimal("0.01")),
        "savings_rate": float(((ceiling - contract) / ceiling).quantize(Decimal("0.0001"))) if ceiling else None,
        "signups": SignUp.objects.filter(request__in=qs).count(),
        "registry_firms": Entry.objects.filter(status=Entry.Status.APPROVED).count(),
    }


def bureau_key_covers(key: ApiKey, region_id: str) -> bool:
    return key.organisation.is_bureau and bureau_covers(user=_KeyUser(key), region_id=region_id)


class _KeyUser:
    is_authenticated = True

    def __init__(self, key: ApiKey):
        self.organisation = key.organisation
