"""Warnings on steps that run late (期限预警): yellow once a step has used half of its
allowed time, red once it is overdue.

Every step with a deadline is read from its own rows: the owner confirming the result
(`confirm_due`), the owner uploading and then the firm signing the contract
(`contract_due`), the firm delivering (`service_ends_at`), the owner scoring a comparison
(`scoring_due`), and the bureau's written answers (objections, termination requests,
credit appeals, rating disputes: `answer_due`) and entry reviews (the rule
`entry_review_workdays`). The colour is computed at the moment of reading
(`market.selectors.deadline_level`); the red ones the deadline sweep has already recorded
(`market.OverdueWarning`) carry the time it did. A pure read: nothing here writes.

Who sees what: the party at fault its own warnings (owner or firm); bureau staff every
warning in scope (`core.jurisdiction`: a county its county's requests, firms and credit
events; the city everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from bidding.models import ComparisonOpening
from core.jurisdiction import bureau_filter
from credit.models import CreditAppeal
from market.lifecycle import S
from market.models import Entry, Objection, OverdueWarning, ServiceRequest, TerminationRequest
from market.selectors import LEVEL_WORDS, RED, YELLOW, deadline_level, entry_review_due, request_step_clock
from ratings.models import RatingDispute

PARTY_WORDS = dict(OverdueWarning.Party.choices)
LIMIT = 500  # per kind: a backlog larger than this is reported by the statistics, not listed


@dataclass(frozen=True)
class StepWarning:
    """One step past half of its time (yellow) or past its deadline (red)."""

    level: str  # YELLOW | RED
    step: str  # a key: an OverdueWarning.Step value or "termination_answer", "credit_appeal_answer", …
    label: str  # what is (or is about to be) late, in Chinese
    party: str  # "owner" | "firm" | "bureau" (OverdueWarning.Party)
    organisation: object | None  # the organisation at fault; None for the bureau
    region_id: str | None  # whose county bureau watches it
    starts: datetime | None
    due: datetime
    subject: str  # the request's name, the firm's name …
    reference: str  # the request's code, the firm's credit code …
    url: str
    recorded_at: datetime | None = None  # when the sweep recorded it overdue, if it did

    @property
    def level_words(self) -> str:
        return LEVEL_WORDS[self.level]

    @property
    def party_words(self) -> str:
        return PARTY_WORDS[self.party]

    @property
    def is_red(self) -> bool:
        return self.level == RED


def _coloured(starts, due, now) -> str:
    return deadline_level(starts=starts, due=due, now=now)


def _request_warnings(requests, now: datetime) -> list[StepWarning]:
    """The lifecycle steps of `requests` (owner's and firm's) that are yellow or red."""
    found = []
    for req in requests:
        clock = request_step_clock(req)
        if clock is None:
            continue
        level = _coloured(clock.starts, clock.due, now)
        if not level:
            continue
        organisation = req.owner if clock.party == "owner" else req.selected_firm
        label = OverdueWarning.Step(clock.step).label if level == RED else f"{clock.label}（时间已过半）"
        found.append(StepWarning(level, str(clock.step), label, clock.party, organisation, req.region_id, clock.starts,
                                 clock.due, req.title, req.code, f"/requests/{req.code}/"))
    return found


def _scoring_warnings(openings, now: datetime) -> list[StepWarning]:
    found = []
    for opening in openings:
        req = opening.request
        if opening.round != req.publish_count or opening.scoring_due is None:
            continue
        level = _coloured(opening.opened_at, opening.scoring_due, now)
        if level:
            label = "业主未按期完成询比评审打分" if level == RED else "询比评审打分（时间已过半）"
            found.append(StepWarning(level, "comparison_scoring", label, "owner", req.owner, req.region_id,
                                     opening.opened_at, opening.scoring_due, req.title, req.code,
                                     f"/requests/{req.code}/comparison/"))
    return found


def _bureau_warnings(*, objections, terminations, appeals, disputes, entries, now: datetime) -> list[StepWarning]:
    """The bureau's own steps: answers in writing and entry reviews."""
    found = []

    def add(step, red_label, yellow_label, starts, due, region_id, subject, reference, url):
        level = _coloured(starts, due, now)
        if level:
            found.append(StepWarning(level, step, red_label if level == RED else yellow_label, "bureau", None,
                                     region_id, starts, due, subject, reference, url))

    for o in objections:
        add(OverdueWarning.Step.OBJECTION_ANSWER.value, OverdueWarning.Step.OBJECTION_ANSWER.label, "答复质疑（时间已过半）",
            o.filed_at, o.answer_due, o.request.region_id, o.request.title, o.request.code,
            f"/requests/{o.request.code}/")
    for t in terminations:
        add("termination_answer", "行政审批局未按期处理终止合同申请", "处理终止合同申请（时间已过半）",
            t.filed_at, t.answer_due, t.request.region_id, t.request.title, t.request.code,
            f"/requests/{t.request.code}/")
    for a in appeals:
        firm = a.event.organisation
        add("credit_appeal_answer", "行政审批局未按期答复信用申诉", "答复信用申诉（时间已过半）",
            a.filed_at, a.answer_due, a.event.region_id, firm.name, firm.uscc, f"/bureau/credit/events/{a.event_id}/")
    for d in disputes:
        req = d.rating.request
        add("rating_dispute_answer", "行政审批局未按期答复评价异议", "答复评价异议（时间已过半）",
            d.filed_at, d.answer_due, req.region_id, req.title, req.code, f"/ratings/{req.code}/")
    for e in entries:
        add("entry_review", "行政审批局未按期审核入驻申请", "审核入驻申请（时间已过半）",
            e.submitted_at, entry_review_due(e), e.organisation.region_id, e.organisation.name, e.organisation.uscc,
            f"/bureau/entries/{e.pk}/")
    return found


