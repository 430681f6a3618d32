"""Reads of the market: eligibility (the one door), lists, scopes, prices and to-do lists."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation
from core.jurisdiction import bureau_covers, bureau_filter
from credit.selectors import credit_restriction, restricting_events
from market.extensions import TodoItem
from market.models import (
    Entry,
    Qualification,
    RequestExclusion,
    ServiceItem,
    ServiceRequest,
)

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


def firm_eligibility_expression(*, organisation_id: int, request: ServiceRequest, at: datetime) -> ExpressionWrapper:
    """A boolean SQL expression, for `.annotate()` on any query: whether `firm_eligibility`
    would accept this intermediary for `request` at `at` (entry approved, qualifying
    certificate on the day, no exclusion, no credit restriction in force). For a hot path
    that must re-check eligibility at every call without a round trip of its own; the
    caller has checked that the firm is an intermediary, and asks `firm_eligibility` for
    the reason when this is false."""
    ok = Q(Exists(Entry.objects.filter(organisation_id=organisation_id, status=Entry.Status.APPROVED)))
    item = request.service_item
    if item.qualification_type_id is not None:
        ok &= Q(Exists(qualifying_certificates(item=item, on=timezone.localdate(at)).filter(
            organisation_id=organisation_id)))
    ok &= ~Q(Exists(RequestExclusion.objects.filter(request=request, organisation_id=organisation_id)))
    ok &= ~Q(Exists(restricting_events(at=at).filter(organisation_id=organisation_id)))
    return ExpressionWrapper(ok, output_field=BooleanField())


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


def registry_list(*, q: str = "", qualification: str = "", at: datetime | None = None) -> QuerySet[Organisation]:
    """Approved intermediaries with their qualifications and credit score (two queries,
    whatever the count), in the order owners choose by: firms free to take part first,
    then by credit score (a firm with no score snapshot yet ranks at the neutral score of
    a firm without history, not below every scored firm), then by name.

    Firms removed (清退) leave the registry for the length of their ban; a restricted
    (suspended) firm stays, annotated `is_restricted`, and pages show why and until when
    (`credit.selectors.credit_restrictions`).
    """
    from django.db.models import DecimalField, F, Value
    from django.db.models.functions import Coalesce

    from credit.selectors import neutral_score, removed_firms

    at = at or timezone.now()
    qs = (
        Organisation.objects.filter(kind=Organisation.Kind.INTERMEDIARY, entry__status=Entry.Status.APPROVED)
        .exclude(Exists(removed_firms(at=at).filter(organisation=OuterRef("pk"))))
        .annotate(
            is_restricted=Exists(restricting_events(at=at).filter(organisation=OuterRef("pk"))),
            rank_score=Coalesce(F("credit_score__score"), Value(neutral_score()),
                                output_field=DecimalField(max_digits=5, decimal_places=1)),
        )
        .select_related("region", "entry", "credit_score")
        .prefetch_related("qualifications__qualification_type")
        .order_by("is_restricted", F("rank_score").desc(), "name")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q.strip()))
    if qualification:
        qs = qs.filter(qualifications__qualification_type__code=qualification).distinct()
    return qs


def request_visible_to_bureau(*, user, request: ServiceRequest) -> bool:
    """City bureau staff see every request; county staff only their county's."""
    return bureau_covers(user=user, region_id=request.region_id)


def requests_for_bureau(*, user) -> QuerySet[ServiceRequest]:
    """Requests in the officer's scope (none for anyone else)."""
    return bureau_filter(ServiceRequest.objects.select_related("region", "service_item", "owner"), user=user)


def entries_for_bureau(*, user) -> QuerySet[Entry]:
    """Entry applications a bureau officer reviews: city staff all, county staff their county's firms."""
    return bureau_filter(Entry.objects.select_related("organisation", "organisation__region"), user=user,
                         field="organisation__region_id")


def bureau_organisations(*, region_id: str) -> QuerySet[Organisation]:
    """Bureau organisations responsible for region `region_id`: the city's and its own."""
    return Organisation.objects.filter(kind=Organisation.Kind.BUREAU).filter(
        Q(region__level="city") | Q(region_id=region_id)
    )


