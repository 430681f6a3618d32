"""Writes of ratings (服务质量网上评议).

Each service locks the request row (the subject of the request's audit chain), re-checks
the state and the deadline under the lock, writes, appends to the chain, refreshes the
firm's score snapshot and notifies the other party. Ratings count the moment they exist.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.services import notification_push
from audit.services import record_append
from core.answers import written_answer_give, written_reason_clean
from core.events import emit
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.jurisdiction import bureau_covers
from core.locking import lock_rows
from core.rules import rule_text
from core.text import text_clean
from credit.models import CreditEvent
from credit.services import (
    credit_event_revoke_system,
    credit_raise_rating_unsatisfied,
    credit_score_refresh,
)
from market.lifecycle import request_chain
from market.models import ServiceRequest
from market.services_results import request_lock, request_mark_rated
from ratings.models import (
    FIRM_DIMENSIONS,
    OWNER_DIMENSIONS,
    Rating,
    RatingDispute,
    SectorRating,
)
from ratings.selectors import RATEABLE, dispute_due, rating_due, rating_inputs

COMMENT_MAX = 1000  # characters of a rating's comment (the form says the same)


def _lock_request(request_id: int) -> ServiceRequest:
    return request_lock(request_id=request_id)


def _score_refresh(organisation_id: int) -> None:
    """Hand the firm's rating aggregates to credit, which recomputes and stores its score."""
    credit_score_refresh(organisation_id=organisation_id, ratings=rating_inputs(organisation_id=organisation_id))


def _scores(values: dict, dims) -> dict[str, int]:
    errors, clean = {}, {}
    for name, label in dims:
        try:
            value = int(values.get(name))
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            errors[name] = [f"请为“{label}”打1至5分。"]
        clean[name] = value
    if errors:
        raise ValidationFailed("评分不完整。", errors=errors)
    return clean


def _overall(value: str) -> str:
    if value not in Rating.Overall.values:
        raise ValidationFailed("请选择总体评价。", errors={"overall": ["请选择满意、基本满意或不满意。"]})
    return value


def _record(req: ServiceRequest, *, kind: str, actor, rating: Rating, reason: str = "", data: dict | None = None):
    """Append the rating's change to the request's chain and announce it ("rating.changed",
    after commit): what counts of the request's ratings may have changed."""
    emit("rating.changed", request_id=req.pk, rating_id=rating.pk)
    record_append(chain=request_chain(req), kind=kind, actor=actor, reason=reason,
                  data={"rating": rating.pk, "side": rating.side, "overall": rating.overall,
                        "is_default": rating.is_default, **{n: getattr(rating, n) for n, _l in OWNER_DIMENSIONS + FIRM_DIMENSIONS
                                                           if getattr(rating, n) is not None}, **(data or {})})


def _create_owner_rating(req: ServiceRequest, *, user, now: datetime, overall: str, scores: dict, comment: str,
                         is_default: bool) -> Rating:
    rating = Rating.objects.create(
        request=req, side=Rating.Side.OWNER, rater=req.owner, rated=req.selected_firm, by=user, is_default=is_default,
        overall=overall, comment=comment, created_at=now, **scores,
    )
    _record(req, kind="rating", actor=user, rating=rating, reason=comment)
    request_mark_rated(request=req, actor=user, at=now, reason="逾期未评价，默认满意" if is_default else "",
                       data={"rating": rating.pk, "is_default": is_default})
    credit_raise_rating_unsatisfied(rating=rating, at=now)
    _score_refresh(rating.rated_id)
    return rating


def rating_submit_owner(*, user, request_id: int, scores: dict, overall: str, comment: str = "") -> Rating:
    """The owner rates the selected firm of a completed request on the five dimensions
    (1–5 each), an overall verdict and a comment, within the `rating_days` rule. A 不满意
    raises a credit event at once. Raises InvalidState after the period (the default
    满意 is recorded instead) or when already rated."""
    scores = _scores(scores, OWNER_DIMENSIONS)
    overall = _overall(overall)
    comment = text_clean(comment, field="comment", label="评价意见", max_length=COMMENT_MAX)
    if overall == Rating.Overall.UNSATISFIED and not comment:
        raise ValidationFailed("评价为不满意时请写明理由。", errors={"comment": ["评价为不满意时请写明理由。"]})
    with transaction.atomic():
        req = _lock_request(request_id)
        if user.organisation_id is None or req.owner_id != user.organisation_id:
            raise NotAllowed("只有项目业主可以评价中介机构。")
        if Rating.objects.filter(request=req, side=Rating.Side.OWNER).exists():
            raise InvalidState("本项目已评价。")
        if req.status != ServiceRequest.Status.COMPLETED or req.selected_firm_id is None:
            raise InvalidState("项目验收后才能评价。")
        now = timezone.now()
        due = rating_due(req)
        if due is not None and now > due:
            late = True
        else:
            late = False
            rating = _create_owner_rating(req, user=user, now=now, overall=overall, scores=scores, comment=comment,
                                          is_default=False)
            notification_push(organisation=req.selected_firm, kind="rated", title=f"业主已评价：{req.title}",
                              body=f"总体评价：{rating.get_overall_display()}。如有异议可在{rule_text('rating_dispute_workdays')}内提出。",
                              url=f"/ratings/{req.code}/", dedupe_key=f"rated:{rating.pk}")
    if late:
        rating_default_record(request_id=request_id)
        raise InvalidState("评价期限已过，平台已记录默认评价“满意”。")
    return rating


