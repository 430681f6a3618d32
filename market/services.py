"""Writes of the market: entries, requests and their lifecycle up to selection.

Every service owns its transaction: it locks the row, re-checks the rules under the
lock, writes, records the change in the audit chain, and schedules side effects
(tasks, websocket pushes, mail) with `transaction.on_commit`.
"""

import re
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Document, Organisation
from audit.services import record_append
from bidding import draw
from core.calendar import workday_is, workday_shift
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.format import datetime_zh
from core.locking import lock_rows
from core.rules import rule_int
from market.models import (
    Entry,
    Qualification,
    QualificationType,
    RequestExclusion,
    ServiceRequest,
    StaffMember,
)
from market.selectors import direct_pick_allowed, eligible_firms

# ---------------------------------------------------------------------------------------
# Entry (入驻)


def _entry_chain(entry: Entry) -> str:
    return f"entry:{entry.organisation_id}"


def _lock_entry(organisation: Organisation) -> Entry:
    try:
        return lock_rows(Entry.objects.select_related("organisation")).get(organisation=organisation)
    except Entry.DoesNotExist:
        raise InvalidState("尚未填写入驻申请。") from None


@transaction.atomic
def entry_save(
    *,
    user,
    name: str,
    uscc: str,
    legal_rep: str,
    contact_name: str,
    phone: str,
    email: str,
    address: str,
    business_scope: str,
    region_code: str,
    licence: Document | None = None,
) -> Entry:
    """Create or update the user's firm's entry application while it is a draft or returned."""
    from core.uscc import uscc_validate

    org = user.organisation
    if org is None or not org.is_intermediary:
        raise NotAllowed("只有中介机构账号可以申请入驻。")
    uscc = uscc.strip().upper()
    try:
        uscc_validate(uscc)
    except Exception as exc:  # django ValidationError
        raise ValidationFailed("统一社会信用代码有误。", errors={"uscc": list(getattr(exc, "messages", [str(exc)]))}) from None
    if Organisation.objects.filter(uscc=uscc).exclude(pk=org.pk).exists():
        raise ValidationFailed("该统一社会信用代码已被其他机构使用。", errors={"uscc": ["该统一社会信用代码已被其他机构使用。"]})
    lock_rows(Organisation.objects.filter(pk=org.pk)).first()
    entry = Entry.objects.filter(organisation=org).first()
    if entry is not None and entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED):
        raise InvalidState("入驻申请已提交或已通过，不能再修改。")
    org.name, org.uscc, org.contact_name, org.phone, org.email, org.address = name, uscc, contact_name, phone, email, address
    org.region_id = region_code
    org.save()
    if entry is None:
        entry = Entry.objects.create(organisation=org, legal_rep=legal_rep, business_scope=business_scope, licence=licence)
        record_append(chain=_entry_chain(entry), kind="entry_created", actor=user, to_state=entry.status)
    else:
        entry.legal_rep, entry.business_scope = legal_rep, business_scope
        if licence is not None:
            entry.licence = licence
        entry.save()
    return entry


@transaction.atomic
def qualification_add(
    *, user, qualification_type_id: int, grade: str, cert_no: str, valid_until, scan: Document | None = None
) -> Qualification:
    org = user.organisation
    entry = _lock_entry(org)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED, Entry.Status.APPROVED):
        raise InvalidState("入驻申请审核中，暂不能修改资质。")
    qtype = QualificationType.objects.filter(pk=qualification_type_id).first()
    if qtype is None:
        raise ValidationFailed("资质类型不存在。", errors={"qualification_type": ["请选择资质类型。"]})
    if qtype.grades and grade not in qtype.grades:
        raise ValidationFailed("资质等级有误。", errors={"grade": [f"“{qtype.name}”的等级应为：{'、'.join(qtype.grades)}。"]})
    if valid_until < timezone.localdate():
        raise ValidationFailed("证书已过期。", errors={"valid_until": ["证书已过期，请登记有效期内的证书。"]})
    if Qualification.objects.filter(organisation=org, qualification_type_id=qualification_type_id, cert_no=cert_no).exists():
        raise ValidationFailed("该资质证书已登记。", errors={"cert_no": ["该资质证书已登记。"]})
    qual = Qualification.objects.create(
        organisation=org, qualification_type_id=qualification_type_id, grade=grade, cert_no=cert_no,
        valid_until=valid_until, scan=scan,
    )
    record_append(chain=_entry_chain(entry), kind="qualification_added", actor=user,
                  data={"type": qual.qualification_type.code, "grade": grade, "cert_no": cert_no, "valid_until": valid_until})
    return qual