def signup_counts(*, requests: list[ServiceRequest]) -> dict[int, int]:
    """Sign-ups of the current round per request, for a page of requests (one query)."""
    from market.models import SignUp

    rounds = {r.pk: r.publish_count for r in requests}
    rows = (
        SignUp.objects.filter(request_id__in=rounds.keys())
        .values("request_id", "round")
        .annotate(n=Count("id"))
    )
    return {row["request_id"]: row["n"] for row in rows if rounds.get(row["request_id"]) == row["round"]}


# ---------------------------------------------------------------------------------------
# Direct pick, price, to-do lists (待办) and overdue warnings


def request_price(request: ServiceRequest) -> Decimal:
    """The amount a contract with the selected firm may not exceed: what its selection
    method says (its own bid in an auction, its quote in a comparison), else the ceiling."""
    from market.selection import method_get

    method = method_get(request.method)
    if method is None or request.selected_firm_id is None or request.direct_pick:
        return request.ceiling
    return method.price(request, request.selected_firm)


# Deadline colours (预警): yellow once half of a step's time is used, red once it is overdue.
YELLOW, RED = "yellow", "red"
LEVEL_WORDS = {YELLOW: "黄色预警", RED: "红色预警"}


def deadline_level(*, starts: datetime | None, due: datetime | None, now: datetime) -> str:
    """The colour of a step that began at `starts` and must be done by `due`, at `now`:
    RED once `due` has passed, YELLOW from the half of the allowed time on (only with a
    known start), "" otherwise or without a deadline. Pure: reads nothing."""
    if due is None:
        return ""
    if due < now:
        return RED
    if starts is not None and starts < due and now >= starts + (due - starts) / 2:
        return YELLOW
    return ""


@dataclass(frozen=True)
class StepClock:
    """The lifecycle step a request waits on: what is to be done, by whom (an
    `OverdueWarning.Step` and `.Party`, the organisation at fault), since when and by when."""

    step: str
    label: str
    party: str
    organisation_id: int | None
    starts: datetime | None
    due: datetime


def request_step_clock(request: ServiceRequest) -> StepClock | None:
    """The clock of the step `request` waits on in its lifecycle, if that step has a deadline:
    the owner confirming the result (since the selection), the owner uploading the contract
    or then the firm signing it (since publicity ended), the firm delivering (since the
    service began). The bureau's answers (objections, terminations) are clocks of their
    own items. Pure: reads only the row."""
    from market.models import OverdueWarning

    S, Step = ServiceRequest.Status, OverdueWarning.Step
    if request.status == S.AWAITING_CONFIRMATION and request.confirm_due:
        return StepClock(Step.CONFIRM, "确认选取结果", "owner", request.owner_id, request.status_changed_at,
                         request.confirm_due)
    if request.status == S.CONTRACTING and request.contract_due:
        if request.contract_owner_document_id is None:
            return StepClock(Step.CONTRACT_OWNER, "上传签订的合同", "owner", request.owner_id,
                             request.publicity_ends_at, request.contract_due)
        return StepClock(Step.CONTRACT_FIRM, "上传盖章合同", "firm", request.selected_firm_id,
                         request.contract_owner_at or request.publicity_ends_at, request.contract_due)
    if request.status == S.IN_SERVICE and request.service_ends_at:
        return StepClock(Step.SERVICE, "提交服务成果文件", "firm", request.selected_firm_id,
                         request.service_starts_at, request.service_ends_at)
    return None


def request_warning_levels(
    *, requests: list[ServiceRequest], organisation_id: int, now: datetime
) -> dict[int, tuple[str, datetime]]:
    """For a page of requests: {request id: (colour, deadline)} of the steps this
    organisation is at fault for (owner or firm), yellow or red; others are absent."""
    levels = {}
    for r in requests:
        clock = request_step_clock(r)
        if clock is not None and clock.organisation_id == organisation_id:
            level = deadline_level(starts=clock.starts, due=clock.due, now=now)
            if level:
                levels[r.pk] = (level, clock.due)
    return levels


def entry_review_due(entry: Entry) -> datetime | None:
    """By when the bureau should review a submitted entry (the rule's working days)."""
    from core.calendar import workday_due
    from core.rules import rule_int

    if entry.submitted_at is None:
        return None
    return workday_due(entry.submitted_at, rule_int("entry_review_workdays"))


