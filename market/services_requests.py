"""Writes of a request from its draft to its selection: draft, publish, invitations,
sign-up, the close of sign-up, the one `request_select` every selection method ends in,
failure (流标) and cancellation, and the deadline checks (the lazy check of one request and
the city-wide beat sweep).

Every service owns its transaction: it locks the request row (`lock_rows`), re-checks the
rules under the lock, fires a transition through `market.lifecycle.request_fire` (which
saves, appends to the audit chain and announces the change after commit), and schedules
other side effects with `transaction.on_commit` (notifications push on commit).
"""

import logging
import re
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation
from accounts.selectors import owner_may_publish
from accounts.services import notification_push, notifications_push_many
from audit.services import record_append
from core.calendar import workday_due, workday_is, workday_shift
from core.exceptions import (
    InvalidState,
    NotAllowed,
    NotEligible,
    ValidationFailed,
    field_error,
)
from core.format import money, when
from core.locking import lock_rows
from core.rules import rule_int
from core.text import int_clean, money_clean, text_clean
from market.lifecycle import S, request_chain, request_fire
from market.models import Invitation, RequestExclusion, ServiceRequest, SignUp
from market.selection import method_get, method_of, methods
from market.selectors import ELIGIBLE, eligible_firms, firm_eligibility

log = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PROJECT_CODE_RE = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")

DRAFT_FIELDS = (
    "service_item", "region", "title", "scope", "funding", "project_code", "ceiling", "floor", "method",
    "signup_deadline", "selection_at", "service_days", "auction_minutes", "min_step", "allow_abnormally_low",
    "contact_name", "contact_phone",
)

# Bounds of the owner's form, enforced here whatever the caller (form, API, county push).
TITLE_MAX = 150
SCOPE_MAX = 5000
CONTACT_MAX = 40
SERVICE_DAYS_MAX = 3650  # ten years: longer is not a service period
EXCLUSIONS_MAX = 50


def _new_request_code(now: datetime) -> str:
    token = "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))
    return f"YC{timezone.localdate(now):%Y%m%d}-{token}"


def _lock(request_id: int) -> ServiceRequest:
    req = lock_rows(
        ServiceRequest.objects.select_related("service_item", "service_item__qualification_type", "region")
        .filter(pk=request_id)
    ).first()
    if req is None:
        raise NotAllowed("采购需求不存在。")
    return req


def _owned(request: ServiceRequest, user) -> None:
    if user.organisation_id is None or request.owner_id != user.organisation_id:
        raise NotAllowed("无权操作其他单位的采购需求。")


# ---------------------------------------------------------------------------------------
# Draft


def request_draft_clean(data: dict[str, Any]) -> dict[str, Any]:
    """Bound every field of a draft (lengths, ranges, sizes) with a Chinese message per
    field. Raises ValidationFailed with every field's errors at once."""
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationFailed(f"未知字段：{', '.join(sorted(unknown))}")
    cleaned, errors = dict(data), {}

    def check(field: str, fn) -> None:
        if field not in data:
            return
        try:
            cleaned[field] = fn(data[field])
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                errors.setdefault(name, []).extend(messages)

    check("title", lambda v: text_clean(v, field="title", label="项目名称", max_length=TITLE_MAX, multiline=False))
    check("scope", lambda v: text_clean(v, field="scope", label="服务范围与内容", max_length=SCOPE_MAX))
    check("project_code", lambda v: text_clean(v, field="project_code", label="投资项目代码", max_length=30,
                                                multiline=False))
    check("contact_name", lambda v: text_clean(v, field="contact_name", label="联系人", max_length=CONTACT_MAX,
                                                multiline=False))
    check("contact_phone", lambda v: text_clean(v, field="contact_phone", label="联系电话", max_length=30,
                                                 multiline=False))
    check("ceiling", lambda v: None if v in (None, "") else money_clean(v, field="ceiling", label="最高限价"))
    check("floor", lambda v: None if v in (None, "") else money_clean(v, field="floor", label="最低限价"))
    check("min_step", lambda v: None if v in (None, "") else money_clean(v, field="min_step", label="最小降价幅度"))
    check("service_days", lambda v: int_clean(v, field="service_days", label="服务期限", minimum=1,
                                               maximum=SERVICE_DAYS_MAX, unit="天"))
    check("auction_minutes", lambda v: int_clean(v, field="auction_minutes", label="竞价时长", minimum=1,
                                                  maximum=240, unit="分钟"))
    if "method" in data and method_get(data["method"]) is None:
        errors.setdefault("method", []).append("请选择有效的选取方式。")
    if errors:
        raise ValidationFailed("请按提示修改。", errors=errors)
    return cleaned


