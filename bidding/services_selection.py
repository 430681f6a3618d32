"""Writes after selection: the owner confirms the result (竞价结果网上确认), the selected firm
declines and the next in line takes its place (and the decliner is sanctioned)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from accounts.services import notification_push
from bidding.models import Draw
from core.calendar import workday_due
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.locking import lock_rows
from core.rules import rule_int
from credit.services import credit_raise_declined
from core.format import datetime_zh
from market.models import ServiceRequest
from market.selectors import firm_eligibility
from market.services import _transition


def _lock(request_id: int) -> ServiceRequest:
    req = lock_rows(
        ServiceRequest.objects.select_related("service_item", "service_item__qualification_type").filter(pk=request_id)
    ).first()
    if req is None:
        raise NotAllowed("采购需求不存在。")
    return req


def selection_ranking(req: ServiceRequest) -> tuple[list[str], int, str]:
    """The selection's ranking (firm codes, best first), its round and what it is: the
    draw's record, else the closed auction's ranking (each bidder's best bid, lowest first).
    A direct pick has no ranking: ([], 0, "")."""
    from bidding.models import Auction

    the_draw = Draw.objects.filter(request=req).first()
    if the_draw is not None:
        return [entry["code"] for entry in the_draw.record["ranking"]], the_draw.round, "随机排序"
    auction = Auction.objects.filter(request=req, status=Auction.Status.CLOSED).order_by("-round").first()
    if auction is not None:
        return [row["code"] for row in auction.ranking], auction.round, "竞价排名"
    return [], 0, ""


def next_in_line(req: ServiceRequest, *, after: Organisation, now: datetime) -> tuple[Organisation | None, list[dict]]:
    """The next firm of the selection's ranking after `after` that is still eligible now
    (`firm_eligibility`), and the firms skipped on the way with the reason. No ranking (a
    direct pick) means nobody is next in line. Never a second draw or auction."""
    codes, _, _ = selection_ranking(req)
    position = codes.index(after.uscc) if after.uscc in codes else len(codes)
    orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes[position + 1:])}
    skipped: list[dict] = []
    for code in codes[position + 1:]:
        org = orgs.get(code)
        verdict = firm_eligibility(organisation=org, request=req, at=now) if org else None
        if verdict is not None and verdict.ok:
            return org, skipped
        skipped.append({"code": code, "reason": verdict.message if verdict else "机构不存在"})
    return None, skipped


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
    publicity_ends_at = workday_due(now, rule_int("publicity_workdays"))
    _transition(req, name="confirm", actor=user, args={"at": now, "publicity_ends_at": publicity_ends_at},
                data={"selected": firm.uscc, "publicity_ends_at": publicity_ends_at})
    notification_push(
        organisation=firm, kind="selection_confirmed", title=f"选取结果已确认：{req.title}",
        body=f"项目编号 {req.code}，结果公示至 {datetime_zh(publicity_ends_at)}。",
        url=f"/requests/{req.code}/",
        dedupe_key=f"confirm:{req.pk}:{firm.pk}:{req.status_changed_at.isoformat()}",
    )
    return req


@transaction.atomic
def request_decline(*, request_id: int, user, reason: str) -> ServiceRequest:
    """The selected firm declines (放弃中选). It is sanctioned through
    `credit.services.credit_raise_declined` (the sanction table's "declined" row: warning and
    suspension for 6 months by default, once per request and round), and the next firm of the draw's or auction's ranking that is still
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
    codes, round_no, by = selection_ranking(req)
    now = timezone.now()
    declined = req.selected_firm
    event, _ = credit_raise_declined(request=req, organisation_id=declined.pk, round=round_no, reason=reason, at=now)

    substitute, skipped = next_in_line(req, after=declined, now=now)
    data = {"declined": declined.uscc, "sanction_event": event.pk, "skipped": skipped}
    if substitute is None:
        message = f"中选机构放弃中选，排序中已无符合条件的递补机构，本次采购失败（流标）。放弃理由：{reason}"
        _transition(req, name="fail", actor=user, args={"at": now, "reason": message}, reason=reason, data=data)
    else:
        data.update(substitute=substitute.uscc, position=codes.index(substitute.uscc) + 1)
        confirm_due = workday_due(now, rule_int("confirm_workdays"))
        _transition(req, name="substitute", actor=user, args={"at": now, "firm": substitute, "confirm_due": confirm_due},
                    reason=reason, data=data)
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
