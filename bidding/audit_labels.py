"""How bidding's records on a request's chain read (registered with `audit.timeline`
from `BiddingConfig.ready()`): sign-ups and the live auction."""

from audit.timeline import format_amount, format_datetime, timeline_register


def _when(value) -> str:
    from datetime import datetime

    return format_datetime(datetime.fromisoformat(value)) if isinstance(value, str) and value else ""


def _scheduled(rec) -> str:
    data = rec.data or {}
    parts = [f"{_when(data.get('starts_at'))} 开始，{_when(data.get('ends_at'))} 截止",
             f"最高限价 {format_amount(data.get('ceiling'))}"]
    if data.get("floor"):
        parts.append(f"最低有效报价 {format_amount(data['floor'])}")
    parts.append(f"最小降价幅度 {format_amount(data.get('min_step'))}")
    parts.append(f"竞价人 {data.get('bidders', 0)} 家")
    return "；".join(parts)


def _bid(rec) -> str:
    # Aliases only: the firm behind an alias is published with the ladder once the auction closes.
    data = rec.data or {}
    text = f"{data.get('alias', '')} 报价 {format_amount(data.get('amount'))}"
    if data.get("extended_to"):
        text += f"，竞价延时至 {_when(data['extended_to'])}"
    return text


def register() -> None:
    timeline_register(
        prefix="request",
        kinds={
            "signup": "中介机构报名",
            "auction_scheduled": "安排网上竞价",
            "auction_started": "网上竞价开始",
            "bid": "竞价出价",
            "auction_closed": "网上竞价结束",
            "auction_void": "网上竞价无效",
        },
        details={
            "signup": lambda rec: f"第 {rec.data['round']} 轮报名" if rec.data.get("round") else "",
            "auction_scheduled": _scheduled,
            "bid": _bid,
            "auction_closed": lambda rec: f"有效出价 {len(rec.data.get('ranking') or [])} 家",
            "auction_void": lambda rec: f"有效出价 {rec.data['bidders']} 家，少于规定的 {rec.data['minimum']} 家",
        },
        # The stored reason of a bid repeats its amount unformatted ("1号报价80000.00元").
        reasons={"bid": lambda rec: ""},
    )
