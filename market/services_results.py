"""Writes of a request's life after its selection: the owner confirms (竞价结果网上确认) or the
selected firm declines, publicity (公示) and objections (质疑), the contract, the service, its
delivery and acceptance, the rating's mark on the request, termination for breach, and the
overdue warnings (逾期预警).

Each service locks the request row, checks the actor and the state under the lock, fires
the transition through `market.lifecycle.request_fire` (audit chain, events), and notifies
after commit. Deadlines come from the rules in working days (`workday_due`) or days
(`day_due`). Overdue steps are recorded by `requests_overdue_sweep`, never by changing a
state.

Decision (objection rejected): publicity *resumes* with the time it had left when the
objection was lodged (`publicity_remaining_seconds`), so an objection can neither lengthen
nor shorten it. An upheld objection restarts a full period for the firm that takes the
disqualified firm's place.
"""

from datetime import datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.services import document_store, notification_push
from audit.services import record_append
from core.answers import written_answer_give, written_reason_clean
from core.calendar import day_due, workday_due
from core.exceptions import InvalidState, NotAllowed, NotEligible, ValidationFailed
from core.format import money, when
from core.jurisdiction import bureau_covers
from core.locking import lock_rows
from core.rules import rule_int
from core.text import money_clean, text_clean
from credit.services import (
    credit_raise_contract_breach,
    credit_raise_contract_unsigned,
    credit_raise_declined,
    credit_raise_false_materials,
    credit_raise_service_overdue,
)
from market.lifecycle import S, request_chain, request_fire
from market.models import (
    Objection,
    OverdueWarning,
    ServiceRequest,
    SignUp,
    TerminationRequest,
)
from market.selection import method_of
from market.selectors import bureau_organisations, firm_eligibility, request_price
from market.services_requests import next_in_line

# ---------------------------------------------------------------------------------------
# Helpers


def _lock(request_id: int) -> ServiceRequest:
    req = lock_rows(
        ServiceRequest.objects.select_related("service_item", "service_item__qualification_type").filter(pk=request_id)
    ).first()
    if req is None:
        raise NotAllowed("采购需求不存在。")
    return req


def _require_owner(req: ServiceRequest, user, what: str) -> None:
    if user.organisation_id is None or req.owner_id != user.organisation_id:
        raise NotAllowed(f"只有项目业主可以{what}。")


def _require_selected_firm(req: ServiceRequest, user, what: str) -> None:
    if user.organisation_id is None or req.selected_firm_id is None or req.selected_firm_id != user.organisation_id:
        raise NotAllowed(f"只有中选的中介机构可以{what}。")


def _require_bureau(req: ServiceRequest, user, what: str) -> None:
    if not bureau_covers(user=user, region_id=req.region_id):
        raise NotAllowed(f"只有负责该项目的行政审批局可以{what}。")


def _require_state(req: ServiceRequest, states, message: str) -> None:
    if req.status not in (states if isinstance(states, (list, tuple)) else [states]):
        raise InvalidState(message)


def _required_upload(upload: UploadedFile | None, field: str = "file") -> UploadedFile:
    if upload is None:
        raise ValidationFailed("请上传文件。", errors={field: ["请上传文件。"]})
    return upload


def _store(upload: UploadedFile, user, field: str):
    try:
        return document_store(upload=upload, organisation=user.organisation, user=user)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, errors={field: exc.errors.get("file", [exc.message])}) from None


def _notify(org, req: ServiceRequest, *, kind: str, title: str, body: str, key: str) -> None:
    if org is None:
        return
    notification_push(organisation=org, kind=kind, title=f"{title}：{req.title}", body=body,
                      url=f"/requests/{req.code}/", dedupe_key=f"{key}:{req.pk}:{org.pk}")


def _notify_bureau(req: ServiceRequest, *, kind: str, title: str, body: str, key: str) -> None:
    for org in bureau_organisations(region_id=req.region_id):
        _notify(org, req, kind=kind, title=title, body=body, key=key)


