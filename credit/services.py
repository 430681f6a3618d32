"""Writes of credit: raising and issuing events, appeals, revocation, expiry, the sanction
table and the score snapshot.

Every change locks the firm's organisation row (the subject of its audit chain
`credit:<organisation id>`), re-checks under the lock, writes, appends to the chain and
notifies the firm. Events take effect the moment their transaction commits: the
restriction selector reads the database on every call, so no county sees a stale answer.
"""

import calendar
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation
from accounts.services import notification_push
from audit.services import record_append
from core.answers import written_answer_give, written_reason_clean
from core.calendar import workday_due
from core.events import emit
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.jurisdiction import is_city_bureau
from core.format import date_zh, datetime_zh
from core.locking import lock_rows
from core.rules import rule_int
from core.text import text_clean
from credit.models import CreditAppeal, CreditEvent, CreditScore, Kind, SanctionRule
from credit.sanctions import AUTOMATIC, BUREAU_ISSUED, SANCTION_DEFAULTS
from credit.selectors import (
    RatingInputs,
    bureau_may_act_on_event,
    credit_score_compute,
    sanction_for,
)

SANCTIONS_CHAIN = "credit:sanctions"


def credit_chain(organisation_id: int) -> str:
    return f"credit:{organisation_id}"


def add_months(at: datetime, months: int) -> datetime:
    """The same local time `months` calendar months later (the 31st becomes the month's last day)."""
    local = timezone.localtime(at)
    month0 = local.month - 1 + months
    year, month = local.year + month0 // 12, month0 % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _lock_org(organisation_id: int) -> Organisation:
    org = lock_rows(Organisation.objects.filter(pk=organisation_id)).first()
    if org is None:
        raise NotAllowed("机构不存在。")
    return org


def _event_data(event: CreditEvent) -> dict:
    return {
        "event": event.pk, "kind": event.kind_code or event.kind, "sanction": event.sanction, "points": event.points,
        "region": event.region_id, "starts_at": event.starts_at, "ends_at": event.ends_at, "ban_until": event.ban_until,
        "cause_key": event.cause_key, "evidence_sha256": event.evidence.sha256 if event.evidence_id else "",
    }


def _notify_event(event: CreditEvent, *, title: str, body: str, key: str) -> None:
    notification_push(organisation=event.organisation, kind="credit", title=title, body=body, url="/firm/credit/",
                      dedupe_key=f"credit:{event.pk}:{key}")


@transaction.atomic
def credit_event_raise(
    *,
    organisation_id: int,
    kind: str,
    cause_key: str,
    region_id: str,
    description: str,
    request_id: int | None = None,
    at: datetime | None = None,
    officer=None,
    evidence=None,
) -> tuple[CreditEvent, bool]:
    """Record one credit event of `kind` for its cause; the single way events are made.

    Idempotent per (firm, `cause_key`): a retried task, a second worker or a race gets the
    existing event and `False`. The firm's row lock serialises raisers; the named unique
    constraint is the backstop. The sanction, duration, points and rule text come from the
    sanction table in force. Returns (event, created).
    """
    if not cause_key:
        raise ValueError("cause_key is required")
    spec = sanction_for(kind)
    org = _lock_org(organisation_id)
    existing = CreditEvent.objects.filter(organisation_id=organisation_id, cause_key=cause_key).first()
    if existing is not None:
        return existing, False
    now = at or timezone.now()
    ends_at = ban_until = None
    if spec.sanction in (CreditEvent.Sanction.SUSPENSION, CreditEvent.Sanction.COMMENDATION) and spec.months:
        ends_at = add_months(now, spec.months)
    if spec.sanction == CreditEvent.Sanction.REMOVAL and spec.ban_years:
        ban_until = add_months(now, 12 * spec.ban_years)
    label = Kind(kind).label
    try:
        with transaction.atomic():
            event = CreditEvent.objects.create(
                organisation=org, kind=str(label), kind_code=kind, severity=spec.severity, sanction=spec.sanction,
                points=spec.points, rule_source=spec.source, description=description, region_id=region_id,
                officer=officer, request_id=request_id, cause_key=cause_key, evidence=evidence, starts_at=now,
                ends_at=ends_at, ban_until=ban_until,
            )
    except IntegrityError:
        return CreditEvent.objects.get(organisation_id=organisation_id, cause_key=cause_key), False
    emit("credit.event_issued", event_id=event.pk, organisation_id=org.pk, kind=kind, sanction=event.sanction)
    record_append(chain=credit_chain(org.pk), kind="credit_event", actor=officer, to_state=event.status,
                  reason=description, data=_event_data(event))
    until = date_zh(ends_at) if ends_at else ("长期" if spec.sanction == "removal" else "")
    _notify_event(event, title=f"信用记录：{label}（{event.get_sanction_display()}）",
                  body=f"{description}{'，期限至' + until if until else ''}。如有异议可申诉一次。", key="raised")
    credit_score_refresh(organisation_id=org.pk)
    return event, True