def rating_default_record(*, request_id: int, now: datetime | None = None) -> Rating | None:
    """Record the default 满意 of a completed request whose rating period has passed and
    that the owner has not rated. Idempotent: None when not due or already rated. A default
    rating never raises a credit event."""
    now = now or timezone.now()
    with transaction.atomic():
        req = _lock_request(request_id)
        if req.status != ServiceRequest.Status.COMPLETED or req.selected_firm_id is None:
            return None
        if Rating.objects.filter(request=req, side=Rating.Side.OWNER).exists():
            return None
        due = rating_due(req)
        if due is None or now <= due:
            return None
        return _create_owner_rating(req, user=None, now=now, overall=Rating.Overall.SATISFIED, scores={},
                                    comment="", is_default=True)


def ratings_sweep_due(*, now: datetime | None = None) -> int:
    """The beat sweep's part: default ratings for every request past its rating period.
    Cheap (one query) when nothing is due. Returns the number recorded."""
    from core.rules import rule_int

    now = now or timezone.now()
    # Candidates: completed at least rating_days ago; the service checks the exact deadline.
    since = now - timedelta(days=rule_int("rating_days"))
    due = ServiceRequest.objects.filter(status=ServiceRequest.Status.COMPLETED, status_changed_at__lte=since)
    return sum(1 for pk in list(due.values_list("pk", flat=True)[:500])
               if rating_default_record(request_id=pk, now=now) is not None)


def rating_refresh(request: ServiceRequest) -> ServiceRequest:
    """The lazy check: a completed request read after its rating period gets its default
    rating first."""
    if request.status == ServiceRequest.Status.COMPLETED:
        due = rating_due(request)
        if due is not None and timezone.now() > due and rating_default_record(request_id=request.pk):
            request.refresh_from_db()
    return request


@transaction.atomic
def rating_submit_firm(*, user, request_id: int, scores: dict, overall: str, comment: str = "") -> Rating:
    """The selected firm rates the owner (cooperation, payment on time, clarity of the
    requirements) once, within the rating period after completion."""
    comment = text_clean(comment, field="comment", label="评价意见", max_length=COMMENT_MAX)
    scores = _scores(scores, FIRM_DIMENSIONS)
    overall = _overall(overall)
    req = _lock_request(request_id)
    if user.organisation_id is None or req.selected_firm_id != user.organisation_id:
        raise NotAllowed("只有承接本项目的中介机构可以评价业主。")
    if req.status not in RATEABLE:
        raise InvalidState("项目验收后才能评价。")
    if Rating.objects.filter(request=req, side=Rating.Side.FIRM).exists():
        raise InvalidState("您单位已评价本项目业主。")
    now = timezone.now()
    due = rating_due(req)
    if due is not None and now > due:
        raise InvalidState("评价期限已过。")
    rating = Rating.objects.create(request=req, side=Rating.Side.FIRM, rater=req.selected_firm, rated=req.owner, by=user,
                                   overall=overall, comment=comment, created_at=now, **scores)
    _record(req, kind="rating", actor=user, rating=rating, reason=rating.comment)
    notification_push(organisation=req.owner, kind="rated", title=f"中介机构已评价贵单位：{req.title}",
                      body=f"总体评价：{rating.get_overall_display()}。如有异议可在{rule_text('rating_dispute_workdays')}内提出。",
                      url=f"/ratings/{req.code}/", dedupe_key=f"rated:{rating.pk}")
    return rating