@transaction.atomic
def qualification_remove(*, user, qualification_id: int) -> None:
    org = user.organisation
    entry = _lock_entry(org)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED):
        raise InvalidState("只有填写中或被退回的申请可以删除资质。")
    qual = Qualification.objects.filter(organisation=org, pk=qualification_id).first()
    if qual is None:
        raise NotAllowed("无权操作该资质。")
    record_append(chain=_entry_chain(entry), kind="qualification_removed", actor=user, data={"cert_no": qual.cert_no})
    qual.delete()


@transaction.atomic
def staff_add(*, user, name: str, title: str, cert_no: str) -> StaffMember:
    org = user.organisation
    entry = _lock_entry(org)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED, Entry.Status.APPROVED):
        raise InvalidState("入驻申请审核中，暂不能修改执业人员。")
    member = StaffMember.objects.create(organisation=org, name=name, title=title, cert_no=cert_no)
    record_append(chain=_entry_chain(entry), kind="staff_added", actor=user, data={"name": name, "title": title})
    return member


@transaction.atomic
def entry_submit(*, user, commitment_accepted: bool) -> Entry:
    """Submit the firm's entry for review. Requires the signed commitment letter and at
    least one qualification and one practising staff member."""
    entry = _lock_entry(user.organisation)
    errors: dict[str, list[str]] = {}
    if not commitment_accepted:
        errors["commitment"] = ["须阅读并签署信用承诺书。"]
    if not entry.organisation.qualifications.exists():
        errors.setdefault("", []).append("请至少登记一项资质证书。")
    if not entry.organisation.staff.exists():
        errors.setdefault("", []).append("请至少登记一名执业人员。")
    if entry.licence_id is None:
        errors.setdefault("", []).append("请上传营业执照。")
    if errors:
        raise ValidationFailed("入驻申请不完整。", errors=errors)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED):
        raise InvalidState("该申请当前不能提交。")
    before = entry.status
    now = timezone.now()
    entry.commitment_accepted_at = now
    entry.submit(at=now)
    entry.save()
    record_append(chain=_entry_chain(entry), kind="transition", actor=user, from_state=before, to_state=entry.status)
    return entry


def _bureau_may_review(user, entry: Entry) -> bool:
    org = user.organisation
    return bool(org and org.is_bureau and (org.region.is_city or org.region_id == entry.organisation.region_id))


@transaction.atomic
def entry_review(*, user, entry_id: int, approve: bool, reason: str = "") -> Entry:
    """The bureau approves an entry, or returns it with a reason the firm sees."""
    from accounts.services import notification_push

    entry = lock_rows(Entry.objects.select_related("organisation", "organisation__region").filter(pk=entry_id)).first()
    if entry is None or not _bureau_may_review(user, entry):
        raise NotAllowed("无权审核该入驻申请。")
    if entry.status != Entry.Status.SUBMITTED:
        raise InvalidState("该申请不在待审核状态。")
    reason = reason.strip()
    before = entry.status
    now = timezone.now()
    if approve:
        entry.approve(by=user, at=now)
    else:
        if not reason:
            raise ValidationFailed("退回须说明理由。", errors={"reason": ["退回须说明理由。"]})
        entry.return_for_fix(by=user, at=now, reason=reason)
    entry.save()
    record_append(chain=_entry_chain(entry), kind="transition", actor=user, from_state=before, to_state=entry.status, reason=reason)
    notification_push(
        organisation=entry.organisation,
        kind="entry_reviewed",
        title="入驻申请已通过审核" if approve else "入驻申请被退回",
        body=reason,
        url="/entry/",
        dedupe_key=f"entry-review:{entry.pk}:{entry.reviewed_at.isoformat()}",
    )
    return entry


# ---------------------------------------------------------------------------------------
# Service requests

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PROJECT_CODE_RE = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")

DRAFT_FIELDS = (
    "service_item", "region", "title", "scope", "funding", "project_code", "ceiling", "floor", "method",
    "signup_deadline", "selection_at", "service_days", "auction_minutes", "min_step", "allow_abnormally_low",
    "contact_name", "contact_phone",
)


def request_chain(request: ServiceRequest) -> str:
    return f"request:{request.code}"


def _new_request_code(now: datetime) -> str:
    token = "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))
    return f"YC{timezone.localdate(now):%Y%m%d}-{token}"