# --- the automatic kinds: what other parts of the platform call --------------------------


def credit_raise_declined(*, request, organisation_id: int, round: int, reason: str, at=None):
    """A selected firm declined (放弃中选). Once per request and draw round."""
    return credit_event_raise(
        organisation_id=organisation_id, kind=Kind.DECLINED, cause_key=f"decline:{request.code}:{round}",
        region_id=request.region_id, request_id=request.pk, at=at,
        description=f"项目 {request.code}「{request.title}」中选后放弃，理由：{reason}",
    )


def credit_raise_contract_unsigned(*, request, organisation_id: int, at=None):
    """The selected firm did not sign the contract in time. Once per request and firm."""
    return credit_event_raise(
        organisation_id=organisation_id, kind=Kind.CONTRACT_UNSIGNED,
        cause_key=f"contract-unsigned:{request.code}:{organisation_id}", region_id=request.region_id,
        request_id=request.pk, at=at, description=f"项目 {request.code}「{request.title}」未在规定期限内签订合同。",
    )


def credit_raise_service_overdue(*, request, organisation_id: int, at=None):
    """The service was not delivered within its period. Once per request and firm."""
    return credit_event_raise(
        organisation_id=organisation_id, kind=Kind.SERVICE_OVERDUE,
        cause_key=f"service-overdue:{request.code}:{organisation_id}", region_id=request.region_id,
        request_id=request.pk, at=at, description=f"项目 {request.code}「{request.title}」未在服务期限内完成服务。",
    )


def credit_raise_false_materials(*, request, organisation_id: int, objection_id: int, officer=None, at=None):
    """An objection was upheld because the firm provided false materials. Once per objection."""
    return credit_event_raise(
        organisation_id=organisation_id, kind=Kind.FALSE_MATERIALS, cause_key=f"objection:{objection_id}",
        region_id=request.region_id, request_id=request.pk, at=at, officer=officer,
        description=f"项目 {request.code}「{request.title}」的质疑经查成立：提供虚假材料。",
    )


def credit_raise_contract_breach(*, request, organisation_id: int, officer=None, at=None):
    """The bureau terminated the firm's contract for breach. Once per request and firm."""
    return credit_event_raise(
        organisation_id=organisation_id, kind=Kind.CONTRACT_BREACH, cause_key=f"terminated:{request.code}",
        region_id=request.region_id, request_id=request.pk, at=at, officer=officer,
        description=f"项目 {request.code}「{request.title}」经业主申请、行政审批局认定违约，终止合同。",
    )


def credit_raise_rating_unsatisfied(*, rating, at=None):
    """An owner rated the firm 不满意. Never for a default rating (returns None). Once per rating."""
    if rating.is_default or rating.side != "owner" or rating.overall != "unsatisfied":
        return None
    req = rating.request
    return credit_event_raise(
        organisation_id=rating.rated_id, kind=Kind.RATING_UNSATISFIED, cause_key=f"rating:{rating.pk}",
        region_id=req.region_id, request_id=req.pk, at=at,
        description=f"项目 {req.code}「{req.title}」业主评价为不满意：{rating.comment or '（无评价意见）'}",
    )


# --- the bureau ------------------------------------------------------------------------


