"""Writes of a request's life after selection, and of direct pick (直接选取).

awaiting_confirmation ─confirm→ publicity ─(end: sweep or lazy)→ contracting
  publicity ─objection_lodge→ objection ─answer: uphold (next in line, publicity restarts)
                                               │  or dismiss (publicity resumes with the time it had left)
contracting ─owner uploads the signed contract (amount ≤ price), firm uploads its signed copy→ in_service
in_service ─firm uploads the result (结果文件)→ delivered ─owner accepts→ completed
contracting / in_service / delivered ─owner asks, bureau grants→ terminated

Each service: lock the request row (`lock_rows`), check the actor and the state under the
lock, write (FSM transitions via `market.services._transition`, which records them in the
audit chain), then notify after commit (`notification_push` schedules its push on commit).
Deadlines come from the rules (`rule_int`) in working days (`workday_due`) or days
(`day_due`). Overdue steps are recorded by `requests_overdue_sweep`, never by changing a state.

Decision (objection dismissed): publicity *resumes* with the time it had left when the
objection was lodged (stored as `publicity_remaining_seconds`), so an objection cannot be
used to lengthen or shorten the publicity. An upheld objection restarts a full period for
the firm that takes the disqualified firm's place.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Organisation
from accounts.services import document_store, notification_push
from audit.services import record_append
from core.calendar import day_due, workday_due
from core.exceptions import InvalidState, NotAllowed, NotEligible, ValidationFailed
from core.format import datetime_zh, money
from core.locking import lock_rows
from core.rules import rule_int
from market.models import (
    DirectPickPolicy,
    Objection,
    OverdueWarning,
    ServiceRequest,
    TerminationRequest,
)
from market.selectors import (
    direct_pick_allowed,
    firm_eligibility,
    request_price,
    request_visible_to_bureau,
)
from market.services import _transition, request_chain

S = ServiceRequest.Status
POLICY_CHAIN = "direct-pick-policy"


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
    if not request_visible_to_bureau(user=user, request=req):
        raise NotAllowed(f"只有负责该项目的行政审批局可以{what}。")


def _require_state(req: ServiceRequest, states, message: str) -> None:
    if req.status not in (states if isinstance(states, (list, tuple)) else [states]):
        raise InvalidState(message)


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, errors={field: [message]})
    return value


def _required_upload(upload: UploadedFile | None, field: str = "file") -> UploadedFile:
    if upload is None:
        raise ValidationFailed("请上传文件。", errors={field: ["请上传文件。"]})
    return upload


def _store(upload: UploadedFile, user, field: str):
    try:
        return document_store(upload=upload, organisation=user.organisation, user=user)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, errors={field: exc.errors.get("file", [exc.message])}) from None


def _amount(raw, field: str = "amount") -> Decimal:
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("请填写有效的合同金额。", errors={field: ["请填写有效的合同金额。"]}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationFailed("合同金额必须大于0。", errors={field: ["合同金额必须大于0。"]})
    return value


def bureau_organisations(req: ServiceRequest):
    """Bureau organisations responsible for `req`: the city's and its county's."""
    return Organisation.objects.filter(kind=Organisation.Kind.BUREAU).filter(
        Q(region__level="city") | Q(region_id=req.region_id)
    )


def _notify(org, req: ServiceRequest, *, kind: str, title: str, body: str, key: str) -> None:
    if org is None:
        return
    notification_push(organisation=org, kind=kind, title=f"{title}：{req.title}", body=body,
                      url=f"/requests/{req.code}/", dedupe_key=f"{key}:{req.pk}:{org.pk}")


def _notify_bureau(req: ServiceRequest, *, kind: str, title: str, body: str, key: str) -> None:
    for org in bureau_organisations(req):
        _notify(org, req, kind=kind, title=title, body=body, key=key)


def _local(at: datetime) -> str:
    return datetime_zh(at)


# ---------------------------------------------------------------------------------------
# Direct pick (直接选取)


@transaction.atomic
def direct_pick_policy_set(*, user, region_code: str, funding: str, allowed: bool, source: str) -> DirectPickPolicy:
    """City bureau staff set whether requests of a region and funding type may be published
    for direct pick, with the text that allows it. Recorded in the policy's audit chain."""
    org = user.organisation
    if org is None or not org.is_bureau or not org.region.is_city:
        raise NotAllowed("只有市行政审批局可以设置直接选取适用范围。")
    if funding not in ServiceRequest.Funding.values:
        raise ValidationFailed("资金来源无效。", errors={"funding": ["资金来源无效。"]})
    source = _required_text(source, "source", "请填写依据。")
    policy = lock_rows(DirectPickPolicy.objects.filter(region_id=region_code, funding=funding)).first()
    old = None if policy is None else policy.allowed
    if policy is None:
        policy = DirectPickPolicy(region_id=region_code, funding=funding)
    policy.allowed, policy.source, policy.updated_by = allowed, source, user
    policy.save()
    record_append(chain=POLICY_CHAIN, kind="direct_pick_policy", actor=user,
                  data={"region": region_code, "funding": funding, "old": old, "new": allowed, "source": source})
    return policy