def _todo(request: ServiceRequest, action: str, due: datetime | None, now: datetime, *,
          starts: datetime | None = None, at_fault: bool = True) -> TodoItem:
    overdue = bool(due and due < now)
    return TodoItem(request=request, action=action, due=due, overdue=overdue, starts=starts,
                    level=None if at_fault else "")


def _todo_colour(item: TodoItem, now: datetime) -> str:
    """An item's colour when its provider left it open (None): red when the provider calls
    it overdue, yellow from the half of its time (with a known start). An item the user is
    not at fault for carries level "" and is not coloured."""
    if item.overdue:
        return RED
    return YELLOW if deadline_level(starts=item.starts, due=item.due, now=now) == YELLOW else ""


TODO_LIMIT = 200  # per kind of the bureau's items: a backlog larger than this is a page of its own


def _bureau_todo(user, now: datetime, related: tuple[str, ...]) -> list[TodoItem]:
    """What waits on a bureau officer in scope: objections and termination requests to
    answer, entries to review (the firm's county; city staff all), credit appeals to
    answer (the county that issued the event)."""
    from credit.models import CreditAppeal
    from market.models import Objection, TerminationRequest

    items = []
    scope = requests_for_bureau(user=user)
    for o in Objection.objects.filter(status=Objection.Status.PENDING, request__in=scope).select_related(
        "objector", *(f"request__{f}" for f in related)
    )[:TODO_LIMIT]:
        items.append(_todo(o.request, f"答复{o.objector.name}的质疑", o.answer_due, now, starts=o.filed_at))
    for t in TerminationRequest.objects.filter(
        status=TerminationRequest.Status.PENDING, request__in=scope
    ).select_related(*(f"request__{f}" for f in related))[:TODO_LIMIT]:
        items.append(_todo(t.request, "处理业主的终止合同申请", t.answer_due, now, starts=t.filed_at))
    for entry in entries_for_bureau(user=user).filter(status=Entry.Status.SUBMITTED).order_by(
            "submitted_at", "id")[:TODO_LIMIT]:
        due = entry_review_due(entry)
        items.append(TodoItem(None, "审核入驻申请", due, bool(due and due < now), url=f"/bureau/entries/{entry.pk}/",
                              subject=entry.organisation.name, reference=entry.organisation.uscc,
                              starts=entry.submitted_at, level=None))
    appeals = bureau_filter(CreditAppeal.objects.filter(status=CreditAppeal.Status.PENDING), user=user,
                            field="event__region_id").select_related("event", "event__organisation")
    for appeal in appeals.order_by("answer_due", "id")[:TODO_LIMIT]:
        event = appeal.event
        items.append(TodoItem(None, "答复信用申诉", appeal.answer_due, appeal.answer_due < now,
                              url=f"/bureau/credit/events/{event.pk}/",
                              subject=f"{event.organisation.name}（{event.kind}）",
                              reference=event.organisation.uscc, starts=appeal.filed_at, level=None))
    return items