def _bureau(user) -> Organisation:
    org = user.organisation
    if org is None or not org.is_bureau:
        raise NotAllowed("只有行政审批局工作人员可以办理。")
    return org


@transaction.atomic
def credit_event_issue(*, user, organisation_id: int, kind: str, description: str, evidence,
                       starts_at: datetime | None = None) -> CreditEvent:
    """A bureau officer issues an event of a bureau kind (fake qualification, collusion,
    overcharging, bribery, red list) with its evidence; effective city-wide at once.
    The issuing region is the officer's."""
    bureau = _bureau(user)
    errors: dict[str, list[str]] = {}
    if kind not in BUREAU_ISSUED:
        errors["kind"] = ["该类别由平台自动记录，不能手工录入。"] if kind in AUTOMATIC else ["请选择事件类别。"]
    description = (description or "").strip()
    if not description:
        errors["description"] = ["请写明事实。"]
    elif len(description) > 2000:
        errors["description"] = [f"事实描述不能超过2000个字（当前{len(description)}个字）。"]
    if evidence is None:
        errors["evidence"] = ["请上传证据材料。"]
    target = Organisation.objects.filter(pk=organisation_id, kind=Organisation.Kind.INTERMEDIARY).first()
    if target is None:
        errors["organisation"] = ["请选择中介机构。"]
    if errors:
        raise ValidationFailed("信用事件未能录入，请按提示修改。", errors=errors)
    now = timezone.now()
    event, _ = credit_event_raise(
        organisation_id=target.pk, kind=kind, cause_key=f"issued:{bureau.pk}:{now.timestamp():.6f}:{target.pk}",
        region_id=bureau.region_id, description=description, at=starts_at or now, officer=user, evidence=evidence,
    )
    return event


def _lock_event(event_id: int) -> tuple[Organisation, CreditEvent]:
    org_id = CreditEvent.objects.filter(pk=event_id).values_list("organisation_id", flat=True).first()
    if org_id is None:
        raise NotAllowed("信用事件不存在。")
    org = _lock_org(org_id)
    event = CreditEvent.objects.select_related("organisation", "region").get(pk=event_id)
    return org, event


def credit_event_fire(event: CreditEvent, transition: str, *, actor, reason: str, kind: str,
                      data: dict | None = None) -> None:
    """Fire `transition` on a credit event, save it, and record the change with its actor in
    the firm's chain. Precondition: the caller holds the firm's row lock (`_lock_event`)."""
    before = event.status
    getattr(event, transition)(by=actor, at=timezone.now(), reason=reason)
    event.save()
    record_append(chain=credit_chain(event.organisation_id), kind=kind, actor=actor, from_state=before,
                  to_state=event.status, reason=reason, data={"event": event.pk, "transition": transition,
                                                              **(data or {})})
    if event.status in (CreditEvent.Status.REVOKED, CreditEvent.Status.EXPIRED):
        emit("credit.event_lifted", event_id=event.pk, organisation_id=event.organisation_id, status=event.status)


@transaction.atomic
def credit_event_revoke(*, user, event_id: int, reason: str) -> CreditEvent:
    """The bureau revokes an event with a reason (the event stays, marked revoked). A
    pending appeal is answered with the same reason as upheld."""
    _bureau(user)
    reason = text_clean(reason, field="reason", label="撤销理由", max_length=1000, required=True)
    _org, event = _lock_event(event_id)
    if not bureau_may_act_on_event(user=user, event=event):
        raise NotAllowed("县级工作人员只能撤销本县（市、区）录入的信用事件。")
    if event.status == CreditEvent.Status.REVOKED:
        raise InvalidState("该信用事件已撤销。")
    _revoke(event, actor=user, reason=reason)
    return event


def _revoke(event: CreditEvent, *, actor, reason: str) -> None:
    appeal = lock_rows(CreditAppeal.objects.filter(event=event, status=CreditAppeal.Status.PENDING)).first()
    data = {}
    if appeal is not None:
        before, after = written_answer_give(item=appeal, user=actor, uphold=True, answer=reason, at=timezone.now())
        data["appeal_status"] = [before, after]
    credit_event_fire(event, "revoke", actor=actor, reason=reason, kind="credit_revoked", data=data)
    _notify_event(event, title=f"信用记录已撤销：{event.kind}", body=reason, key="revoked")
    credit_score_refresh(organisation_id=event.organisation_id)