def _exclusions_clean(exclusions: list[tuple[int, str]]) -> list[tuple[int, str]]:
    if len(exclusions) > EXCLUSIONS_MAX:
        raise field_error("exclusions", f"回避机构不能超过{EXCLUSIONS_MAX}家。")
    cleaned = []
    for org_id, reason in exclusions:
        if not Organisation.objects.filter(pk=org_id, kind=Organisation.Kind.INTERMEDIARY).exists():
            raise field_error("exclusions", "回避机构不存在。")
        cleaned.append((org_id, text_clean(reason, field="exclusions", label="回避理由", max_length=200,
                                           required=True, multiline=False)))
    return cleaned


def _set_exclusions(request: ServiceRequest, exclusions: list[tuple[int, str]]) -> None:
    RequestExclusion.objects.filter(request=request).delete()
    RequestExclusion.objects.bulk_create(
        [RequestExclusion(request=request, organisation_id=org_id, reason=reason) for org_id, reason in exclusions]
    )


def request_draft_save(
    *, user, data: dict[str, Any], exclusions: list[tuple[int, str]] | None = None, request_id: int | None = None
) -> ServiceRequest:
    """Create a draft, or update the owner's own draft. Every field is bounded here
    (`request_draft_clean`); publishing re-validates everything against the rules."""
    org = user.organisation
    if org is None or not org.is_owner:
        raise NotAllowed("只有项目业主可以发布采购需求。")
    data = request_draft_clean(data)
    if exclusions is not None:
        exclusions = _exclusions_clean(exclusions)
    for attempt in range(5):
        try:
            with transaction.atomic():
                if request_id is None:
                    req = ServiceRequest(owner=org, created_by=user, code=_new_request_code(timezone.now()), **data)
                    req.save()
                    record_append(chain=request_chain(req), kind="created", actor=user, to_state=req.status)
                else:
                    req = _lock(request_id)
                    _owned(req, user)
                    if req.status != S.DRAFT:
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


# ---------------------------------------------------------------------------------------
# Publication


def request_publish_errors(request: ServiceRequest, *, now: datetime) -> dict[str, list[str]]:
    """Every reason `request` may not be published now, per field ("" for the whole): the
    rules of every request, then its selection method's own."""
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
    window = rule_int("signup_window_workdays")
    if request.signup_deadline is None:
        add("signup_deadline", "请填写报名截止时间。")
    else:
        earliest = workday_shift(now, window)
        if request.signup_deadline <= now:
            add("signup_deadline", "报名截止时间必须晚于当前时间。")
        elif request.signup_deadline < earliest:
            add("signup_deadline", f"报名期不得少于{window}个工作日，最早可设为 {when(earliest)}。")
        if not workday_is(timezone.localdate(request.signup_deadline)):
            add("signup_deadline", "报名截止时间应为工作日。")
    if request.selection_at is None:
        add("selection_at", "请填写选取时间。")
    else:
        if request.signup_deadline and request.selection_at < request.signup_deadline:
            add("selection_at", "选取时间不得早于报名截止时间。")
        if not workday_is(timezone.localdate(request.selection_at)):
            add("selection_at", "选取时间应为工作日。")
    if request.service_days is None or not 1 <= request.service_days <= SERVICE_DAYS_MAX:
        add("service_days", f"服务期限应在1至{SERVICE_DAYS_MAX}天之间。")
    method = method_get(request.method)
    if method is None:
        add("method", "请选择有效的选取方式。")
    else:
        for field, messages in method.publish_errors(request, now=now).items():
            errors.setdefault(field, []).extend(messages)
    return errors