# ---------------------------------------------------------------------------------------
# Confirmation (竞价结果网上确认) and the selected firm declining


@transaction.atomic
def request_confirm(*, request_id: int, user) -> ServiceRequest:
    """The owner confirms the selection result: awaiting confirmation → publicity (公示)
    for the rule's working days."""
    req = _lock(request_id)
    _require_owner(req, user, "确认选取结果")
    _require_state(req, S.AWAITING_CONFIRMATION, "该项目当前没有待确认的选取结果。")
    now = timezone.now()
    firm = req.selected_firm
    publicity_ends_at = workday_due(now, rule_int("publicity_workdays"))
    request_fire(req, "confirm", actor=user, at=now, publicity_ends_at=publicity_ends_at,
                 data={"selected": firm.uscc, "publicity_ends_at": publicity_ends_at})
    notification_push(
        organisation=firm, kind="selection_confirmed", title=f"选取结果已确认：{req.title}",
        body=f"项目编号 {req.code}，结果公示至 {when(publicity_ends_at)}。", url=f"/requests/{req.code}/",
        dedupe_key=f"confirm:{req.pk}:{firm.pk}:{req.status_changed_at.isoformat()}",
    )
    return req


@transaction.atomic
def request_decline(*, request_id: int, user, reason: str) -> ServiceRequest:
    """The selected firm declines (放弃中选). It is sanctioned through the sanction table's
    "declined" row (once per request and round), and the next firm of the method's ranking
    that is still eligible takes its place, to be confirmed by the owner; there is never a
    second draw or auction. With nobody left the request fails (流标)."""
    reason = text_clean(reason, field="reason", label="放弃理由", max_length=500, required=True)
    req = _lock(request_id)
    _require_selected_firm(req, user, "放弃中选")
    _require_state(req, [S.AWAITING_CONFIRMATION, S.PUBLICITY], "当前阶段不能放弃中选。")
    now = timezone.now()
    declined = req.selected_firm
    event, _ = credit_raise_declined(request=req, organisation_id=declined.pk, round=req.publish_count,
                                     reason=reason, at=now)
    substitute, skipped = next_in_line(req, after=declined, now=now)
    data = {"declined": declined.uscc, "sanction_event": event.pk, "skipped": skipped}
    method = method_of(req)
    if substitute is None:
        message = f"中选机构放弃中选，排序中已无符合条件的递补机构，本次采购失败（流标）。放弃理由：{reason}"
        request_fire(req, "fail", actor=user, reason=reason, at=now, closing_reason=message, data=data)
    else:
        confirm_due = workday_due(now, rule_int("confirm_workdays"))
        data.update(substitute=substitute.uscc)
        request_fire(req, "substitute", actor=user, reason=reason, at=now, firm=substitute,
                     confirm_due=confirm_due, data=data)
        notification_push(
            organisation=substitute, kind="selection_selected", title=f"您单位递补中选：{req.title}",
            body=f"项目编号 {req.code}，原中选机构放弃，您单位按{method.ranking_label or method.label}递补，请等待项目业主确认。",
            url=method.result_url(req), dedupe_key=f"substitute:{req.pk}:{substitute.pk}",
        )
    notification_push(
        organisation=req.owner, kind="selection_declined", title=f"中选机构放弃中选：{req.title}",
        body=(f"{declined.name}放弃中选（{reason}）。"
              + (f"递补机构：{substitute.name}，请确认。" if substitute else "无可递补机构，本次采购流标。")),
        url=f"/requests/{req.code}/", dedupe_key=f"decline:{req.pk}:{declined.pk}",
    )
    return req


# ---------------------------------------------------------------------------------------
# Publicity and objections (公示、质疑)