def direct_pick_candidates(*, request: ServiceRequest, at: datetime | None = None) -> list[tuple[Organisation, object]]:
    """Firms that signed up for `request` (the current round while selecting, any round
    after a failure) with their eligibility verdict now."""
    from market.models import SignUp

    at = at or timezone.now()
    signups = SignUp.objects.filter(request=request)
    if request.status == S.SELECTING:
        signups = signups.filter(round=request.publish_count)
    orgs = Organisation.objects.filter(pk__in=signups.values("organisation_id")).order_by("name")
    return [(org, firm_eligibility(organisation=org, request=request, at=at)) for org in orgs]


def direct_pick_open(request: ServiceRequest) -> str:
    """Why the owner may pick directly now ("" if not): a request published for direct
    pick whose sign-up has closed, or a failed request after the rule's failure count."""
    if request.status == S.SELECTING and request.method == ServiceRequest.Method.DIRECT:
        return "published_direct"
    if request.status == S.FAILED and request.failure_count >= rule_int("direct_pick_after_failures"):
        return "after_failures"
    return ""


@transaction.atomic
def request_direct_pick(*, request_id: int, user, firm_id: int, reason: str) -> ServiceRequest:
    """The owner picks a firm directly among those who signed up, with a required reason:
    the request goes to awaiting confirmation with that firm selected, flagged
    `direct_pick` for the bureau's supervision.

    Allowed for a request published for direct pick (where `DirectPickPolicy` allows it)
    once sign-up closed, or for a failed request whose failure count reached the rule
    `direct_pick_after_failures`. The firm must have signed up and pass
    `firm_eligibility` (credit included) now.
    """
    from market.models import SignUp

    reason = _required_text(reason, "reason", "直接选取须说明理由。")
    req = _lock(request_id)
    _require_owner(req, user, "直接选取中介机构")
    route = direct_pick_open(req)
    if not route:
        after = rule_int("direct_pick_after_failures")
        raise InvalidState(f"直接选取仅适用于按直接选取方式发布且报名已截止的项目，或第{after}次流标后的项目。")
    if route == "published_direct" and not direct_pick_allowed(region_id=req.region_id, funding=req.funding):
        raise InvalidState("该区划和资金来源的项目不允许直接选取。")
    firm = Organisation.objects.filter(pk=firm_id).first()
    signups = SignUp.objects.filter(request=req, organisation_id=firm_id)
    if route == "published_direct":
        signups = signups.filter(round=req.publish_count)
    if firm is None or not signups.exists():
        raise ValidationFailed("只能在报名机构中直接选取。", errors={"firm": ["只能在报名机构中直接选取。"]})
    now = timezone.now()
    verdict = firm_eligibility(organisation=firm, request=req, at=now)
    if not verdict.ok:
        raise NotEligible(verdict.message, code=verdict.code)
    confirm_due = workday_due(now, rule_int("confirm_workdays"))
    _transition(req, name="pick_directly", actor=user,
                args={"at": now, "firm": firm, "reason": reason, "confirm_due": confirm_due}, reason=reason,
                data={"method": "direct", "route": route, "selected": firm.uscc, "failure_count": req.failure_count,
                      "confirm_due": confirm_due})
    _notify(firm, req, kind="direct_picked", title="您单位被直接选取",
            body=f"项目编号 {req.code}，业主直接选取理由：{reason}。请等待业主确认。", key="direct")
    _notify_bureau(req, kind="direct_pick_flagged", title="直接选取待监督",
                   body=f"{req.owner.name}直接选取{firm.name}，理由：{reason}", key="direct-bureau")
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
        _transition(req, name="end_publicity", actor=None, args={"at": now, "contract_due": contract_due},
                    data={"publicity_ended_at": req.publicity_ends_at, "contract_due": contract_due})
        body = f"公示期满，请于 {_local(contract_due)} 前签订并上传合同。"
        _notify(req.owner, req, kind="publicity_ended", title="公示结束", body=body, key="publicity-end")
        _notify(req.selected_firm, req, kind="publicity_ended", title="公示结束", body=body, key="publicity-end")
        return req