def _publish(req: ServiceRequest, *, user, now: datetime, reason: str, data: dict) -> ServiceRequest:
    if not owner_may_publish(organisation=req.owner):
        # 项目业主注册: until the bureau approves the owner's registration, nothing is published.
        raise NotAllowed("本单位的项目业主注册尚未通过审核，审核通过后才能发布采购需求。")
    errors = request_publish_errors(req, now=now)
    if errors:
        raise ValidationFailed("发布失败，请按提示修改。", errors=errors)
    committed = method_of(req).on_publish(req, now=now)
    request_fire(req, "publish", actor=user, reason=reason, at=now,
                 data={"round": req.publish_count + 1, **committed, **data})
    return req


@transaction.atomic
def request_publish(*, request_id: int, user) -> ServiceRequest:
    """Publish a draft: validate against the rules and its method's, let the method commit
    (the draw's secret nonce), and push invitations after commit ("request.published").

    Raises ValidationFailed with field-level messages, NotAllowed for another owner's
    request, InvalidState when it is not a draft.
    """
    req = _lock(request_id)
    _owned(req, user)
    if req.status != S.DRAFT:
        raise InvalidState("只有草稿可以发布。")
    return _publish(req, user=user, now=timezone.now(), reason="", data={})


@transaction.atomic
def request_republish(*, request_id: int, user, signup_deadline: datetime, selection_at: datetime) -> ServiceRequest:
    """Re-publish a failed (流标) request with new deadlines: a new sign-up round, a new
    commitment of its method, new invitations."""
    req = _lock(request_id)
    _owned(req, user)
    if req.status != S.FAILED:
        raise InvalidState("只有流标的采购需求可以重新发布。")
    req.signup_deadline, req.selection_at = signup_deadline, selection_at
    return _publish(req, user=user, now=timezone.now(), reason="流标后重新发布",
                    data={"signup_deadline": signup_deadline, "selection_at": selection_at})


@transaction.atomic
def request_cancel(*, request_id: int, user, reason: str) -> ServiceRequest:
    """The owner cancels a request before selection, with a reason registrants see."""
    reason = text_clean(reason, field="reason", label="取消理由", max_length=500, required=True)
    req = _lock(request_id)
    _owned(req, user)
    if req.status not in (S.DRAFT, S.PUBLISHED, S.FAILED):
        raise InvalidState("选取开始后不能取消。")
    request_fire(req, "cancel", actor=user, reason=reason, at=timezone.now(), closing_reason=reason)
    for signup in SignUp.objects.filter(request=req, round=req.publish_count).select_related("organisation"):
        notification_push(
            organisation=signup.organisation, kind="request_cancelled", title=f"项目已取消：{req.title}",
            body=reason, url=f"/requests/{req.code}/", dedupe_key=f"cancel:{req.pk}",
        )
    return req


# ---------------------------------------------------------------------------------------
# Invitations (采购邀请网上推送)


INVITATION_BATCH = 1000  # firms written per transaction (one broadcast each)
MAIL_CHUNK = 100  # invitations claimed at once for mailing: at most this many are left `sending` by a crash