@transaction.atomic
def credit_event_revoke_system(*, event_id: int, actor, reason: str) -> CreditEvent:
    """Revoke an event because its cause fell away (a rating voided on dispute). No scope
    check: the caller's own service has checked the actor. Idempotent."""
    _org, event = _lock_event(event_id)
    if event.status != CreditEvent.Status.REVOKED:
        _revoke(event, actor=actor, reason=reason)
    return event


@transaction.atomic
def credit_appeal_file(*, user, event_id: int, reason: str) -> CreditAppeal:
    """The firm appeals one of its events, once, with a reason. The event is marked
    disputed (a sanction under appeal still applies); the bureau answers within the
    `credit_appeal_answer_workdays` rule."""
    reason = written_reason_clean(reason, label="申诉理由")
    _org, event = _lock_event(event_id)
    if user.organisation_id != event.organisation_id:
        raise NotAllowed("只能对本单位的信用记录申诉。")
    if CreditAppeal.objects.filter(event=event).exists():
        raise InvalidState("每条信用记录只能申诉一次。")
    if event.status not in (CreditEvent.Status.ACTIVE, CreditEvent.Status.EXPIRED):
        raise InvalidState("该信用记录当前不能申诉。")
    now = timezone.now()
    appeal = CreditAppeal.objects.create(event=event, reason=reason, filed_by=user, filed_at=now,
                                         answer_due=workday_due(now, rule_int("credit_appeal_answer_workdays")))
    if event.status == CreditEvent.Status.ACTIVE:
        credit_event_fire(event, "contest", actor=user, reason=reason, kind="credit_appealed",
                          data={"appeal": appeal.pk})
    else:  # an expired event may be appealed too (its record stays); its state does not change
        record_append(chain=credit_chain(event.organisation_id), kind="credit_appealed", actor=user,
                      from_state=event.status, to_state=event.status, reason=reason,
                      data={"event": event.pk, "appeal": appeal.pk})
    return appeal


@transaction.atomic
def credit_appeal_answer(*, user, event_id: int, uphold: bool, answer: str) -> CreditAppeal:
    """The bureau answers an appeal in writing: upheld revokes the event; rejected puts it
    back in force (or expired, if its end has passed meanwhile)."""
    _bureau(user)
    _org, event = _lock_event(event_id)
    if not bureau_may_act_on_event(user=user, event=event):
        raise NotAllowed("县级工作人员只能答复本县（市、区）录入的信用事件的申诉。")
    appeal = lock_rows(CreditAppeal.objects.filter(event=event)).first()
    if appeal is None or not appeal.is_pending:
        raise InvalidState("该信用记录没有待答复的申诉。")
    now = timezone.now()
    before, after = written_answer_give(item=appeal, user=user, uphold=uphold, answer=answer, at=now)
    answer = appeal.answer
    data = {"appeal": appeal.pk, "appeal_status": [before, after]}
    if event.status == CreditEvent.Status.DISPUTED or uphold:
        if uphold:
            transition = "revoke"
        elif event.ends_at is not None and event.ends_at <= now:
            transition = "expire"
        else:
            transition = "reinstate"
        credit_event_fire(event, transition, actor=user, reason=answer, kind="credit_appeal_answered", data=data)
    else:  # an appeal of an expired event, rejected: the record stays as it is
        record_append(chain=credit_chain(event.organisation_id), kind="credit_appeal_answered", actor=user,
                      from_state=event.status, to_state=event.status, reason=answer, data={"event": event.pk, **data})
    _notify_event(event, title=f"信用申诉已答复：{appeal.verdict}", body=answer, key="appeal-answered")
    credit_score_refresh(organisation_id=event.organisation_id)
    return appeal