@transaction.atomic
def objection_lodge(*, request_id: int, user, reason: str, attachment: UploadedFile | None) -> Objection:
    """A registrant of the current round (not the selected firm) objects (质疑) to the
    result, with a reason and an attachment, only while publicity runs. The request goes
    to `objection` and publicity pauses; the bureau answers within the rule's working days."""
    from market.models import SignUp

    reason = _required_text(reason, "reason", "请填写质疑理由。")
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
        request=req, objector=org, against=req.selected_firm, user=user, reason=reason, attachment=document,
        lodged_at=now, answer_due=answer_due,
    )
    _transition(req, name="lodge_objection", actor=user, args={"at": now}, reason=reason,
                data={"objection": objection.pk, "objector": org.uscc, "answer_due": answer_due,
                      "attachment_sha256": document.sha256})
    body = f"{org.name}对选取结果提出质疑，公示暂停。答复期限 {_local(answer_due)}。"
    _notify_bureau(req, kind="objection_lodged", title="收到质疑", body=body, key=f"objection-{objection.pk}")
    _notify(req.owner, req, kind="objection_lodged", title="收到质疑", body=body, key=f"objection-{objection.pk}")
    _notify(req.selected_firm, req, kind="objection_lodged", title="收到质疑", body=body, key=f"objection-{objection.pk}")
    return objection