def invitations_push(*, request_id: int, round: int, batch_size: int = INVITATION_BATCH, mail: bool = True) -> int:
    """Push the invitations of one publication round, `batch_size` firms at a time.

    Every approved, qualified, unrestricted firm gets one invitation, one inbox entry, one
    live push and one email. Firms are taken in id order, a batch at a time; eligibility is
    read for each batch when it is written (the invitation door of `firm_eligibility`), so
    a firm that stops qualifying before its batch is not invited, and one that stops after
    keeps its invitation and is refused at sign-up, as any invited firm would be.

    Per batch, one transaction: the firms' eligibility (one query), the invitations and the
    inbox entries (one INSERT each, ON CONFLICT DO NOTHING on `invitation_once_per_round` and
    `notification_once_per_cause`), and after commit one broadcast to the notification
    sockets. Then, if `mail`, the emails (`invitation_mails_send`; the task adapter sends
    them in a task of their own instead, so their time counts against no fan-out limit).
    Idempotent: a retry or a second worker writes nothing twice and mails nobody twice.
    Returns the number of new invitations.
    """
    req = ServiceRequest.objects.select_related("service_item", "service_item__qualification_type", "region").get(
        pk=request_id)
    if req.publish_count != round or req.status != S.PUBLISHED:
        return 0  # a later round superseded this one, or the request moved on
    title = f"采购邀请：{req.title}"
    body = (f"{req.region.name} · {req.service_item.name} · 最高限价 {money(req.ceiling)} · "
            f"报名截止 {when(req.signup_deadline)}")
    created, after = 0, 0
    while True:
        batch = list(
            eligible_firms(request=req).filter(pk__gt=after).order_by("pk").values_list("pk", "email")[:batch_size]
        )
        if not batch:
            break
        after = batch[-1][0]
        with transaction.atomic():
            ids = [pk for pk, _ in batch]
            invited = set(Invitation.objects.filter(request=req, round=round, organisation_id__in=ids)
                          .values_list("organisation_id", flat=True))
            new = [(pk, email) for pk, email in batch if pk not in invited]
            Invitation.objects.bulk_create(
                [Invitation(request=req, organisation_id=pk, round=round,
                            mail_status=Invitation.Mail.PENDING if email else Invitation.Mail.NONE)
                 for pk, email in new],
                ignore_conflicts=True,  # a second worker on the same round
            )
            # Every firm of the batch, not only the new ones: a firm invited by an older
            # version of this task without its entry gets it; the rest are no-ops.
            notifications_push_many(organisation_ids=ids, kind="invitation", title=title, body=body,
                                    url=f"/requests/{req.code}/", dedupe_key=f"invitation:{req.pk}:{round}")
        created += len(new)
    if mail:
        invitation_mails_send(request_id=req.pk, round=round)
    return created