def _with_records(warnings: list[StepWarning]) -> list[StepWarning]:
    """Attach the sweep's record (`OverdueWarning.detected_at`) to each red request step
    it has recorded (one query)."""
    from dataclasses import replace

    codes = {w.reference for w in warnings if w.is_red}
    if not codes:
        return warnings
    recorded: dict[tuple[str, str, datetime], datetime] = {}
    for code, step, due_at, detected_at in OverdueWarning.objects.filter(request__code__in=codes).values_list(
            "request__code", "step", "due_at", "detected_at"):
        recorded[(code, step, due_at)] = detected_at
    return [replace(w, recorded_at=recorded.get((w.reference, w.step, w.due))) if w.is_red else w for w in warnings]


RELATED = ("owner", "selected_firm", "region")
# The lifecycle steps with a deadline, by state, and the field each is due by.
OPEN = {S.AWAITING_CONFIRMATION: "confirm_due", S.CONTRACTING: "contract_due", S.IN_SERVICE: "service_ends_at"}


def _open_requests(requests) -> list[ServiceRequest]:
    """The requests of `requests` waiting on a step with a deadline, soonest due first per
    step, at most LIMIT per step: a cut drops the latest deadlines, the least likely late."""
    found: list[ServiceRequest] = []
    for status, due in OPEN.items():
        found += requests.filter(status=status, **{f"{due}__isnull": False}).order_by(due, "pk")[:LIMIT]
    return found


def warnings_for(*, user, now: datetime | None = None) -> list[StepWarning]:
    """The yellow and red warnings `user` may see, red first, then by deadline.

    An owner or a firm: the steps it is at fault for. Bureau staff: every step in scope,
    whoever is at fault (the request's county; for an entry the firm's; for a credit
    appeal the county that issued the event); city staff all. Anyone else: nothing.
    A fixed number of queries, but one per entry under review (its working-day deadline)."""
    now = now or timezone.now()
    org = user.organisation if getattr(user, "is_authenticated", False) else None
    if org is None:
        return []
    found: list[StepWarning] = []
    requests = ServiceRequest.objects.select_related(*RELATED)
    openings = ComparisonOpening.objects.filter(status=ComparisonOpening.Status.SCORING,
                                                request__status=S.SELECTING).select_related(
        *(f"request__{f}" for f in RELATED))
    if org.is_owner:
        found += [w for w in _request_warnings(_open_requests(requests.filter(owner=org)), now) if w.party == "owner"]
        found += _scoring_warnings(openings.filter(request__owner=org).order_by("scoring_due", "pk")[:LIMIT], now)
    elif org.is_intermediary:
        found += [w for w in _request_warnings(_open_requests(requests.filter(selected_firm=org)), now)
                  if w.party == "firm"]
    elif org.is_bureau:
        def scoped(qs, field: str, order: str):
            """`qs` in the officer's scope, soonest due first, at most LIMIT."""
            return bureau_filter(qs, user=user, field=field).order_by(order, "pk")[:LIMIT]

        found += _request_warnings(_open_requests(bureau_filter(requests, user=user)), now)
        found += _scoring_warnings(scoped(openings, "request__region_id", "scoring_due"), now)
        found += _bureau_warnings(
            objections=scoped(Objection.objects.filter(status=Objection.Status.PENDING).select_related("request"),
                              "request__region_id", "answer_due"),
            terminations=scoped(TerminationRequest.objects.filter(status=TerminationRequest.Status.PENDING,
                                                                  answer_due__isnull=False).select_related("request"),
                                "request__region_id", "answer_due"),
            appeals=scoped(CreditAppeal.objects.filter(status=CreditAppeal.Status.PENDING).select_related(
                "event", "event__organisation"), "event__region_id", "answer_due"),
            disputes=scoped(RatingDispute.objects.filter(status=RatingDispute.Status.PENDING).select_related(
                "rating__request"), "rating__request__region_id", "answer_due"),
            entries=scoped(Entry.objects.filter(status=Entry.Status.SUBMITTED).select_related("organisation"),
                           "organisation__region_id", "submitted_at"),
            now=now,
        )
    found = _with_records(found)
    return sorted(found, key=lambda w: (w.level != RED, w.due, w.reference))


def warnings_count(warnings: list[StepWarning]) -> dict[str, int]:
    """{"red": n, "yellow": m} of a list of warnings."""
    return {RED: sum(w.level == RED for w in warnings), YELLOW: sum(w.level == YELLOW for w in warnings)}