def credit_events_expire_due(*, now: datetime | None = None, organisation_id: int | None = None) -> int:
    """Mark every event whose end has passed as expired and tell the firm. Used by the beat
    sweep and lazily by credit pages; the restriction check never waits for it (it ignores
    ended events by itself). Idempotent; returns the number expired."""
    now = now or timezone.now()
    due = CreditEvent.objects.filter(
        status__in=[CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED], ends_at__lte=now
    )
    if organisation_id is not None:
        due = due.filter(organisation_id=organisation_id)
    expired = 0
    for pk in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            _org, event = _lock_event(pk)
            if event.status not in (CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED) or not (
                event.ends_at and event.ends_at <= now
            ):
                continue
            credit_event_fire(event, "expire", actor=None, reason="期限届满，自动解除。", kind="credit_expired")
            what = "守信激励期满" if event.sanction == CreditEvent.Sanction.COMMENDATION else "信用限制已到期解除"
            _notify_event(event, title=f"{what}：{event.kind}",
                          body=f"该记录于 {datetime_zh(event.ends_at)} 期满，已自动解除。",
                          key="expired")
            expired += 1
    return expired


@transaction.atomic
def sanction_rule_set(*, user, kind: str, sanction: str, months: int, ban_years: int, points: int,
                      severity: str, source: str) -> SanctionRule:
    """City bureau staff change one row of the sanction table; new events apply it (events
    already recorded keep what they were issued with)."""
    _bureau(user)
    if not is_city_bureau(user):
        raise NotAllowed("失信惩戒标准由市行政审批局统一设定。")
    if kind not in SANCTION_DEFAULTS:
        raise ValidationFailed("未知的事件类别。")
    errors: dict[str, list[str]] = {}
    if sanction == CreditEvent.Sanction.SUSPENSION and months < 1:
        errors["months"] = ["暂停参与须设定至少1个月。"]
    if not -100 <= points <= 100:
        errors["points"] = ["信用分变动应在-100至100之间。"]
    if not (source or "").strip():
        errors["source"] = ["请填写依据。"]
    if errors:
        raise ValidationFailed("请按提示修改。", errors=errors)
    row = lock_rows(SanctionRule.objects.filter(kind=kind)).first()
    before = {} if row is None else {"sanction": row.sanction, "months": row.months, "ban_years": row.ban_years,
                                     "points": row.points, "severity": row.severity}
    row = row or SanctionRule(kind=kind)
    row.sanction, row.months, row.ban_years, row.points = sanction, months, ban_years, points
    row.severity, row.source, row.updated_by = severity, source.strip(), user
    row.save()
    record_append(chain=SANCTIONS_CHAIN, kind="sanction_set", actor=user, reason=kind,
                  data={"kind": kind, "before": before, "after": {"sanction": sanction, "months": months,
                        "ban_years": ban_years, "points": points, "severity": severity}})
    return row


@transaction.atomic
def credit_score_refresh(*, organisation_id: int, ratings: RatingInputs | None = None) -> CreditScore:
    """Recompute and store a firm's score snapshot (what the registry orders by), under the
    firm's row lock (callers that already hold it simply hold it again). `ratings` are the
    rating aggregates the ratings app hands over when a rating changes; None keeps the
    stored ones (a credit event changed)."""
    _lock_org(organisation_id)
    b = credit_score_compute(organisation_id=organisation_id, ratings=ratings)
    avgs = b.dimension_avgs
    score, _ = CreditScore.objects.update_or_create(
        organisation_id=organisation_id,
        defaults={
            "score": b.score, "stars": b.stars, "owner_part": b.owner_part, "sector_part": b.sector_part,
            "credit_part": b.credit_part, "quality_avg": avgs.get("quality"), "timeliness_avg": avgs.get("timeliness"),
            "attitude_avg": avgs.get("attitude"), "fees_avg": avgs.get("fees"), "conduct_avg": avgs.get("conduct"),
            "rating_count": b.rating_count, "default_count": b.default_count, "voided_count": b.voided_count,
            "owner_mean": b.owner_mean, "sector_count": b.sector_count, "sector_mean": b.sector_mean,
            "computed_at": timezone.now(),
        },
    )
    return score
