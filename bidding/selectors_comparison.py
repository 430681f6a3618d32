"""Reads of comparison selection (询比选取) for its pages, panel and to-do items.

What each reader sees: the criteria, the quote deadline and the opening time are public
with the announcement. Before the opening nobody sees a quote, a document, or even who
has quoted — a firm sees only its own submission's digests and time. From the opening,
everyone sees every quote with its SHA-256, salt and canonical text, and the price and
credit points; once evaluated, the ranking with each item's points. Every score with its
reason: the owner's users, the bureau in scope; a firm those of its own quote. Response
documents: from the opening, to the owner's users, the bureau in scope and their firm.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from audit.timeline import timeline_rows
from bidding import seal
from bidding.methods import COMPARISON
from bidding.models import (
    ComparisonCriteria,
    ComparisonItem,
    ComparisonOpening,
    ComparisonQuote,
    ComparisonScore,
)
from core.jurisdiction import bureau_covers
from market.extensions import TodoItem
from market.lifecycle import S
from market.models import ServiceRequest, SignUp


def comparison_chain(request: ServiceRequest) -> str:
    """The audit chain of a request's comparison: criteria, quotes (digests), opening, scores."""
    return f"comparison:{request.code}"


def comparison_scorers(criteria: ComparisonCriteria) -> list[int]:
    """Ids of the panel's users; [] when the owner named no panel (its users score as one)."""
    return [member.user_id for member in criteria.panel.all()]


def comparison_may_score(*, request: ServiceRequest, criteria: ComparisonCriteria, user) -> bool:
    """A panelist, or (without a panel) any user of the owner's organisation."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id != request.owner_id:
        return False
    panel = comparison_scorers(criteria)
    return not panel or user.pk in panel


def criteria_of(*, request: ServiceRequest) -> ComparisonCriteria | None:
    return (ComparisonCriteria.objects.filter(request=request)
            .prefetch_related("items", "panel__user").first())


def opening_of(*, request: ServiceRequest) -> ComparisonOpening | None:
    """The opening of the request's current round, if it has happened."""
    return ComparisonOpening.objects.filter(request=request, round=request.publish_count).first()


def quote_of(*, request: ServiceRequest, organisation_id: int | None) -> ComparisonQuote | None:
    """The firm's quote of the current round (its columns other than digests stay sealed
    until the opening)."""
    if organisation_id is None:
        return None
    return ComparisonQuote.objects.filter(request=request, round=request.publish_count,
                                          organisation_id=organisation_id).first()


@dataclass(frozen=True)
class Viewer:
    org_id: int | None
    is_owner: bool
    is_bureau: bool
    is_firm: bool
    signed_up: bool

    @property
    def sees_scores(self) -> bool:
        return self.is_owner or self.is_bureau


def viewer_of(*, request: ServiceRequest, user) -> Viewer:
    authenticated = getattr(user, "is_authenticated", False)
    org = user.organisation if authenticated and user.organisation_id else None
    is_firm = org is not None and org.is_intermediary
    return Viewer(
        org_id=org.pk if org else None,
        is_owner=org is not None and org.pk == request.owner_id,
        is_bureau=org is not None and org.is_bureau and bureau_covers(user=user, region_id=request.region_id),
        is_firm=is_firm,
        signed_up=is_firm and SignUp.objects.filter(request=request, organisation=org,
                                                    round=request.publish_count).exists(),
    )


