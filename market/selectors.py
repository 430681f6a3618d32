"""Reads of the market: rules, the working-day calendar, eligibility, lists and scopes."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import chinese_calendar
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation
from credit.selectors import credit_restriction, restricting_events
from market.models import CalendarDay, Entry, Qualification, RequestExclusion, Rule, ServiceItem, ServiceRequest
from market.rules import RULES

# ---------------------------------------------------------------------------------------
# Rules


def rule_value(key: str) -> Decimal:
    """The value in force of the rule `key`: the bureau's setting, else the default.

    Raises KeyError for a key that is not a known rule, so a typo fails loudly.
    """
    default = RULES[key]
    stored = Rule.objects.filter(key=key).values_list("value", flat=True).first()
    return default.value if stored is None else stored


def rule_int(key: str) -> int:
    return int(rule_value(key))


def auction_default_step(*, ceiling: Decimal) -> Decimal:
    """The default minimum decrement of an auction: the rule `auction_default_step_percent`
    of the ceiling, rounded to the fen, at least 0.01 yuan."""
    step = (ceiling * rule_value("auction_default_step_percent") / 100).quantize(Decimal("0.01"))
    return max(step, Decimal("0.01"))


# ---------------------------------------------------------------------------------------
# Working days (Chinese calendar: public holidays and 调休 make-up working days)


def _library_is_workday(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None  # a year the library does not know yet


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def _is_workday(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    known = _library_is_workday(day)
    if known is not None:
        return known
    # Unknown year and no bureau entry: Monday to Friday until the bureau fills the table.
    return day.weekday() < 5


def workday_is(day: date) -> bool:
    """Whether `day` is a working day: the bureau's table first, then chinese-calendar."""
    return _is_workday(day, _overrides(day, day))


def workday_add(day: date, n: int) -> date:
    """The n-th working day after `day` (n >= 1); `day` itself does not count. One query."""
    if n < 1:
        raise ValueError("n must be at least 1")
    # Long holidays (Spring Festival) never hold more than ~10 days off in a row.
    overrides = _overrides(day, day + timedelta(days=n * 3 + 20))
    current, found = day, 0
    while found < n:
        current += timedelta(days=1)
        if _is_workday(current, overrides):
            found += 1
    return current


def workday_shift(at: datetime, n: int) -> datetime:
    """The same local clock time on the n-th working day after `at`'s date."""
    local = timezone.localtime(at)
    target = workday_add(local.date(), n)
    return timezone.make_aware(datetime.combine(target, local.time().replace(tzinfo=None)))


def workday_due(at: datetime, n: int) -> datetime:
    """A deadline of "within n working days": the end of the n-th working day after `at`."""
    local = timezone.localtime(at)
    target = workday_add(local.date(), n)
    return timezone.make_aware(datetime.combine(target, time(23, 59, 59)))


def day_due(at: datetime, n: int) -> datetime:
    """A deadline of "within n (calendar) days": the end of the n-th day after `at`."""
    local = timezone.localtime(at)
    return timezone.make_aware(datetime.combine(local.date() + timedelta(days=n), time(23, 59, 59)))


# ---------------------------------------------------------------------------------------
# Eligibility: the one door every participation goes through


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    code: str = ""
    message: str = ""


ELIGIBLE = Eligibility(True)


def allowed_grades(item: ServiceItem) -> list[str] | None:
    """Grades that satisfy the item's minimum grade; None means any grade will do."""
    qtype = item.qualification_type
    if qtype is None or not item.min_grade or qtype.grade_rank(item.min_grade) < 0:
        return None
    return list(qtype.grades)[qtype.grade_rank(item.min_grade):]


def qualifying_certificates(*, item: ServiceItem, on: date) -> QuerySet[Qualification]:
    """Certificates that qualify their holder for `item` on date `on`."""
    qs = Qualification.objects.filter(qualification_type_id=item.qualification_type_id, valid_until__gte=on)
    grades = allowed_grades(item)
    if grades is not None:
        qs = qs.filter(grade__in=grades)
    return qs