@transaction.atomic
def objection_answer(*, objection_id: int, user, uphold: bool, answer: str, false_materials: bool = False) -> Objection:
    """The bureau (in scope) answers an objection in writing; the objector sees the answer.

    Upheld: the firm objected against is disqualified, the next eligible firm of the draw's
    ranking takes its place and a full publicity period starts again (no one left: 流标).
    Upheld because the firm provided false materials (`false_materials`): a credit event
    (removal under the sanction table) is raised once for this objection as well.
    Dismissed: publicity resumes with the time it had left when the objection was lodged.
    """
    answer = _required_text(answer, "answer", "请填写书面答复。")
    request_id = Objection.objects.filter(pk=objection_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("质疑不存在。")
    req = _lock(request_id)
    _require_bureau(req, user, "答复质疑")
    objection = lock_rows(Objection.objects.filter(pk=objection_id)).get()
    if objection.status != Objection.Status.PENDING or req.status != S.OBJECTION:
        raise InvalidState("该质疑已答复。")
    now = timezone.now()
    objection.answer, objection.answered_by, objection.answered_at = answer, user, now
    data = {"objection": objection.pk, "upheld": uphold}
    if uphold:
        from bidding.services_selection import next_in_line

        objection.status = Objection.Status.UPHELD
        objection.save()
        disqualified = req.selected_firm
        if false_materials:
            from credit.services import credit_raise_false_materials

            event, _ = credit_raise_false_materials(request=req, organisation_id=disqualified.pk,
                                                    objection_id=objection.pk, officer=user, at=now)
            data.update(false_materials=True, credit_event=event.pk)
        substitute, skipped = next_in_line(req, after=disqualified, now=now)
        data.update(disqualified=disqualified.uscc, skipped=skipped)
        if substitute is None:
            message = f"质疑成立，中选机构被取消资格，且无符合条件的递补机构，本次采购失败（流标）。答复：{answer}"
            _transition(req, name="fail", actor=user, args={"at": now, "reason": message}, reason=answer, data=data)
        else:
            ends = workday_due(now, rule_int("publicity_workdays"))
            data.update(substitute=substitute.uscc, publicity_ends_at=ends)
            _transition(req, name="uphold_objection", actor=user,
                        args={"at": now, "firm": substitute, "publicity_ends_at": ends}, reason=answer, data=data)
            _notify(substitute, req, kind="draw_selected", title="您单位递补中选",
                    body=f"质疑成立，原中选机构被取消资格，您单位递补中选，公示至 {_local(ends)}。", key="objection-sub")
        _notify(disqualified, req, kind="objection_upheld", title="质疑成立，中选资格被取消", body=answer,
                key=f"objection-answer-{objection.pk}")
    else:
        objection.status = Objection.Status.DISMISSED
        objection.save()
        ends = now + timedelta(seconds=req.publicity_remaining_seconds or 0)
        data.update(publicity_ends_at=ends)
        _transition(req, name="dismiss_objection", actor=user, args={"at": now, "publicity_ends_at": ends},
                    reason=answer, data=data)
    verdict = "质疑成立" if uphold else "质疑不成立"
    _notify(objection.objector, req, kind="objection_answered", title=f"质疑答复：{verdict}", body=answer,
            key=f"objection-answer-{objection.pk}")
    _notify(req.owner, req, kind="objection_answered", title=f"质疑答复：{verdict}", body=answer,
            key=f"objection-answer-{objection.pk}")
    return objection


# ---------------------------------------------------------------------------------------
# Contract, service, delivery, acceptance


@transaction.atomic
def contract_upload(*, request_id: int, user, document: UploadedFile | None, amount) -> ServiceRequest:
    """Upload the signed contract during contracting.

    The owner uploads first, with the amount, which may not be above the price (the
    winning price; for a draw or a direct pick, the ceiling): a higher amount is refused.
    The owner may replace its upload until the firm signs. The selected firm then uploads
    its signed copy with the same amount: the request goes to in service, and the service
    ends `service_days` days later.
    """
    req = _lock(request_id)
    org_id = user.organisation_id
    is_owner = org_id is not None and org_id == req.owner_id
    is_firm = org_id is not None and org_id == req.selected_firm_id
    if not (is_owner or is_firm):
        raise NotAllowed("只有项目业主和中选机构可以上传合同。")
    _require_state(req, S.CONTRACTING, "当前不在合同签订阶段。")
    # The door every participation goes through: a firm restricted since its selection
    # (by any county) cannot be contracted, whoever uploads.
    verdict = firm_eligibility(organisation=req.selected_firm, request=req)
    if not verdict.ok:
        raise NotEligible(f"中选机构当前不能签订合同：{verdict.message}", code=verdict.code)
    value = _amount(amount)
    price = request_price(req)
    if value > price:
        message = f"合同金额 {money(value)} 高于中选价格（最高限价）{money(price)}，不予接受。"
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
                body=f"合同金额 {money(value)}，请于 {_local(req.contract_due)} 前上传盖章合同。", key=f"contract-{stored.pk}")
        return req
    if req.contract_owner_document_id is None:
        raise InvalidState("请等待项目业主先上传合同。")
    if value != req.contract_amount:
        message = f"合同金额应与业主上传的合同一致（{money(req.contract_amount)}）。"
        raise ValidationFailed(message, errors={"amount": [message]})
    stored = _store(upload, user, "document")
    ends = now + timedelta(days=req.service_days)
    _transition(req, name="start_service", actor=user, args={"at": now, "document": stored, "service_ends_at": ends},
                data={"amount": value, "document_sha256": stored.sha256, "service_ends_at": ends})
    _notify(req.owner, req, kind="contract_signed", title="合同已签订",
            body=f"服务开始，服务期限至 {_local(ends)}。", key="contract-signed")
    return req