def _invitation_mail_claim(*, request_id: int, round: int, limit: int) -> list[int]:
    """Claim up to `limit` pending invitations for mailing (pending → sending), committed
    before any of their mails goes out. Rows another worker is claiming are skipped."""
    with transaction.atomic():
        ids = list(
            Invitation.objects.filter(request_id=request_id, round=round, mail_status=Invitation.Mail.PENDING)
            .order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        if ids:
            Invitation.objects.filter(pk__in=ids, mail_status=Invitation.Mail.PENDING).update(
                mail_status=Invitation.Mail.SENDING)
    return ids


def invitation_mails_pending(*, request_id: int, round: int) -> bool:
    """Whether invitations of the round still wait for their email."""
    return Invitation.objects.filter(request_id=request_id, round=round, mail_status=Invitation.Mail.PENDING).exists()


def _mail_reconnect(connection) -> None:
    """After a failed send, a fresh connection for the next message (if the server takes
    one; if not, each following send tries again and fails on its own)."""
    connection.close()
    try:
        connection.open()
    except Exception as exc:
        log.warning("reopening the mail connection failed: %s", exc)


def invitation_mails_send(*, request_id: int, round: int, chunk: int | None = None, chunks: int | None = None) -> int:
    """Send pending invitation emails at most once each, over one mail connection.

    Invitations are claimed `chunk` at a time (pending → sending, committed) before their
    mails go out, so two workers or a retry never send a second copy; then each is marked
    sent (one UPDATE per chunk) or failed with its error. A crash between claim and mark
    leaves at most one chunk `sending`, visible to the bureau, rather than risk duplicates.
    Each message is handed to the open connection on its own so that its fate (sent or
    failed) is known exactly; after a failure the connection is reopened. At most `chunks`
    chunks when given (a task's share; `invitation_mails_pending` tells whether more are
    left). Returns the number sent.
    """
    chunk = chunk or MAIL_CHUNK
    req = ServiceRequest.objects.select_related("service_item").get(pk=request_id)
    subject = f"【宜春市网上中介服务超市】采购邀请：{req.title}"
    text = (f"您单位具备“{req.service_item.name}”资质，现邀请参加以下项目：\n"
            f"项目编号：{req.code}\n项目名称：{req.title}\n最高限价：{money(req.ceiling)}\n"
            f"报名截止：{when(req.signup_deadline)}\n\n"
            f"请登录平台查看公告并报名：/requests/{req.code}/\n")
    sent = 0
    connection = get_connection()
    # Opened here, before anything is claimed: a mail server that is down fails the task
    # with every invitation still pending, for a retry. Open, it is reused by every send.
    connection.open()
    try:
        while (chunks is None or chunks > 0) and (
                ids := _invitation_mail_claim(request_id=request_id, round=round, limit=chunk)):
            chunks = None if chunks is None else chunks - 1
            rows = Invitation.objects.filter(pk__in=ids).order_by("pk").values_list(
                "pk", "organisation__name", "organisation__email")
            done: list[int] = []
            for pk, name, email in rows:
                message = EmailMessage(subject=subject, body=f"{name}：\n\n{text}", to=[email], connection=connection)
                try:
                    connection.send_messages([message])
                except Exception as exc:  # the mail server is outside our control
                    log.warning("invitation mail %s failed: %s", pk, exc)
                    Invitation.objects.filter(pk=pk).update(mail_status=Invitation.Mail.FAILED,
                                                            mail_error=str(exc)[:200])
                    _mail_reconnect(connection)
                    continue
                done.append(pk)
            Invitation.objects.filter(pk__in=done).update(mail_status=Invitation.Mail.SENT)
            sent += len(done)
    finally:
        connection.close()
    return sent


# ---------------------------------------------------------------------------------------
# Sign-up (报名)


def signup_create(*, request_id: int, user) -> SignUp:
    """Sign the user's firm up for a published request (报名).

    Under the request's row lock: the request must still be open (status published and the
    deadline not passed) and the firm eligible now (entry, qualification, 回避, credit).
    The beat sweep takes the same lock to close sign-up, so no sign-up lands after the close.
    Raises NotEligible with the reason, InvalidState when sign-up is closed.
    """
    org = user.organisation
    if org is None or not org.is_intermediary:
        raise NotAllowed("只有中介机构可以报名。")
    with transaction.atomic():
        req = _lock(request_id)
        if req.status == S.DRAFT:
            raise NotAllowed("采购需求不存在。")
        now = timezone.now()
        closed = req.status != S.PUBLISHED or req.signup_deadline is None or now >= req.signup_deadline
        if not closed:
            verdict = firm_eligibility(organisation=org, request=req, at=now)
            if not verdict.ok:
                raise NotEligible(verdict.message, code=verdict.code)
            if SignUp.objects.filter(request=req, organisation=org, round=req.publish_count).exists():
                raise InvalidState("您单位已报名本项目。")
            signup = SignUp.objects.create(request=req, organisation=org, round=req.publish_count, user=user,
                                           created_at=now)
            record_append(chain=request_chain(req), kind="signup", actor=user,
                          data={"uscc": org.uscc, "round": req.publish_count})
    if closed:
        request_refresh(req)  # the lazy check: move the request on if its deadline passed
        raise InvalidState("报名已截止。")
    return signup


def registrants(request: ServiceRequest):
    """The sign-ups of the request's current round."""
    return SignUp.objects.filter(request=request, round=request.publish_count)


def request_close_signup(*, request_id: int, now: datetime | None = None) -> ServiceRequest | None:
    """Close sign-up of a published request whose deadline has passed: to `selecting`
    with at least the method's minimum of valid registrants (then the method prepares, e.g.
    schedules the auction), else to `failed` (流标). Idempotent: a request already moved
    on (or not yet due) is returned unchanged. Returns None when the row is locked by
    another closer (it will do the work).
    """
    now = now or timezone.now()
    with transaction.atomic():
        req = lock_rows(
            ServiceRequest.objects.select_related("service_item", "service_item__qualification_type").filter(pk=request_id),
            skip_locked=True,
        ).first()
        if req is None:
            return None
        if req.status != S.PUBLISHED or req.signup_deadline is None or req.signup_deadline > now:
            return req
        signed = registrants(req)
        valid = eligible_firms(request=req, at=now).filter(pk__in=signed.values("organisation_id")).count()
        method = method_of(req)
        minimum = method.minimum(req)
        data = {"registrants": signed.count(), "valid_registrants": valid, "minimum": minimum}
        if valid >= minimum:
            request_fire(req, "close_signup", actor=None, at=now, data=data)
            method.on_signup_closed(req, now=now)
        else:
            reason = f"有效报名{valid}家，少于规定的{minimum}家，本次采购失败（流标）。"
            request_fire(req, "fail", actor=None, reason=reason, at=now, closing_reason=reason, data=data)
        return req


# ---------------------------------------------------------------------------------------
# Selection: where every method ends


def _candidates(codes: list[str]) -> dict[str, Organisation]:
    return {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes)}


