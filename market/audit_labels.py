"""How the market's audit records read (registered with `audit.timeline` from
`MarketConfig.ready()`): request chains, entry chains, the rules, the working-day
calendar and the direct-pick policies."""

from datetime import datetime

from django.urls import reverse

from audit.timeline import (
    DocumentRef,
    format_amount,
    format_date,
    format_datetime,
    timeline_documents_register,
    timeline_register,
)
from market.selection import method_get

# Request transitions, by the FSM method name the record carries in data["transition"].
TRANSITIONS = {
    "publish": "发布采购公告",
    "close_signup": "报名截止",
    "fail": "采购失败（流标）",
    "cancel": "取消采购",
    "select": "产生选取结果",
    "pick_directly": "直接选取",
    "confirm": "业主确认选取结果",
    "substitute": "中选机构放弃，依次递补",
    "lodge_objection": "提出质疑",
    "uphold_objection": "质疑成立，依次递补",
    "dismiss_objection": "质疑不成立，恢复公示",
    "end_publicity": "公示期满",
    "start_service": "中介机构上传盖章合同，开始服务",
    "deliver": "提交服务成果",
    "accept": "业主验收",
    "rate": "完成服务评价",
    "terminate": "终止合同",
}
ENTRY_TRANSITIONS = {"submitted": "提交入驻申请", "approved": "审核通过", "returned": "退回修改"}


def _request_transition(rec) -> str:
    name = (rec.data or {}).get("transition", "")
    if name == "publish" and rec.from_state == "failed":
        return "流标后重新发布"
    return TRANSITIONS.get(name, "状态变更")


def _request_transition_detail(rec) -> str:
    data = rec.data or {}
    parts = []
    method = method_get(data.get("method") or "")
    if method is not None:
        parts.append(method.label)
    if data.get("round"):
        parts.append(f"第 {data['round']} 轮")
    if data.get("amount") not in (None, ""):
        parts.append(f"金额 {format_amount(data['amount'])}")
    if data.get("bidders") is not None:
        parts.append(f"有效竞价人 {data['bidders']} 家")
    for key, label in (("publicity_ends_at", "公示至"), ("contract_due", "合同签订期限"),
                       ("service_ends_at", "服务期至"), ("answer_due", "答复期限")):
        if data.get(key):
            parts.append(f"{label} {format_datetime_text(data[key])}")
    if data.get("late"):
        parts.append("逾期提交")
    if data.get("is_default"):
        parts.append("逾期未评价，默认满意")
    return "；".join(parts)


def format_datetime_text(value) -> str:
    """A datetime stored in the data as ISO text, as a Chinese reader writes it."""
    try:
        return format_datetime(datetime.fromisoformat(value)) if isinstance(value, str) else format_datetime(value)
    except ValueError:
        return ""


def _entry_transition(rec) -> str:
    return ENTRY_TRANSITIONS.get(rec.to_state, "状态变更")


def _qualification(rec) -> str:
    data = rec.data or {}
    text = f"证书编号 {data.get('cert_no', '')}"
    if data.get("grade"):
        text += f"，等级 {data['grade']}"
    if data.get("valid_until"):
        text += f"，有效期至 {format_date(data['valid_until'])}"
    return text


def _rule(rec) -> str:
    data = rec.data or {}
    unit = data.get("unit", "")
    return f"{data.get('label', '规则参数')}：{data.get('old')} {unit} → {data.get('new')} {unit}".strip()


def _calendar(rec) -> str:
    data = rec.data or {}
    new = data.get("new")
    day = format_date(data.get("date"))
    if not new:
        return f"{day} 恢复按法定日历计算"
    kind = "工作日" if new.get("is_workday") else "休息日"
    return f"{day} 设为{kind}" + (f"（{new['note']}）" if new.get("note") else "")


def _policy(rec) -> str:
    from accounts.models import Region
    from market.models import ServiceRequest

    data = rec.data or {}
    region = Region.objects.filter(code=data.get("region")).values_list("name", flat=True).first() or "—"
    funding = dict(ServiceRequest.Funding.choices).get(data.get("funding"), "—")
    verdict = "允许直接选取" if data.get("new") else "不允许直接选取"
    return f"{region} · {funding}：{verdict}" + (f"（依据：{data['source']}）" if data.get("source") else "")


def documents_by_hash(hashes) -> dict[str, DocumentRef]:
    """The uploaded documents with these SHA-256 values (the earliest of equal files),
    linked to the permission-checked download."""
    from accounts.models import Document

    found: dict[str, DocumentRef] = {}
    for pk, name, sha in Document.objects.filter(sha256__in=list(hashes)).order_by("pk").values_list(
        "pk", "original_name", "sha256"
    ):
        found.setdefault(sha, DocumentRef(name=name, sha256=sha, url=reverse("market:document_download", args=[pk])))
    return found


def register() -> None:
    from market.models import Entry, ServiceRequest

    timeline_register(
        prefix="request",
        title="采购项目",
        kinds={
            "created": "创建采购需求",
            "transition": _request_transition,
            "contract_owner": "业主上传合同",
            "termination_asked": "业主申请终止合同",
            "termination_refused": "不予终止合同",
            "overdue": "逾期预警",
            "attachment": "上传采购文件",
            "clarification_asked": "报名机构提问",
            "clarification_answered": "业主答复提问",
        },
        states=dict(ServiceRequest.Status.choices),
        details={
            "transition": _request_transition_detail,
            "contract_owner": lambda rec: f"合同金额 {format_amount(rec.data['amount'])}",
            "overdue": lambda rec: f"期限 {format_datetime_text(rec.data['due_at'])}" if rec.data.get("due_at") else "",
        },
    )
    timeline_register(
        prefix="entry",
        title="入驻申请",
        kinds={
            "entry_created": "创建入驻申请",
            "qualification_added": "添加资质证书",
            "qualification_removed": "删除资质证书",
            "staff_added": "添加执业人员",
            "transition": _entry_transition,
        },
        states=dict(Entry.Status.choices),
        details={
            "qualification_added": _qualification,
            "qualification_removed": lambda rec: f"证书编号 {rec.data['cert_no']}",
            "staff_added": lambda rec: f"{rec.data['name']}（{rec.data['title']}）",
        },
    )
    timeline_register(prefix="rules", title="规则参数", kinds={"rule_set": "修改规则参数"}, details={"rule_set": _rule})
    timeline_register(prefix="calendar", title="工作日历",
                      kinds={"calendar_day_set": "设置工作日历", "calendar_day_cleared": "删除工作日历设置"},
                      details={"calendar_day_set": _calendar, "calendar_day_cleared": _calendar})
    timeline_register(prefix="direct-pick-policy", title="直接选取政策",
                      kinds={"direct_pick_policy": "修改直接选取政策"}, details={"direct_pick_policy": _policy})
    timeline_documents_register(documents_by_hash)
