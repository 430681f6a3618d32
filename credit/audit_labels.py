"""How the credit records read (registered with `audit.timeline` from
`CreditConfig.ready()`): each firm's credit chain and the sanction table's."""

from audit.timeline import format_datetime, timeline_register


def _event(rec) -> str:
    from datetime import datetime

    from credit.models import CreditEvent, Kind

    data = rec.data or {}
    code = str(data.get("kind") or "")
    # Events recorded before `kind_code` carry their Chinese label here; a code is translated.
    kind = dict(Kind.choices).get(code) or ("" if code.isascii() else code)
    parts = [str(kind)] if kind else []
    sanction = dict(CreditEvent.Sanction.choices).get(data.get("sanction"))
    if sanction:
        parts.append(str(sanction))
    if data.get("points"):
        parts.append(f"信用分 {data['points']:+d}")
    if data.get("ends_at"):
        parts.append(f"至 {format_datetime(datetime.fromisoformat(data['ends_at']))}")
    return "；".join(parts)


def _appeal_answer(rec) -> str:
    from credit.models import CreditAppeal

    return str(dict(CreditAppeal.Decision.choices).get((rec.data or {}).get("decision"), ""))


def _sanction_set(rec) -> str:
    from credit.models import CreditEvent, Kind

    data = rec.data or {}
    after = data.get("after") or {}
    parts = [str(dict(Kind.choices).get(data.get("kind"), "惩戒标准"))]
    sanction = dict(CreditEvent.Sanction.choices).get(after.get("sanction"))
    if sanction:
        parts.append(str(sanction))
    if after.get("months"):
        parts.append(f"{after['months']} 个月")
    if after.get("ban_years"):
        parts.append(f"禁入 {after['ban_years']} 年")
    if after.get("points"):
        parts.append(f"信用分 {after['points']:+d}")
    return "；".join(parts)


def register() -> None:
    from credit.models import CreditEvent

    timeline_register(
        prefix="credit",
        title="信用记录",
        kinds={
            "credit_event": "记录信用事件",
            "credit_revoked": "撤销信用事件",
            "credit_appealed": "机构提出申诉",
            "credit_appeal_answered": "答复申诉",
            "credit_expired": "期限届满，自动解除",
        },
        states=dict(CreditEvent.Status.choices),
        details={"credit_event": _event, "credit_appeal_answered": _appeal_answer},
    )
    timeline_register(
        prefix="credit:sanctions",
        title="失信惩戒标准",
        kinds={"sanction_set": "修改失信惩戒标准"},
        details={"sanction_set": _sanction_set},
        reasons={"sanction_set": lambda rec: ""},  # the stored reason is the row's code
    )