@transaction.atomic
def rating_dispute_file(*, user, rating_id: int, reason: str) -> RatingDispute:
    """The rated party disputes a rating once, with a reason, inside the
    `rating_dispute_workdays` rule. The rating keeps counting until the bureau voids it."""
    from core.calendar import workday_due
    from core.rules import rule_int

    reason = written_reason_clean(reason, label="异议理由")
    request_id = Rating.objects.filter(pk=rating_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("评价不存在。")
    req = _lock_request(request_id)
    rating = Rating.objects.get(pk=rating_id)
    if user.organisation_id != rating.rated_id:
        raise NotAllowed("只有被评价方可以提出异议。")
    if RatingDispute.objects.filter(rating=rating).exists():
        raise InvalidState("每条评价只能提出一次异议。")
    now = timezone.now()
    if now > dispute_due(rating):
        raise InvalidState("已超过提出异议的期限。")
    dispute = RatingDispute.objects.create(
        rating=rating, reason=reason, filed_by=user, filed_at=now,
        answer_due=workday_due(now, rule_int("rating_dispute_answer_workdays")),
    )
    rating.status = Rating.Status.DISPUTED
    rating.save(update_fields=["status"])
    _record(req, kind="rating_disputed", actor=user, rating=rating, reason=reason)
    return dispute


@transaction.atomic
def rating_dispute_answer(*, user, rating_id: int, keep: bool, answer: str) -> RatingDispute:
    """The bureau keeps or voids a disputed rating with a written answer. A voided rating
    stays visible, marked voided, and stops counting; a credit event it raised is revoked
    with the answer as reason."""
    org = user.organisation
    if org is None or not org.is_bureau:
        raise NotAllowed("只有行政审批局工作人员可以处理评价异议。")
    request_id = Rating.objects.filter(pk=rating_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("评价不存在。")
    req = _lock_request(request_id)
    if not bureau_covers(user=user, region_id=req.region_id):
        raise NotAllowed("县级工作人员只能处理本县（市、区）项目的评价异议。")
    rating = Rating.objects.get(pk=rating_id)
    dispute = lock_rows(RatingDispute.objects.filter(rating=rating, status=RatingDispute.Status.PENDING)).first()
    if dispute is None:
        raise InvalidState("该评价没有待处理的异议。")
    now = timezone.now()
    # Upholding the dispute voids the rating; rejecting it keeps the rating.
    before, after = written_answer_give(item=dispute, user=user, uphold=not keep, answer=answer, at=now)
    answer = dispute.answer
    rating.status = Rating.Status.KEPT if keep else Rating.Status.VOIDED
    rating.save(update_fields=["status"])
    _record(req, kind="rating_dispute_answered", actor=user, rating=rating, reason=answer,
            data={"dispute": dispute.pk, "dispute_status": [before, after]})
    if not keep:
        event = CreditEvent.objects.filter(organisation_id=rating.rated_id, cause_key=f"rating:{rating.pk}").first()
        if event is not None and event.status != CreditEvent.Status.REVOKED:
            credit_event_revoke_system(event_id=event.pk, actor=user, reason=f"所涉评价经异议处理已作废：{answer}")
    if rating.side == Rating.Side.OWNER:
        _score_refresh(rating.rated_id)
    for party in {rating.rater, rating.rated}:
        notification_push(organisation=party, kind="rating_dispute", title=f"评价异议已处理：{dispute.verdict}",
                          body=answer, url=f"/ratings/{req.code}/", dedupe_key=f"rating-dispute:{dispute.pk}")
    return dispute


@transaction.atomic
def sector_rating_submit(*, user, request_id: int, quality: int, comment: str) -> SectorRating:
    """The bureau, as sector authority, rates the quality of a completed request's result
    (1–5) once; a third source of the firm's score."""
    org = user.organisation
    if org is None or not org.is_bureau:
        raise NotAllowed("只有行政审批局（行业主管部门）可以评价成果质量。")
    try:
        quality = int(quality)
    except (TypeError, ValueError):
        quality = 0
    errors = {}
    if not 1 <= quality <= 5:
        errors["quality"] = ["请为成果质量打1至5分。"]
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = ["请填写评价意见。"]
    elif len(comment) > COMMENT_MAX:
        errors["comment"] = [f"评价意见不能超过{COMMENT_MAX}个字（当前{len(comment)}个字）。"]
    if errors:
        raise ValidationFailed("请按提示修改。", errors=errors)
    req = _lock_request(request_id)
    if not bureau_covers(user=user, region_id=req.region_id):
        raise NotAllowed("县级工作人员只能评价本县（市、区）的项目。")
    if req.status not in RATEABLE or req.selected_firm_id is None:
        raise InvalidState("项目验收后才能评价成果质量。")
    if SectorRating.objects.filter(request=req).exists():
        raise InvalidState("本项目已有行业主管部门评价。")
    rating = SectorRating.objects.create(request=req, firm=req.selected_firm, bureau=org, by=user, quality=quality,
                                         comment=comment, created_at=timezone.now())
    record_append(chain=request_chain(req), kind="sector_rating", actor=user, reason=comment,
                  data={"sector_rating": rating.pk, "quality": quality})
    _score_refresh(req.selected_firm_id)
    notification_push(organisation=req.selected_firm, kind="sector_rated", title=f"行业主管部门已评价成果质量：{req.title}",
                      body=f"成果质量 {quality} 分：{comment}", url=f"/ratings/{req.code}/",
                      dedupe_key=f"sector-rating:{rating.pk}")
    return rating