def publicity_end(*, request_id: int, now: datetime | None = None) -> ServiceRequest | None:
    """End the publicity of a request whose publicity end has passed: to contracting, with
    the contract deadline (`contract_days` days after the publicity end). Idempotent;
    None when another worker holds the row (it will do the work)."""
    now = now or timezone.now()
    with transaction.atomic():
        req = lock_rows(ServiceRequest.objects.filter(pk=request_id), skip_locked=True).first()
        if req is None:
            return None
        if req.status != S.PUBLICITY or req.publicity_ends_at is None or req.publicity_ends_at > now:
            return req
        contract_due = day_due(req.publicity_ends_at, rule_int("contract_days"))
        request_fire(req, "end_publicity", actor=None, at=now, contract_due=contract_due,
                     data={"publicity_ended_at": req.publicity_ends_at, "contract_due": contract_due})
        body = f"公示期满，请于 {when(contract_due)} 前签订并上传合同。"
        _notify(req.owner, req, kind="publicity_ended", title="公示结束", body=body, key="publicity-end")
        _notify(req.selected_firm, req, kind="publicity_ended", title="公示结束", body=body, key="publicity-end")
        return req


@transaction.atomic
def objection_lodge(*, request_id: int, user, reason: str, attachment: UploadedFile | None) -> Objection:
    """A registrant of the current round (not the selected firm) objects (质疑) to the
    result, with a reason and an attachment, only while publicity runs. The request goes
    to `objection` and publicity pauses; the bureau answers within the rule's working days."""
    reason = written_reason_clean(reason, label="质疑理由")
    upload = _required_upload(attachment, "attachment")
    req = _lock(request_id)
    org = user.organisation
    if org is None or not SignUp.objects.filter(request=req, organisation=org, round=req.publish_count).exists():
        raise NotAllowed("只有本项目的报名机构可以提出质疑。")
    if org.pk == req.selected_firm_id:
        raise NotAllowed("中选机构不能对自己的中选结果提出质疑。")
    now = timezone.now()
    if req.status != S.PUBLICITY or req.publicity_ends_at is None or req.publicity_ends_at <= now:
        raise InvalidState("质疑只能在结果公示期内提出。")
    document = _store(upload, user, "attachment")
    answer_due = workday_due(now, rule_int("objection_answer_workdays"))
    objection = Objection.objects.create(
        request=req, objector=org, against=req.selected_firm, filed_by=user, reason=reason, attachment=document,
        filed_at=now, answer_due=answer_due,
    )
    request_fire(req, "lodge_objection", actor=user, reason=reason, at=now,
                 data={"objection": objection.pk, "objector": org.uscc, "answer_due": answer_due,
                       "attachment_sha256": document.sha256})
    body = f"{org.name}对选取结果提出质疑，公示暂停。答复期限 {when(answer_due)}。"
    key = f"objection-{objection.pk}"
    _notify_bureau(req, kind="objection_lodged", title="收到质疑", body=body, key=key)
    _notify(req.owner, req, kind="objection_lodged", title="收到质疑", body=body, key=key)
    _notify(req.selected_firm, req, kind="objection_lodged", title="收到质疑", body=body, key=key)
    return objection