def first_eligible(request: ServiceRequest, codes: list[str], *, now: datetime) -> tuple[Organisation | None, list[dict]]:
    """The first firm of `codes` that is eligible now (`firm_eligibility`), and the firms
    skipped on the way with the reason (code, name, reason)."""
    orgs = _candidates(codes)
    eligible = set(eligible_firms(request=request, at=now).filter(uscc__in=codes).values_list("uscc", flat=True))
    skipped: list[dict] = []
    for code in codes:
        org = orgs.get(code)
        if org is None:
            skipped.append({"code": code, "name": "", "reason": "机构不存在"})
            continue
        verdict = ELIGIBLE if code in eligible else firm_eligibility(organisation=org, request=request, at=now)
        if verdict.ok:
            return org, skipped
        skipped.append({"code": code, "name": org.name, "reason": verdict.message})
    return None, skipped


def request_select(*, request: ServiceRequest, ranking: list[str], actor=None, now: datetime | None = None,
                   data: dict | None = None, direct_reason: str = "") -> tuple[Organisation | None, list[dict]]:
    """End a selection: the first firm of the method's `ranking` (unified social credit
    codes, best first) that is eligible at this moment is selected and the owner must
    confirm by the rule's deadline; firms restricted or otherwise ineligible since they
    signed up are skipped, with their reason recorded. Returns (the selected firm, the
    skipped firms with their reasons); nobody eligible: the request fails (流标) and the
    firm is None.

    Preconditions: inside a transaction holding `request`'s row lock; the request is
    `selecting` (or `failed`, for a direct pick after failures, which the caller checked).
    `direct_reason` marks a direct pick (the owner's reason). The owner and the selected
    firm are notified after commit.
    """
    now = now or timezone.now()
    method = method_of(request)
    firm, skipped = first_eligible(request, ranking, now=now)
    record = {"method": request.method, "ranking_size": len(ranking), "skipped": skipped, **(data or {})}
    if firm is None:
        reason = "选取结果中已无符合条件的机构，本次采购失败（流标）。"
        request_fire(request, "fail", actor=actor, reason=reason, at=now, closing_reason=reason, data=record)
        notification_push(organisation=request.owner, kind="selection_failed", title=f"选取失败：{request.title}",
                          body=reason, url=f"/requests/{request.code}/",
                          dedupe_key=f"select-fail:{request.pk}:{request.failure_count}")
        return None, skipped
    confirm_due = workday_due(now, rule_int("confirm_workdays"))
    record.update(selected=firm.uscc, confirm_due=confirm_due)
    request_fire(request, "select", actor=actor, reason=direct_reason, at=now, firm=firm, confirm_due=confirm_due,
                 direct_reason=direct_reason, data=record)
    url = method.result_url(request)
    skipped_note = f"（排序在前的{len(skipped)}家机构因不再符合条件被跳过）" if skipped else ""
    notification_push(
        organisation=request.owner, kind="selection_result", title=f"{method.label}结果：{request.title}",
        body=f"选定机构：{firm.name}{skipped_note}。请于 {when(confirm_due)} 前确认选取结果。",
        url=url, dedupe_key=f"select:{request.pk}:{firm.pk}:owner",
    )
    notification_push(
        organisation=firm, kind="selection_selected", title=f"您单位被选定：{request.title}",
        body=f"项目编号 {request.code}（{method.label}），请等待项目业主确认选取结果。",
        url=url, dedupe_key=f"select:{request.pk}:{firm.pk}:firm",
    )
    return firm, skipped