def _lock_request(request_id: int) -> ServiceRequest:
    try:
        return lock_rows(ServiceRequest.objects.all()).get(pk=request_id)
    except ServiceRequest.DoesNotExist:
        raise NotAllowed("采购需求不存在。") from None


def _owned(request: ServiceRequest, user) -> None:
    if user.organisation_id is None or request.owner_id != user.organisation_id:
        raise NotAllowed("无权操作其他单位的采购需求。")


def _transition(
    request: ServiceRequest, *, name: str, actor, args: dict[str, Any], reason: str = "", data: dict | None = None
) -> None:
    """Apply FSM transition `name` with `args`, save, and append the change to the
    request's chain.

    Precondition: the caller holds the request's row lock inside a transaction.
    """
    before = request.status
    getattr(request, name)(**args)
    request.save()
    record_append(
        chain=request_chain(request), kind="transition", actor=actor, from_state=before, to_state=request.status,
        reason=reason, data={"transition": name, **(data or {})},
    )


def _set_exclusions(request: ServiceRequest, exclusions: list[tuple[int, str]]) -> None:
    RequestExclusion.objects.filter(request=request).delete()
    RequestExclusion.objects.bulk_create(
        [RequestExclusion(request=request, organisation_id=org_id, reason=reason) for org_id, reason in exclusions]
    )


def request_draft_save(
    *, user, data: dict[str, Any], exclusions: list[tuple[int, str]] | None = None, request_id: int | None = None
) -> ServiceRequest:
    """Create a draft, or update the owner's own draft. Field values are already cleaned
    by the form; publishing re-validates everything against the rules."""
    org = user.organisation
    if org is None or not org.is_owner:
        raise NotAllowed("只有项目业主可以发布采购需求。")
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    for attempt in range(5):
        try:
            with transaction.atomic():
                if request_id is None:
                    req = ServiceRequest(owner=org, created_by=user, code=_new_request_code(timezone.now()), **data)
                    req.save()
                    record_append(chain=request_chain(req), kind="created", actor=user, to_state=req.status)
                else:
                    req = _lock_request(request_id)
                    _owned(req, user)
                    if req.status != ServiceRequest.Status.DRAFT:
                        raise InvalidState("只有草稿可以修改。")
                    for key, value in data.items():
                        setattr(req, key, value)
                    req.save()
                if exclusions is not None:
                    _set_exclusions(req, exclusions)
                return req
        except IntegrityError as exc:
            # A code collision (1 in 20 million) is retried; anything else is bad input.
            if request_id is None and "code" in str(exc).lower() and attempt < 4:
                continue
            raise ValidationFailed("数据不符合约束：请检查限价、时间与服务期限。") from exc
    raise AssertionError("unreachable")