@transaction.atomic
def objection_answer(*, objection_id: int, user, uphold: bool, answer: str, false_materials: bool = False) -> Objection:
    """The bureau (in scope) answers an objection in writing; the objector sees the answer.

    Upheld: the firm objected against is disqualified, the next eligible firm of the
    method's ranking takes its place and a full publicity period starts again (nobody left:
    流标). Upheld because the firm provided false materials (`false_materials`): a credit
    event (removal under the sanction table) is raised once for this objection as well.
    Rejected: publicity resumes with the time it had left when the objection was lodged.
    """
    request_id = Objection.objects.filter(pk=objection_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("质疑不存在。")
    req = _lock(request_id)
    _require_bureau(req, user, "答复质疑")
    objection = lock_rows(Objection.objects.filter(pk=objection_id)).get()
    if not objection.is_pending or req.status != S.OBJECTION:
        raise InvalidState("该质疑已答复。")
    now = timezone.now()
    before, after = written_answer_give(item=objection, user=user, uphold=uphold, answer=answer, at=now)
    answer = objection.answer
    data = {"objection": objection.pk, "upheld": uphold, "objection_status": [before, after]}
    if uphold:
        disqualified = req.selected_firm
        if false_materials:
            event, _ = credit_raise_false_materials(request=req, organisation_id=disqualified.pk,
                                                    objection_id=objection.pk, officer=user, at=now)
            data.update(false_materials=True, credit_event=event.pk)
        substitute, skipped = next_in_line(req, after=disqualified, now=now)
        data.update(disqualified=disqualified.uscc, skipped=skipped)
        if substitute is None:
            message = f"质疑成立，中选机构被取消资格，且无符合条件的递补机构，本次采购失败（流标）。答复：{answer}"
            request_fire(req, "fail", actor=user, reason=answer, at=now, closing_reason=message, data=data)
        else:
            ends = workday_due(now, rule_int("publicity_workdays"))
            data.update(substitute=substitute.uscc, publicity_ends_at=ends)
            request_fire(req, "uphold_objection", actor=user, reason=answer, at=now, firm=substitute,
                         publicity_ends_at=ends, data=data)
            _notify(substitute, req, kind="selection_selected", title="您单位递补中选",
                    body=f"质疑成立，原中选机构被取消资格，您单位递补中选，公示至 {when(ends)}。", key="objection-sub")
        _notify(disqualified, req, kind="objection_upheld", title="质疑成立，中选资格被取消", body=answer,
                key=f"objection-answer-{objection.pk}")
    else:
        ends = now + timedelta(seconds=req.publicity_remaining_seconds or 0)
        data.update(publicity_ends_at=ends)
        request_fire(req, "dismiss_objection", actor=user, reason=answer, at=now, publicity_ends_at=ends, data=data)
    verdict = objection.verdict
    _notify(objection.objector, req, kind="objection_answered", title=f"质疑答复：{verdict}", body=answer,
            key=f"objection-answer-{objection.pk}")
    _notify(req.owner, req, kind="objection_answered", title=f"质疑答复：{verdict}", body=answer,
            key=f"objection-answer-{objection.pk}")
    return objection


# ---------------------------------------------------------------------------------------
# Contract, service, delivery, acceptance, rating


@transaction.atomic
def contract_upload(*, request_id: int, user, document: UploadedFile | None, amount) -> ServiceRequest:
    """Upload the signed contract during contracting.

    The owner uploads first, with the amount, which may not be above the price (what the
    selected firm's method says: its own bid in an auction, its quote in a comparison, else
    the ceiling): a higher amount is refused. The owner may replace its upload until the
    firm signs. The selected firm then uploads its signed copy with the same amount: the
    request goes to in service, and the service ends `service_days` days later. A firm
    restricted since its selection (by any county) cannot be contracted, whoever uploads.
    """
    value = money_clean(amount, field="amount", label="合同金额")
    req = _lock(request_id)
    org_id = user.organisation_id
    is_owner = org_id is not None and org_id == req.owner_id
    is_firm = org_id is not None and org_id == req.selected_firm_id
    if not (is_owner or is_firm):
        raise NotAllowed("只有项目业主和中选机构可以上传合同。")
    _require_state(req, S.CONTRACTING, "当前不在合同签订阶段。")
    verdict = firm_eligibility(organisation=req.selected_firm, request=req)
    if not verdict.ok:
        raise NotEligible(f"中选机构当前不能签订合同：{verdict.message}", code=verdict.code)
    price = request_price(req)
    if value > price:
        message = f"合同金额 {money(value)} 高于中选价格 {money(price)}，不予接受。"
        raise ValidationFailed(message, errors={"amount": [message]})
    upload = _required_upload(document, "document")
    now = timezone.now()
    if is_owner:
        stored = _store(upload, user, "document")
        req.contract_amount, req.contract_owner_document, req.contract_owner_at = value, stored, now
        req.save(update_fields=["contract_amount", "contract_owner_document", "contract_owner_at"])
        record_append(chain=request_chain(req), kind="contract_owner", actor=user,
                      data={"amount": value, "document_sha256": stored.sha256})
        _notify(req.selected_firm, req, kind="contract_uploaded", title="业主已上传合同",
                body=f"合同金额 {money(value)}，请于 {when(req.contract_due)} 前上传盖章合同。",
                key=f"contract-{stored.pk}")
        return req
    if req.contract_owner_document_id is None:
        raise InvalidState("请等待项目业主先上传合同。")
    if value != req.contract_amount:
        message = f"合同金额应与业主上传的合同一致（{money(req.contract_amount)}）。"
        raise ValidationFailed(message, errors={"amount": [message]})
    stored = _store(upload, user, "document")
    ends = now + timedelta(days=req.service_days)
    request_fire(req, "start_service", actor=user, at=now, document=stored, service_ends_at=ends,
                 data={"amount": value, "document_sha256": stored.sha256, "service_ends_at": ends})
    _notify(req.owner, req, kind="contract_signed", title="合同已签订",
            body=f"服务开始，服务期限至 {when(ends)}。", key="contract-signed")
    return req


@transaction.atomic
def result_deliver(*, request_id: int, user, document: UploadedFile | None) -> ServiceRequest:
    """The selected firm uploads the service result (结果文件): in service → delivered."""
    req = _lock(request_id)
    _require_selected_firm(req, user, "上传服务成果")
    _require_state(req, S.IN_SERVICE, "当前不在服务阶段。")
    stored = _store(_required_upload(document, "document"), user, "document")
    now = timezone.now()
    request_fire(req, "deliver", actor=user, at=now, document=stored,
                 data={"document_sha256": stored.sha256,
                       "late": bool(req.service_ends_at and now > req.service_ends_at)})
    _notify(req.owner, req, kind="result_delivered", title="服务成果已交付", body="请审阅成果文件并验收。", key="delivered")
    return req


ACCEPT_COMMENT_MAX = 500


@transaction.atomic
def request_accept(*, request_id: int, user, comment: str = "") -> ServiceRequest:
    """The owner accepts the delivered result, with an optional comment (at most
    `ACCEPT_COMMENT_MAX` characters, recorded with the transition): delivered → completed;
    the rating period starts."""
    comment = text_clean(comment, field="comment", label="验收意见", max_length=ACCEPT_COMMENT_MAX)
    req = _lock(request_id)
    _require_owner(req, user, "验收服务成果")
    _require_state(req, S.DELIVERED, "当前没有待验收的服务成果。")
    request_fire(req, "accept", actor=user, reason=comment, at=timezone.now())
    _notify(req.selected_firm, req, kind="result_accepted", title="服务成果已验收",
            body=f"项目已验收。{('验收意见：' + comment) if comment else ''}", key="accepted")
    return req


def request_mark_rated(*, request: ServiceRequest, actor, at: datetime, reason: str = "",
                       data: dict | None = None) -> None:
    """The owner's rating of the firm (or the default one) is recorded: completed → rated.
    Precondition: the caller (ratings) holds the request's row lock in its transaction."""
    request_fire(request, "rate", actor=actor, at=at, reason=reason, data=data)


def request_lock(*, request_id: int) -> ServiceRequest:
    """Lock and return a request inside the caller's transaction (for upper apps that
    change a request through this module's services). Raises NotAllowed if absent."""
    return _lock(request_id)


# ---------------------------------------------------------------------------------------
# Termination for breach


@transaction.atomic
def termination_ask(*, request_id: int, user, reason: str, evidence: UploadedFile | None) -> TerminationRequest:
    """The owner asks the bureau to terminate the contract for breach, with evidence; the
    bureau answers within the rule's working days."""
    reason = written_reason_clean(reason, label="违约事实")
    upload = _required_upload(evidence, "evidence")
    req = _lock(request_id)
    _require_owner(req, user, "申请终止合同")
    _require_state(req, [S.CONTRACTING, S.IN_SERVICE, S.DELIVERED], "当前阶段不能申请终止合同。")
    if TerminationRequest.objects.filter(request=req, status=TerminationRequest.Status.PENDING).exists():
        raise InvalidState("已有待处理的终止申请。")
    stored = _store(upload, user, "evidence")
    now = timezone.now()
    answer_due = workday_due(now, rule_int("objection_answer_workdays"))
    ask = TerminationRequest.objects.create(request=req, filed_by=user, reason=reason, evidence=stored,
                                            filed_at=now, answer_due=answer_due)
    record_append(chain=request_chain(req), kind="termination_asked", actor=user, reason=reason,
                  to_state=ask.status, data={"termination": ask.pk, "evidence_sha256": stored.sha256,
                                             "answer_due": answer_due})
    _notify_bureau(req, kind="termination_asked", title="业主申请终止合同", body=reason, key=f"termination-{ask.pk}")
    _notify(req.selected_firm, req, kind="termination_asked", title="业主申请终止合同", body=reason,
            key=f"termination-{ask.pk}")
    return ask


@transaction.atomic
def termination_decide(*, termination_id: int, user, grant: bool, answer: str) -> TerminationRequest:
    """The bureau (in scope) grants (→ terminated, and a credit warning for the firm) or
    refuses the owner's request, with a written answer both parties see."""
    request_id = TerminationRequest.objects.filter(pk=termination_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("终止申请不存在。")
    req = _lock(request_id)
    _require_bureau(req, user, "处理终止申请")
    ask = lock_rows(TerminationRequest.objects.filter(pk=termination_id)).get()
    if not ask.is_pending:
        raise InvalidState("该申请已处理。")
    if grant:
        _require_state(req, [S.CONTRACTING, S.IN_SERVICE, S.DELIVERED], "当前阶段不能终止合同。")
    now = timezone.now()
    before, after = written_answer_give(item=ask, user=user, uphold=grant, answer=answer, at=now)
    data = {"termination": ask.pk, "termination_status": [before, after]}
    if grant:
        firm = req.selected_firm
        request_fire(req, "terminate", actor=user, reason=ask.answer, at=now,
                     closing_reason=f"违约终止：{ask.reason}", data=data)
        credit_raise_contract_breach(request=req, organisation_id=firm.pk, officer=user, at=now)
    else:
        record_append(chain=request_chain(req), kind="termination_refused", actor=user, reason=ask.answer,
                      from_state=before, to_state=after, data=data)
    for org in (req.owner, req.selected_firm):
        _notify(org, req, kind="termination_decided", title=f"终止申请处理结果：{ask.verdict}", body=ask.answer,
                key=f"termination-decided-{ask.pk}")
    return ask


# ---------------------------------------------------------------------------------------
# Overdue steps (逾期预警)


def _warn(req: ServiceRequest, *, step: str, key: str, party: str, organisation, due_at: datetime, now: datetime) -> bool:
    """Record one overdue warning (once per request and step key) and notify the party at
    fault and the bureau. Returns whether it was new."""
    with transaction.atomic():
        locked = lock_rows(ServiceRequest.objects.filter(pk=req.pk)).first()
        if locked is None or OverdueWarning.objects.filter(request=req, step_key=key).exists():
            return False
        warning = OverdueWarning.objects.create(request=locked, step=step, step_key=key, party=party,
                                                organisation=organisation, due_at=due_at, detected_at=now)
        # Not signing in time and not delivering in time are credit events of the firm too.
        if step == OverdueWarning.Step.CONTRACT_FIRM:
            credit_raise_contract_unsigned(request=locked, organisation_id=organisation.pk, at=now)
        elif step == OverdueWarning.Step.SERVICE:
            credit_raise_service_overdue(request=locked, organisation_id=organisation.pk, at=now)
        label = warning.get_step_display()
        record_append(chain=request_chain(locked), kind="overdue", actor=None, reason=label,
                      data={"step": step, "party": party, "due_at": due_at})
        body = f"{label}（期限 {when(due_at)}）。"
        if organisation is not None:
            _notify(organisation, locked, kind="overdue", title="逾期预警", body=body, key=f"overdue-{key}")
        _notify_bureau(locked, kind="overdue", title="逾期预警", body=body, key=f"overdue-{key}")
        return True


OVERDUE_BATCH = 200


def requests_overdue_sweep(*, now: datetime | None = None, request_id: int | None = None) -> int:
    """Record an overdue warning for every step past its deadline: the owner not confirming,
    the owner not uploading or the firm not signing the contract, the service past its
    period, an objection not answered. States are not changed. Returns the number of new
    warnings; a step already warned is skipped in the query, so a quiet sweep is cheap.
    With `request_id`, only that request is looked at (the lazy check of one page)."""
    now = now or timezone.now()
    base = ServiceRequest.objects.all() if request_id is None else ServiceRequest.objects.filter(pk=request_id)
    created = 0

    def not_warned(key):
        return ~Exists(OverdueWarning.objects.filter(request=OuterRef("pk"), step_key=key))

    # A substitute gets its own confirmation step (and deadline): the key names the firm.
    for req in (
        base.filter(status=S.AWAITING_CONFIRMATION, confirm_due__lt=now)
        .exclude(Exists(OverdueWarning.objects.filter(request=OuterRef("pk"), step=OverdueWarning.Step.CONFIRM,
                                                      due_at=OuterRef("confirm_due"))))
        .select_related("owner")[:OVERDUE_BATCH]
    ):
        created += _warn(req, step=OverdueWarning.Step.CONFIRM, key=f"confirm:{req.selected_firm_id}", party="owner",
                         organisation=req.owner, due_at=req.confirm_due, now=now)
    for req in base.filter(status=S.CONTRACTING, contract_due__lt=now, contract_owner_document__isnull=True).filter(
        not_warned("contract_owner")
    ).select_related("owner")[:OVERDUE_BATCH]:
        created += _warn(req, step=OverdueWarning.Step.CONTRACT_OWNER, key="contract_owner", party="owner",
                         organisation=req.owner, due_at=req.contract_due, now=now)
    for req in base.filter(status=S.CONTRACTING, contract_due__lt=now, contract_owner_document__isnull=False).filter(
        not_warned("contract_firm")
    ).select_related("selected_firm")[:OVERDUE_BATCH]:
        created += _warn(req, step=OverdueWarning.Step.CONTRACT_FIRM, key="contract_firm", party="firm",
                         organisation=req.selected_firm, due_at=req.contract_due, now=now)
    for req in base.filter(status=S.IN_SERVICE, service_ends_at__lt=now).filter(
        not_warned("service")
    ).select_related("selected_firm")[:OVERDUE_BATCH]:
        created += _warn(req, step=OverdueWarning.Step.SERVICE, key="service", party="firm",
                         organisation=req.selected_firm, due_at=req.service_ends_at, now=now)
    objections = Objection.objects.filter(status=Objection.Status.PENDING, answer_due__lt=now)
    if request_id is not None:
        objections = objections.filter(request_id=request_id)
    for objection in objections.select_related("request")[:OVERDUE_BATCH]:
        key = f"objection:{objection.pk}"
        if OverdueWarning.objects.filter(request_id=objection.request_id, step_key=key).exists():
            continue
        created += _warn(objection.request, step=OverdueWarning.Step.OBJECTION_ANSWER, key=key, party="bureau",
                         organisation=None, due_at=objection.answer_due, now=now)
    return created


def publicity_sweep_due(*, now: datetime | None = None) -> int:
    """End every publicity whose end has passed (the beat sweep). Returns how many were due."""
    now = now or timezone.now()
    due = list(ServiceRequest.objects.filter(status=S.PUBLICITY, publicity_ends_at__lte=now)
               .values_list("pk", flat=True)[:500])
    for pk in due:
        publicity_end(request_id=pk, now=now)
    return len(due)
