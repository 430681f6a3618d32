"""Writes after selection: the owner confirms the result (竞价结果网上确认), the selected firm
declines and the next in line takes its place (and the decliner is sanctioned)."""

import calendar
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from accounts.services import notification_push
from bidding.exceptions import InvalidState, NotAllowed, ValidationFailed
from bidding.models import Draw
from credit.models import CreditEvent
from market.locking import lock_rows
from market.models import ServiceRequest
from market.rules import MEASURES
from market.selectors import firm_eligibility, rule_int
from market.services import _transition

DECLINE_KIND = "中选后放弃中选资格"


def _lock(request_id: int) -> ServiceRequest:
    req = lock_rows(
        ServiceRequest.objects.select_related("service_item", "service_item__qualification_type").filter(pk=request_id)
    ).first()
    if req is None:
        raise NotAllowed("采购需求不存在。")
    return req


def _add_months(at: datetime, months: int) -> datetime:
    local = timezone.localtime(at)
    month0 = local.month - 1 + months
    year, month = local.year + month0 // 12, month0 % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


@transaction.atomic
def request_confirm(*, request_id: int, user) -> ServiceRequest:
    """The owner confirms the selection result: awaiting confirmation → publicity (公示)."""
    req = _lock(request_id)
    if user.organisation_id is None or req.owner_id != user.organisation_id:
        raise NotAllowed("只有项目业主可以确认选取结果。")
    if req.status != ServiceRequest.Status.AWAITING_CONFIRMATION:
        raise InvalidState("该项目当前没有待确认的选取结果。")
    now = timezone.now()
    firm = req.selected_firm
    _transition(req, name="confirm", actor=user, args={"at": now}, data={"selected": firm.uscc})
    notification_push(
        organisation=firm, kind="selection_confirmed", title=f"选取结果已确认：{req.title}",
        body=f"项目编号 {req.code}，结果进入公示期。", url=f"/requests/{req.code}/",
        dedupe_key=f"confirm:{req.pk}:{firm.pk}:{req.status_changed_at.isoformat()}",
    )
    return req


def _ranking_codes(req: ServiceRequest) -> tuple[list[str], int, str]:
    """The selection's ranking (firm codes, best first), its round and what it is: the
    draw's record, else the closed auction's ranking (each bidder's best bid, lowest first)."""
    from bidding.models import Auction

    the_draw = Draw.objects.filter(request=req).first()
    if the_draw is not None:
        return [entry["code"] for entry in the_draw.record["ranking"]], the_draw.round, "随机排序"
    auction = Auction.objects.filter(request=req, status=Auction.Status.CLOSED).order_by("-round").first()
    if auction is not None:
        return [row["code"] for row in auction.ranking], auction.round, "竞价排名"
    raise InvalidState("该项目的选取方式暂不支持递补。")


@transaction.atomic
def request_decline(*, request_id: int, user, reason: str) -> ServiceRequest:
    """The selected firm declines (放弃中选). It is sanctioned (warning and suspension for the
    `decline_suspension_months` rule), and the next firm of the draw's ranking that is still
    eligible takes its place, to be confirmed by the owner; there is never a second draw.
    With nobody left the request fails (流标).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("放弃中选须说明理由。", errors={"reason": ["放弃中选须说明理由。"]})
    req = _lock(request_id)
    if user.organisation_id is None or req.selected_firm_id != user.organisation_id:
        raise NotAllowed("只有被选中的中介机构可以放弃中选。")
    if req.status not in (ServiceRequest.Status.AWAITING_CONFIRMATION, ServiceRequest.Status.PUBLICITY):
        raise InvalidState("当前阶段不能放弃中选。")
    ranking_codes, round_no, by = _ranking_codes(req)
    now = timezone.now()
    declined = req.selected_firm
    months = rule_int("decline_suspension_months")
    event, _ = CreditEvent.objects.get_or_create(
        organisation=declined, cause_key=f"decline:{req.code}:{round_no}",
        defaults={
            "kind": DECLINE_KIND,
            "sanction": CreditEvent.Sanction.SUSPENSION if months > 0 else CreditEvent.Sanction.WARNING,
            "rule_source": f"{MEASURES}：中选机构放弃中选或拒不签约的，予以警告并暂停{months}个月。",
            "description": f"项目 {req.code}「{req.title}」中选后放弃，理由：{reason}",
            "region_id": req.region_id, "request": req, "starts_at": now,
            "ends_at": _add_months(now, months) if months > 0 else None,
        },
    )

    codes = ranking_codes
    position = codes.index(declined.uscc)
    orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes[position + 1:])}
    skipped, substitute = [], None
    for code in codes[position + 1:]:
        org = orgs.get(code)
        verdict = firm_eligibility(organisation=org, request=req, at=now) if org else None
        if verdict is not None and verdict.ok:
            substitute = org
            break
        skipped.append({"code": code, "reason": verdict.message if verdict else "机构不存在"})
    data = {"declined": declined.uscc, "sanction_event": event.pk, "skipped": skipped}
    if substitute is None:
        message = f"中选机构放弃中选，排序中已无符合条件的递补机构，本次采购失败（流标）。放弃理由：{reason}"
        _transition(req, name="fail", actor=user, args={"at": now, "reason": message}, reason=reason, data=data)
    else:
        data.update(substitute=substitute.uscc, position=codes.index(substitute.uscc) + 1)
        _transition(req, name="substitute", actor=user, args={"at": now, "firm": substitute}, reason=reason, data=data)
        notification_push(
            organisation=substitute, kind="draw_selected", title=f"您单位递补中选：{req.title}",
            body=f"项目编号 {req.code}，原中选机构放弃，您单位按{by}递补，请等待项目业主确认。",
            url=f"/requests/{req.code}/{'draw' if by == '随机排序' else 'auction'}/", dedupe_key=f"substitute:{req.pk}:{substitute.pk}",
        )
    notification_push(
        organisation=req.owner, kind="selection_declined", title=f"中选机构放弃中选：{req.title}",
        body=(f"{declined.name}放弃中选（{reason}）。"
              + (f"递补机构：{substitute.name}，请确认。" if substitute else "无可递补机构，本次采购流标。")),
        url=f"/requests/{req.code}/", dedupe_key=f"decline:{req.pk}:{declined.pk}",
    )
    return req