@transaction.atomic
def result_deliver(*, request_id: int, user, document: UploadedFile | None) -> ServiceRequest:
    """The selected firm uploads the service result (结果文件): in service → delivered."""
    req = _lock(request_id)
    _require_selected_firm(req, user, "上传服务成果")
    _require_state(req, S.IN_SERVICE, "当前不在服务阶段。")
    stored = _store(_required_upload(document, "document"), user, "document")
    now = timezone.now()
    _transition(req, name="deliver", actor=user, args={"at": now, "document": stored},
                data={"document_sha256": stored.sha256, "late": bool(req.service_ends_at and now > req.service_ends_at)})
    _notify(req.owner, req, kind="result_delivered", title="服务成果已交付", body="请审阅成果文件并验收。", key="delivered")
    return req


@transaction.atomic
def request_accept(*, request_id: int, user, comment: str = "") -> ServiceRequest:
    """The owner accepts the delivered result: delivered → completed (rating follows).
    An optional acceptance comment (验收意见, at most 500 characters) is kept as the
    reason of the transition's audit record and sent to the firm."""
    from core.text import text_clean

    comment = text_clean(comment, field="comment", label="验收意见", max_length=500)
    req = _lock(request_id)
    _require_owner(req, user, "验收服务成果")
    _require_state(req, S.DELIVERED, "当前没有待验收的服务成果。")
    now = timezone.now()
    _transition(req, name="accept", actor=user, args={"at": now}, reason=comment)
    _notify(req.selected_firm, req, kind="result_accepted", title="服务成果已验收",
            body=f"项目已验收。验收意见：{comment}" if comment else "项目已验收。", key="accepted")
    return req


# ---------------------------------------------------------------------------------------
# Termination for breach


@transaction.atomic
def termination_ask(*, request_id: int, user, reason: str, evidence: UploadedFile | None) -> TerminationRequest:
    """The owner asks the bureau to terminate the contract for breach, with evidence."""
    reason = _required_text(reason, "reason", "请说明违约事实。")
    upload = _required_upload(evidence, "evidence")
    req = _lock(request_id)
    _require_owner(req, user, "申请终止合同")
    _require_state(req, [S.CONTRACTING, S.IN_SERVICE, S.DELIVERED], "当前阶段不能申请终止合同。")
    if TerminationRequest.objects.filter(request=req, status=TerminationRequest.Status.PENDING).exists():
        raise InvalidState("已有待处理的终止申请。")
    stored = _store(upload, user, "evidence")
    now = timezone.now()
    ask = TerminationRequest.objects.create(request=req, user=user, reason=reason, evidence=stored, asked_at=now)
    record_append(chain=request_chain(req), kind="termination_asked", actor=user, reason=reason,
                  data={"termination": ask.pk, "evidence_sha256": stored.sha256})
    _notify_bureau(req, kind="termination_asked", title="业主申请终止合同", body=reason, key=f"termination-{ask.pk}")
    _notify(req.selected_firm, req, kind="termination_asked", title="业主申请终止合同", body=reason,
            key=f"termination-{ask.pk}")
    return ask