def request_publish_errors(request: ServiceRequest, *, now: datetime) -> dict[str, list[str]]:
    """Every reason `request` may not be published now, per field ("" for the whole)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not request.service_item.active:
        add("service_item", "该服务事项已停用。")
    if not request.title.strip():
        add("title", "请填写项目名称。")
    if not request.scope.strip():
        add("scope", "请填写服务范围与内容。")
    if request.ceiling is None or request.ceiling <= 0:
        add("ceiling", "最高限价必须大于0。")
    if request.floor is not None and request.ceiling and not (Decimal(0) < request.floor < request.ceiling):
        add("floor", "最低限价必须大于0且低于最高限价。")
    if request.project_code and not PROJECT_CODE_RE.match(request.project_code):
        add("project_code", "投资项目代码格式应为“年份-区划-行业-类别-流水号”，如 2026-360982-48-01-012345。")
    if not PHONE_RE.match(request.contact_phone or ""):
        add("contact_phone", "请填写有效的联系电话。")
    if request.method == ServiceRequest.Method.DIRECT and not direct_pick_allowed(
        region_id=request.region_id, funding=request.funding
    ):
        add("method", f"直接选取仅在规定情形下适用：{request.region.name}{request.get_funding_display()}项目未被允许按直接选取方式发布"
                      f"（第{rule_int('direct_pick_after_failures')}次流标后可在报名机构中直接选取）。")
    if request.method == ServiceRequest.Method.AUCTION:
        if request.min_step is not None and request.ceiling and request.min_step >= request.ceiling:
            add("min_step", "最小降价幅度必须小于最高限价。")
        if not 1 <= request.auction_minutes <= 240:
            add("auction_minutes", "竞价时长应在1至240分钟之间。")
    window = rule_int("signup_window_workdays")
    if request.signup_deadline is None:
        add("signup_deadline", "请填写报名截止时间。")
    else:
        earliest = workday_shift(now, window)
        if request.signup_deadline <= now:
            add("signup_deadline", "报名截止时间必须晚于当前时间。")
        elif request.signup_deadline < earliest:
            add("signup_deadline", f"报名期不得少于{window}个工作日，最早可设为 {datetime_zh(earliest)}。")
        if not workday_is(timezone.localdate(request.signup_deadline)):
            add("signup_deadline", "报名截止时间应为工作日。")
    if request.selection_at is None:
        add("selection_at", "请填写选取时间。")
    else:
        if request.signup_deadline and request.selection_at < request.signup_deadline:
            add("selection_at", "选取时间不得早于报名截止时间。")
        if not workday_is(timezone.localdate(request.selection_at)):
            add("selection_at", "选取时间应为工作日。")
    if request.service_days is None or request.service_days < 1:
        add("service_days", "服务期限至少1天。")
    return errors


def _commit_draw(request: ServiceRequest) -> tuple[str, str]:
    nonce = draw.make_nonce()
    return draw.commitment_of(nonce), nonce.hex()


@transaction.atomic
def request_publish(*, request_id: int, user) -> ServiceRequest:
    """Publish a draft: validate against the rules, commit to the draw's secret nonce,
    and push invitations after commit.

    Raises ValidationFailed with field-level messages, NotAllowed for another owner's
    request, InvalidState when it is not a draft.
    """
    from bidding.tasks import invitations_push_task

    req = _lock_request(request_id)
    _owned(req, user)
    if req.status != ServiceRequest.Status.DRAFT:
        raise InvalidState("只有草稿可以发布。")
    now = timezone.now()
    errors = request_publish_errors(req, now=now)
    if errors:
        raise ValidationFailed("发布失败，请按提示修改。", errors=errors)
    commitment, nonce_hex = _commit_draw(req)
    _transition(req, name="publish", actor=user, args={"at": now, "commitment": commitment, "nonce_hex": nonce_hex},
                data={"commitment": commitment, "round": req.publish_count + 1})
    round_ = req.publish_count
    transaction.on_commit(lambda: invitations_push_task.delay(req.pk, round_))
    return req


@transaction.atomic
def request_republish(*, request_id: int, user, signup_deadline: datetime, selection_at: datetime) -> ServiceRequest:
    """Re-publish a failed (流标) request with new deadlines: a new sign-up round, a new
    draw commitment, new invitations."""
    from bidding.tasks import invitations_push_task

    req = _lock_request(request_id)
    _owned(req, user)
    if req.status != ServiceRequest.Status.FAILED:
        raise InvalidState("只有流标的采购需求可以重新发布。")
    now = timezone.now()
    req.signup_deadline, req.selection_at = signup_deadline, selection_at
    errors = request_publish_errors(req, now=now)
    if errors:
        raise ValidationFailed("重新发布失败，请按提示修改。", errors=errors)
    commitment, nonce_hex = _commit_draw(req)
    _transition(req, name="publish", actor=user, args={"at": now, "commitment": commitment, "nonce_hex": nonce_hex},
                reason="流标后重新发布", data={"commitment": commitment, "round": req.publish_count + 1,
                                          "signup_deadline": signup_deadline, "selection_at": selection_at})
    round_ = req.publish_count
    transaction.on_commit(lambda: invitations_push_task.delay(req.pk, round_))
    return req


@transaction.atomic
def request_cancel(*, request_id: int, user, reason: str) -> ServiceRequest:
    """The owner cancels a request before selection, with a reason registrants see."""
    from accounts.services import notification_push
    from market.models import SignUp

    req = _lock_request(request_id)
    _owned(req, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("取消须说明理由。", errors={"reason": ["取消须说明理由。"]})
    if req.status not in (ServiceRequest.Status.DRAFT, ServiceRequest.Status.PUBLISHED, ServiceRequest.Status.FAILED):
        raise InvalidState("选取开始后不能取消。")
    _transition(req, name="cancel", actor=user, args={"at": timezone.now(), "reason": reason}, reason=reason)
    for signup in SignUp.objects.filter(request=req, round=req.publish_count).select_related("organisation"):
        notification_push(
            organisation=signup.organisation, kind="request_cancelled", title=f"项目已取消：{req.title}",
            body=reason, url=f"/requests/{req.code}/", dedupe_key=f"cancel:{req.pk}",
        )
    return req


def request_close_signup(*, request_id: int, now: datetime | None = None) -> ServiceRequest | None:
    """Close sign-up of a published request whose deadline has passed: to `selecting`
    with enough valid registrants, else to `failed` (流标). Idempotent: a request
    already moved on (or not yet due) is returned unchanged. Returns None when the row is
    locked by another closer (it will do the work).
    """
    from market.models import SignUp

    now = now or timezone.now()
    with transaction.atomic():
        req = lock_rows(
            ServiceRequest.objects.select_related("service_item", "service_item__qualification_type").filter(pk=request_id),
            skip_locked=True,
        ).first()
        if req is None:
            return None
        if req.status != ServiceRequest.Status.PUBLISHED or req.signup_deadline is None or req.signup_deadline > now:
            return req
        registrants = SignUp.objects.filter(request=req, round=req.publish_count)
        valid = eligible_firms(request=req, at=now).filter(pk__in=registrants.values("organisation_id")).count()
        # A direct pick needs one valid registrant to pick from; a draw or an auction the rule's minimum.
        minimum = 1 if req.method == ServiceRequest.Method.DIRECT else rule_int("min_registrants")
        data = {"registrants": registrants.count(), "valid_registrants": valid, "minimum": minimum}
        if valid >= minimum:
            _transition(req, name="close_signup", actor=None, args={"at": now}, data=data)
            if req.method == ServiceRequest.Method.AUCTION:
                from bidding.services_auction import auction_create

                auction_create(request=req, now=now)
        else:
            reason = f"有效报名{valid}家，少于规定的{minimum}家，本次采购失败（流标）。"
            _transition(req, name="fail", actor=None, args={"at": now, "reason": reason}, reason=reason, data=data)
        return req


def requests_sweep_due(*, now: datetime | None = None) -> int:
    """Move on every request whose sign-up deadline, draw time or publicity end has passed
    (close sign-up, run the due random draws, end publicity), then record overdue warnings
    for steps past their deadlines. Used by the beat sweep and lazily by pages; a handful
    of queries when nothing is due. Returns the number of requests looked at."""
    from bidding.services_draw import draws_sweep_due

    now = now or timezone.now()
    due = list(
        ServiceRequest.objects.filter(status=ServiceRequest.Status.PUBLISHED, signup_deadline__lte=now)
        .values_list("pk", flat=True)[:500]
    )
    from market.services_lifecycle import publicity_sweep_due, requests_overdue_sweep

    for pk in due:
        request_close_signup(request_id=pk, now=now)
    from bidding.services_auction import auctions_sweep_due

    looked_at = len(due) + draws_sweep_due(now=now) + auctions_sweep_due(now=now) + publicity_sweep_due(now=now)
    requests_overdue_sweep(now=now)
    return looked_at


def request_refresh(request: ServiceRequest) -> ServiceRequest:
    """The lazy deadline check: a request read after its sign-up deadline moves on first,
    and a random draw whose selection time has passed is run before it is shown."""
    from bidding.services_draw import draw_run

    now = timezone.now()
    if (
        request.status == ServiceRequest.Status.PUBLISHED
        and request.signup_deadline is not None
        and request.signup_deadline <= now
    ):
        request_close_signup(request_id=request.pk)
        request.refresh_from_db()
    if (
        request.status == ServiceRequest.Status.SELECTING
        and request.method == ServiceRequest.Method.DRAW
        and request.selection_at is not None
        and request.selection_at <= now
    ):
        draw_run(request_id=request.pk)
        request.refresh_from_db()
    if request.status == ServiceRequest.Status.SELECTING and request.method == ServiceRequest.Method.AUCTION:
        from bidding.services_auction import auction_refresh

        if auction_refresh(request=request, now=now):
            request.refresh_from_db()
    if (
        request.status == ServiceRequest.Status.PUBLICITY
        and request.publicity_ends_at is not None
        and request.publicity_ends_at <= now
    ):
        from market.services_lifecycle import publicity_end

        publicity_end(request_id=request.pk, now=now)
        request.refresh_from_db()
    if request.status in _OVERDUE_STATES:
        from market.services_lifecycle import requests_overdue_sweep

        requests_overdue_sweep(now=now, request_id=request.pk)
    return request


_OVERDUE_STATES = (
    ServiceRequest.Status.AWAITING_CONFIRMATION,
    ServiceRequest.Status.CONTRACTING,
    ServiceRequest.Status.IN_SERVICE,
    ServiceRequest.Status.OBJECTION,
)
