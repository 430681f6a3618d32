"""Writes of bidding: invitations and sign-ups."""

import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import notification_push
from audit.services import record_append
from core.exceptions import InvalidState, NotAllowed, NotEligible
from core.format import datetime_zh, money
from core.locking import lock_rows
from market.models import Invitation, ServiceRequest, SignUp
from market.selectors import eligible_firms, firm_eligibility
from market.services import request_chain, request_refresh

log = logging.getLogger(__name__)


def invitations_push(*, request_id: int, round: int) -> int:
    """Push the invitations of one publication round (采购邀请网上推送).

    Every approved, qualified, unrestricted firm gets one inbox entry, one live push and
    one email. Idempotent: the unique (request, firm, round) invitation and the mail status
    make a retry or a second worker a no-op for firms already invited. Returns the number
    of new invitations.
    """
    req = ServiceRequest.objects.select_related("service_item", "service_item__qualification_type", "region").get(pk=request_id)
    if req.publish_count != round or req.status != ServiceRequest.Status.PUBLISHED:
        return 0  # a later round superseded this one, or the request moved on
    created = 0
    for org in eligible_firms(request=req).order_by("pk"):
        try:
            with transaction.atomic():
                Invitation.objects.create(request=req, organisation=org, round=round,
                                          mail_status=Invitation.Mail.PENDING if org.email else Invitation.Mail.NONE)
                notification_push(
                    organisation=org,
                    kind="invitation",
                    title=f"采购邀请：{req.title}",
                    body=f"{req.region.name} · {req.service_item.name} · 最高限价 {money(req.ceiling)} · 报名截止 "
                    f"{datetime_zh(req.signup_deadline)}",
                    url=f"/requests/{req.code}/",
                    dedupe_key=f"invitation:{req.pk}:{round}",
                )
            created += 1
        except IntegrityError:
            continue  # already invited in this round
    invitation_mails_send(request_id=req.pk, round=round)
    return created


def invitation_mails_send(*, request_id: int, round: int) -> int:
    """Send pending invitation emails at most once each.

    Each invitation is claimed (pending → sending) by a conditional UPDATE before the mail
    goes out, so two workers or a retry never send a second copy; a crash between claim and
    send leaves the row `sending`, visible to the bureau, rather than risk a duplicate.
    """
    sent = 0
    pending = Invitation.objects.filter(request_id=request_id, round=round, mail_status=Invitation.Mail.PENDING)
    for inv in pending.select_related("organisation", "request"):
        claimed = Invitation.objects.filter(pk=inv.pk, mail_status=Invitation.Mail.PENDING).update(
            mail_status=Invitation.Mail.SENDING
        )
        if not claimed:
            continue
        req = inv.request
        try:
            send_mail(
                subject=f"【宜春市网上中介服务超市】采购邀请：{req.title}",
                message=(
                    f"{inv.organisation.name}：\n\n您单位具备“{req.service_item.name}”资质，现邀请参加以下项目：\n"
                    f"项目编号：{req.code}\n项目名称：{req.title}\n最高限价：{money(req.ceiling)}\n"
                    f"报名截止：{datetime_zh(req.signup_deadline)}\n\n"
                    f"请登录平台查看公告并报名：/requests/{req.code}/\n"
                ),
                from_email=None,
                recipient_list=[inv.organisation.email],
            )
        except Exception as exc:  # the mail server is outside our control
            log.warning("invitation mail %s failed: %s", inv.pk, exc)
            Invitation.objects.filter(pk=inv.pk).update(mail_status=Invitation.Mail.FAILED, mail_error=str(exc)[:200])
            continue
        Invitation.objects.filter(pk=inv.pk).update(mail_status=Invitation.Mail.SENT)
        sent += 1
    return sent


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
        req = lock_rows(
            ServiceRequest.objects.select_related("service_item", "service_item__qualification_type").filter(pk=request_id)
        ).first()
        if req is None or req.status == ServiceRequest.Status.DRAFT:
            raise NotAllowed("采购需求不存在。")
        now = timezone.now()
        if req.status != ServiceRequest.Status.PUBLISHED or req.signup_deadline is None or now >= req.signup_deadline:
            closed = True
        else:
            closed = False
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