@transaction.atomic
def termination_decide(*, termination_id: int, user, grant: bool, answer: str) -> TerminationRequest:
    """The bureau (in scope) grants (→ terminated, and a credit warning for the firm) or
    refuses the owner's request, with a written answer both parties see."""
    from credit.services import credit_raise_contract_breach

    answer = _required_text(answer, "answer", "请填写处理意见。")
    request_id = TerminationRequest.objects.filter(pk=termination_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("终止申请不存在。")
    req = _lock(request_id)
    _require_bureau(req, user, "处理终止申请")
    ask = lock_rows(TerminationRequest.objects.filter(pk=termination_id)).get()
    if ask.status != TerminationRequest.Status.PENDING:
        raise InvalidState("该申请已处理。")
    now = timezone.now()
    ask.answer, ask.decided_by, ask.decided_at = answer, user, now
    ask.status = TerminationRequest.Status.GRANTED if grant else TerminationRequest.Status.REFUSED
    if grant:
        _require_state(req, [S.CONTRACTING, S.IN_SERVICE, S.DELIVERED], "当前阶段不能终止合同。")
    ask.save()
    if grant:
        firm = req.selected_firm
        _transition(req, name="terminate", actor=user, args={"at": now, "reason": f"违约终止：{ask.reason}"},
                    reason=answer, data={"termination": ask.pk})
        credit_raise_contract_breach(request=req, organisation_id=firm.pk, officer=user, at=now)
    else:
        record_append(chain=request_chain(req), kind="termination_refused", actor=user, reason=answer,
                      data={"termination": ask.pk})
    verdict = "终止合同" if grant else "不予终止"
    for org in (req.owner, req.selected_firm):
        _notify(org, req, kind="termination_decided", title=f"终止申请处理结果：{verdict}", body=answer,
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
            from credit.services import credit_raise_contract_unsigned

            credit_raise_contract_unsigned(request=locked, organisation_id=organisation.pk, at=now)
        elif step == OverdueWarning.Step.SERVICE:
            from credit.services import credit_raise_service_overdue

            credit_raise_service_overdue(request=locked, organisation_id=organisation.pk, at=now)
        label = warning.get_step_display()
        record_append(chain=request_chain(locked), kind="overdue", actor=None, reason=label,
                      data={"step": step, "party": party, "due_at": due_at})
        body = f"{label}（期限 {_local(due_at)}）。"
        if organisation is not None:
            _notify(organisation, locked, kind="overdue", title="逾期预警", body=body, key=f"overdue-{key}")
        _notify_bureau(locked, kind="overdue", title="逾期预警", body=body, key=f"overdue-{key}")
        return True


def requests_overdue_sweep(*, now: datetime | None = None, request_id: int | None = None) -> int:
    """Record an overdue warning for every step past its deadline: the owner not confirming,
    the owner not uploading or the firm not signing the contract, the service past its
    period, an objection not answered. States are not changed. Returns the number of new
    warnings; a step already warned is skipped in the query, so a quiet sweep is cheap."""
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
        .select_related("owner")[:200]
    ):
        created += _warn(req, step=OverdueWarning.Step.CONFIRM, key=f"confirm:{req.selected_firm_id}", party="owner",
                         organisation=req.owner, due_at=req.confirm_due, now=now)
    for req in base.filter(status=S.CONTRACTING, contract_due__lt=now, contract_owner_document__isnull=True).filter(
        not_warned("contract_owner")
    ).select_related("owner")[:200]:
        created += _warn(req, step=OverdueWarning.Step.CONTRACT_OWNER, key="contract_owner", party="owner",
                         organisation=req.owner, due_at=req.contract_due, now=now)
    for req in base.filter(status=S.CONTRACTING, contract_due__lt=now, contract_owner_document__isnull=False).filter(
        not_warned("contract_firm")
    ).select_related("selected_firm")[:200]:
        created += _warn(req, step=OverdueWarning.Step.CONTRACT_FIRM, key="contract_firm", party="firm",
                         organisation=req.selected_firm, due_at=req.contract_due, now=now)
    for req in base.filter(status=S.IN_SERVICE, service_ends_at__lt=now).filter(
        not_warned("service")
    ).select_related("selected_firm")[:200]:
        created += _warn(req, step=OverdueWarning.Step.SERVICE, key="service", party="firm",
                         organisation=req.selected_firm, due_at=req.service_ends_at, now=now)
    objections = Objection.objects.filter(status=Objection.Status.PENDING, answer_due__lt=now)
    if request_id is not None:
        objections = objections.filter(request_id=request_id)
    for objection in objections.select_related("request")[:200]:
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