def firm_eligibility(*, organisation: Organisation, request: ServiceRequest, at: datetime | None = None) -> Eligibility:
    """May this firm take part in this request now, and if not, why.

    Checked at every door (invitation, sign-up, selection). A fixed number of queries,
    whatever the firm's history: entry, qualification, exclusion, credit.
    """
    at = at or timezone.now()
    if not organisation.is_intermediary:
        return Eligibility(False, "not_intermediary", "只有已入驻的中介机构可以报名。")
    if not Entry.objects.filter(organisation=organisation, status=Entry.Status.APPROVED).exists():
        return Eligibility(False, "not_approved", "该机构尚未通过入驻审核。")
    item = request.service_item
    if item.qualification_type_id is not None:
        on = timezone.localdate(at)
        if not qualifying_certificates(item=item, on=on).filter(organisation=organisation).exists():
            held = Qualification.objects.filter(organisation=organisation, qualification_type_id=item.qualification_type_id)
            if held.exists():
                return Eligibility(
                    False, "qualification_expired",
                    f"该机构的“{item.qualification_type.name}”资质已过期或等级不足（要求{item.min_grade or '不限等级'}）。",
                )
            return Eligibility(False, "qualification_missing", f"该机构不具备“{item.qualification_type.name}”资质。")
    exclusion = RequestExclusion.objects.filter(request=request, organisation=organisation).first()
    if exclusion is not None:
        return Eligibility(False, "conflict_of_interest", f"该机构需回避本项目：{exclusion.reason}")
    restriction = credit_restriction(organisation_id=organisation.pk, at=at)
    if restriction is not None:
        return Eligibility(False, "restricted", restriction.message)
    return ELIGIBLE


def eligible_firms(*, request: ServiceRequest, at: datetime | None = None) -> QuerySet[Organisation]:
    """Every firm that `firm_eligibility` would accept for `request` at `at`, in one query."""
    at = at or timezone.now()
    qs = Organisation.objects.filter(
        kind=Organisation.Kind.INTERMEDIARY, entry__status=Entry.Status.APPROVED
    ).exclude(pk__in=RequestExclusion.objects.filter(request=request).values("organisation_id"))
    item = request.service_item
    if item.qualification_type_id is not None:
        certs = qualifying_certificates(item=item, on=timezone.localdate(at)).filter(organisation=OuterRef("pk"))
        qs = qs.filter(Exists(certs))
    return qs.exclude(Exists(restricting_events(at=at).filter(organisation=OuterRef("pk"))))


# ---------------------------------------------------------------------------------------
# Requests: public lists and scopes

PUBLIC_STATUSES = [s for s in ServiceRequest.Status.values if s != ServiceRequest.Status.DRAFT]


def announcement_list(
    *,
    region: str = "",
    service_item: str = "",
    method: str = "",
    status: str = "",
    q: str = "",
) -> QuerySet[ServiceRequest]:
    """Public announcements, newest first, with what a list row shows (no N+1)."""
    qs = (
        ServiceRequest.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("region", "service_item", "owner")
        .order_by("-published_at", "-id")
    )
    if region:
        qs = qs.filter(region_id=region)
    if service_item:
        qs = qs.filter(service_item__code=service_item)
    if method:
        qs = qs.filter(method=method)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__iexact=q.strip()))
    return qs


def registry_list(*, q: str = "", qualification: str = "") -> QuerySet[Organisation]:
    """Approved intermediaries with their qualifications (two queries, whatever the count)."""
    qs = (
        Organisation.objects.filter(kind=Organisation.Kind.INTERMEDIARY, entry__status=Entry.Status.APPROVED)
        .select_related("region", "entry")
        .prefetch_related("qualifications__qualification_type")
        .order_by("name")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q.strip()))
    if qualification:
        qs = qs.filter(qualifications__qualification_type__code=qualification).distinct()
    return qs


def request_visible_to_bureau(*, user, request: ServiceRequest) -> bool:
    """City bureau staff see every request; county staff only their county's."""
    org = user.organisation
    return bool(org and org.is_bureau and (org.region.is_city or org.region_id == request.region_id))


def requests_for_bureau(*, user) -> QuerySet[ServiceRequest]:
    org = user.organisation
    qs = ServiceRequest.objects.select_related("region", "service_item", "owner")
    if not (org and org.is_bureau):
        return qs.none()
    return qs if org.region.is_city else qs.filter(region_id=org.region_id)


def entries_for_bureau(*, user) -> QuerySet[Entry]:
    """Entry applications a bureau officer reviews: city staff all, county staff their county's firms."""
    org = user.organisation
    qs = Entry.objects.select_related("organisation", "organisation__region")
    if not (org and org.is_bureau):
        return qs.none()
    return qs if org.region.is_city else qs.filter(organisation__region_id=org.region_id)


def signup_counts(*, requests: list[ServiceRequest]) -> dict[int, int]:
    """Sign-ups of the current round per request, for a page of requests (one query)."""
    from bidding.models import SignUp

    rounds = {r.pk: r.publish_count for r in requests}
    rows = (
        SignUp.objects.filter(request_id__in=rounds.keys())
        .values("request_id", "round")
        .annotate(n=Count("id"))
    )
    return {row["request_id"]: row["n"] for row in rows if rounds.get(row["request_id"]) == row["round"]}