def request_fail(*, request: ServiceRequest, reason: str, actor=None, now: datetime | None = None,
                 data: dict | None = None) -> None:
    """流标 of a selecting request whose method could not select (too few valid bids …).
    Precondition: inside a transaction holding the request's row lock."""
    now = now or timezone.now()
    request_fire(request, "fail", actor=actor, reason=reason, at=now, closing_reason=reason, data=data)
    notification_push(organisation=request.owner, kind="request_failed", title=f"流标：{request.title}",
                      body=reason, url=f"/requests/{request.code}/", dedupe_key=f"fail:{request.pk}:{request.failure_count}")


def selection_ranking(request: ServiceRequest) -> list[str]:
    """The ranking substitutes come from: the method's, none for a direct pick."""
    return [] if request.direct_pick else method_of(request).ranking(request)


def next_in_line(request: ServiceRequest, *, after: Organisation, now: datetime) -> tuple[Organisation | None, list[dict]]:
    """The next firm of the selection's ranking after `after` that is still eligible now,
    and the firms skipped on the way with the reason. Never a second draw or auction."""
    codes = selection_ranking(request)
    position = codes.index(after.uscc) if after.uscc in codes else len(codes)
    return first_eligible(request, codes[position + 1:], now=now)


# ---------------------------------------------------------------------------------------
# Deadlines: the lazy check of one request, and the beat sweep


def request_refresh(request: ServiceRequest) -> ServiceRequest:
    """The lazy deadline check of the one request being shown: it closes sign-up, lets its
    method do what is due (the draw at its time, the auction's start and close) and ends
    publicity. Safe under concurrency: each step locks the row and re-checks. Never touches
    another request; overdue warnings (which may raise credit events against a party) are
    recorded by the beat sweep alone."""
    from market.services_results import publicity_end

    now = timezone.now()
    if request.status == S.PUBLISHED and request.signup_deadline is not None and request.signup_deadline <= now:
        request_close_signup(request_id=request.pk)
        request.refresh_from_db()
    if request.status == S.SELECTING:
        method = method_get(request.method)
        if method is not None and method.is_due(request, now=now):
            method.advance(request, now=now)
            request.refresh_from_db()
    if request.status == S.PUBLICITY and request.publicity_ends_at is not None and request.publicity_ends_at <= now:
        publicity_end(request_id=request.pk, now=now)
        request.refresh_from_db()
    return request


DUE_BATCH = 500


def requests_sweep_due(*, now: datetime | None = None) -> int:
    """The beat sweep (never a page view): close every sign-up whose deadline passed, let
    every method do what is due, end every publicity that ran out, record every overdue
    step. A handful of queries when nothing is due. Returns the number looked at."""
    from market.services_results import publicity_sweep_due, requests_overdue_sweep

    now = now or timezone.now()
    due = list(ServiceRequest.objects.filter(status=S.PUBLISHED, signup_deadline__lte=now)
               .values_list("pk", flat=True)[:DUE_BATCH])
    for pk in due:
        request_close_signup(request_id=pk, now=now)
    looked_at = len(due) + sum(method.sweep(now=now) for method in methods()) + publicity_sweep_due(now=now)
    requests_overdue_sweep(now=now)
    return looked_at