def quote_window_open(request: ServiceRequest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return request.status == S.PUBLISHED and request.signup_deadline is not None and now < request.signup_deadline


def document_allowed(*, quote: ComparisonQuote, user) -> bool:
    """A response document after its opening: the owner's users, the bureau in scope, its firm."""
    if quote.opened_at is None:
        return False
    viewer = viewer_of(request=quote.request, user=user)
    return viewer.is_owner or viewer.is_bureau or (viewer.org_id is not None and viewer.org_id == quote.organisation_id)


def has_scored(*, opening: ComparisonOpening, criteria: ComparisonCriteria, user) -> bool:
    """Whether `user`'s sheet is in (without a panel: any sheet of the owner's users)."""
    scores = opening.scores.all()
    return (scores.filter(scorer=user) if comparison_scorers(criteria) else scores).exists()


def opened_rows(opening: ComparisonOpening) -> list[dict]:
    """The published quotes of an opening, each with the canonical text anyone can hash."""
    rows = []
    for row in opening.record.get("quotes", []):
        text = ""
        if row.get("amount") is not None:
            text = seal.quote_text(request_code=opening.request.code, round=opening.round, firm_code=row["code"],
                                   amount=Decimal(row["amount"]), document_sha256=row["document_sha256"],
                                   salt=row["salt"])
        rows.append({**row, "text": text, "submitted": datetime.fromisoformat(row["submitted_at"])})
    return rows


def scores_for(*, opening: ComparisonOpening, viewer: Viewer) -> list[ComparisonScore]:
    """Every score with its reason for the owner's users and the bureau; a firm's own."""
    scores = opening.scores.select_related("scorer", "item", "quote__organisation")
    if viewer.sees_scores:
        return list(scores)
    if viewer.org_id is not None:
        return list(scores.filter(quote__organisation_id=viewer.org_id))
    return []


def comparison_page(*, request: ServiceRequest, user) -> dict:
    """The context of the comparison page (criteria, opening record, ranking, scores)."""
    viewer = viewer_of(request=request, user=user)
    criteria = criteria_of(request=request)
    opening = opening_of(request=request)
    context = {"req": request, "viewer": viewer, "criteria": criteria, "opening": opening,
               "rows": [], "result": [], "scores": [], "chain": [], "may_score": False, "scored": False,
               "own_quote": quote_of(request=request, organisation_id=viewer.org_id) if viewer.is_firm else None}
    if opening is None or opening.status == ComparisonOpening.Status.VOID:
        return context
    opening.request = request
    context["rows"] = opened_rows(opening)
    context["result"] = opening.result
    context["scores"] = scores_for(opening=opening, viewer=viewer)
    if viewer.sees_scores:
        context["chain"] = timeline_rows(chain=comparison_chain(request))
    if criteria is not None and opening.status == ComparisonOpening.Status.SCORING:
        context["may_score"] = comparison_may_score(request=request, criteria=criteria, user=user)
        context["scored"] = context["may_score"] and has_scored(opening=opening, criteria=criteria, user=user)
    context["documents"] = viewer.is_owner or viewer.is_bureau
    return context


def comparison_panel_context(*, request: ServiceRequest, user) -> dict:
    """What the request page's comparison panel shows `user`."""
    viewer = viewer_of(request=request, user=user)
    criteria = criteria_of(request=request)
    opening = opening_of(request=request) if request.status != S.DRAFT else None
    may_score = scored = False
    if opening is not None and criteria is not None and opening.status == ComparisonOpening.Status.SCORING:
        may_score = comparison_may_score(request=request, criteria=criteria, user=user)
        scored = may_score and has_scored(opening=opening, criteria=criteria, user=user)
    return {
        "req": request, "cviewer": viewer, "criteria": criteria, "opening": opening,
        "own_quote": quote_of(request=request, organisation_id=viewer.org_id) if viewer.signed_up else None,
        "quote_open": quote_window_open(request), "may_score": may_score, "scored": scored,
        "panel_names": [m.user.display_name or m.user.username for m in criteria.panel.all()]
        if criteria is not None and viewer.is_owner else [],
    }


def comparison_todo(user, now: datetime) -> list[TodoItem]:
    """Work waiting on the user: the owner's drafts without criteria and sheets to score
    (by the deadline); a registrant's quote not yet submitted (by the sign-up deadline)."""
    org = user.organisation if getattr(user, "is_authenticated", False) and user.organisation_id else None
    if org is None:
        return []
    items: list[TodoItem] = []
    if org.is_owner:
        mine = ServiceRequest.objects.filter(owner=org, method=COMPARISON).select_related("owner", "region",
                                                                                          "service_item")
        items += [TodoItem(r, "设置询比评审标准", None, False, f"/requests/{r.code}/comparison/criteria/")
                  for r in mine.filter(status=S.DRAFT, comparison_criteria__isnull=True)]
        for opening in (ComparisonOpening.objects.filter(request__in=mine.filter(status=S.SELECTING),
                                                         status=ComparisonOpening.Status.SCORING)
                        .select_related("request", "request__owner", "request__region", "request__service_item")):
            req = opening.request
            if opening.round != req.publish_count:
                continue
            criteria = criteria_of(request=req)
            if comparison_may_score(request=req, criteria=criteria, user=user) and not has_scored(
                    opening=opening, criteria=criteria, user=user):
                items.append(TodoItem(req, "询比评审打分", opening.scoring_due,
                                      bool(opening.scoring_due and opening.scoring_due < now),
                                      f"/requests/{req.code}/comparison/score/"))
    elif org.is_intermediary:
        signed = SignUp.objects.filter(organisation=org, request__method=COMPARISON, request__status=S.PUBLISHED,
                                       request__signup_deadline__gt=now).select_related(
            "request", "request__owner", "request__region", "request__service_item")
        for signup in signed:
            req = signup.request
            if signup.round == req.publish_count and quote_of(request=req, organisation_id=org.pk) is None:
                items.append(TodoItem(req, "递交询比报价与响应文件", req.signup_deadline, False,
                                      f"/requests/{req.code}/comparison/quote/"))
    return items


def judged_items(criteria: ComparisonCriteria) -> list[ComparisonItem]:
    return [i for i in criteria.items.all() if i.kind == ComparisonItem.Kind.JUDGED]