def todo_for(*, user, now: datetime | None = None) -> list[TodoItem]:
    """What waits on the user's organisation, and by when, soonest first (a fixed number of
    queries, but one per entry under review for its working-day deadline): the lifecycle's
    steps (the owner confirms, uploads the contract, accepts; the selected firm signs and
    delivers), the bureau's work in its scope (objections, termination requests, entries,
    credit appeals), then what other apps register (`market.extensions`; bidding: direct
    picks and the live auctions a firm signed up for; ratings: the ratings to give and
    disputes; supervision: cases).

    Every item with a deadline that its organisation is at fault for gets its colour
    (`deadline_level`): yellow from half its time, red once overdue. A read: writes nothing."""
    from dataclasses import replace

    from market.extensions import todo_providers

    now = now or timezone.now()
    org = user.organisation if user.is_authenticated else None
    if org is None:
        return []
    S = ServiceRequest.Status
    items: list[TodoItem] = []
    related = ("owner", "selected_firm", "region", "service_item")
    if org.is_owner:
        mine = ServiceRequest.objects.filter(owner=org).select_related(*related)
        for r in mine.filter(status=S.AWAITING_CONFIRMATION):
            items.append(_todo(r, "确认选取结果", r.confirm_due, now, starts=r.status_changed_at))
        for r in mine.filter(status=S.CONTRACTING, contract_owner_document__isnull=True):
            items.append(_todo(r, "上传签订的合同", r.contract_due, now, starts=r.publicity_ends_at))
        for r in mine.filter(status=S.DELIVERED):
            items.append(_todo(r, "验收服务成果", None, now))
    elif org.is_intermediary:
        mine = ServiceRequest.objects.filter(selected_firm=org).select_related(*related)
        for r in mine.filter(status=S.AWAITING_CONFIRMATION):
            items.append(_todo(r, "中选待业主确认（如放弃须说明理由）", r.confirm_due, now, at_fault=False))
        for r in mine.filter(status=S.CONTRACTING, contract_owner_document__isnull=False):
            items.append(_todo(r, "上传盖章合同", r.contract_due, now,
                               starts=r.contract_owner_at or r.publicity_ends_at))
        for r in mine.filter(status=S.CONTRACTING, contract_owner_document__isnull=True):
            items.append(_todo(r, "等待业主上传合同后签订", r.contract_due, now, at_fault=False))
        for r in mine.filter(status=S.IN_SERVICE):
            items.append(_todo(r, "提交服务成果文件", r.service_ends_at, now, starts=r.service_starts_at))
    elif org.is_bureau:
        items += _bureau_todo(user, now, related)
    for provider in todo_providers():
        items.extend(provider(user, now))
    items = [replace(i, level=_todo_colour(i, now)) if i.level is None else i for i in items]
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return sorted(items, key=lambda i: (i.due or far, getattr(i.request, "pk", 0), i.title))


def overdue_warnings_for(*, user) -> QuerySet:
    """Overdue warnings the user may see: those against its organisation; bureau staff
    every warning of the requests in scope."""
    from market.models import OverdueWarning

    qs = OverdueWarning.objects.select_related("request", "organisation").order_by("-detected_at", "-id")
    org = user.organisation if user.is_authenticated else None
    if org is None:
        return qs.none()
    if org.is_bureau:
        return qs.filter(request__in=requests_for_bureau(user=user))
    return qs.filter(organisation=org)


def direct_picks_for_bureau(*, user) -> QuerySet[ServiceRequest]:
    """Every direct pick in the officer's scope, for supervision, newest first."""
    return requests_for_bureau(user=user).filter(direct_pick=True).select_related("selected_firm").order_by(
        "-status_changed_at", "-id"
    )


# ---------------------------------------------------------------------------------------
# Attachments (采购文件) and clarifications (答疑澄清) of an announcement


def announcement_extras(*, user, request: ServiceRequest) -> dict:
    """What the announcement of `request` shows `user` besides its fields: the attachments
    (public), the Q&A (the owner, the bureau in scope and every registrant see it; the
    asker's name only the owner and the bureau), and which forms the user may use."""
    from market.models import Clarification, RequestAttachment, SignUp

    org = user.organisation if user.is_authenticated and user.organisation_id else None
    now = timezone.now()
    is_owner = org is not None and org.pk == request.owner_id
    is_bureau = org is not None and org.is_bureau and request_visible_to_bureau(user=user, request=request)
    rounds = set(SignUp.objects.filter(request=request, organisation=org).values_list("round", flat=True)) if (
        org is not None and org.is_intermediary) else set()
    signup_open = (request.status == ServiceRequest.Status.PUBLISHED and request.signup_deadline is not None
                   and request.signup_deadline > now)
    sees_qa = is_owner or is_bureau or bool(rounds)
    clarifications = (
        list(Clarification.objects.filter(request=request).select_related("asker")) if sees_qa else []
    )
    return {
        "attachments": list(RequestAttachment.objects.filter(request=request).select_related("document")),
        "clarifications": clarifications,
        "sees_qa": sees_qa,
        "sees_askers": is_owner or is_bureau,
        "may_attach": is_owner and (request.status == ServiceRequest.Status.DRAFT or signup_open),
        "may_ask": signup_open and request.publish_count in rounds,
        "may_answer": is_owner and signup_open,
        "signup_open": signup_open,
    }
