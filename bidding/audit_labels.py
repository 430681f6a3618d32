"""How bidding's records read (registered with `audit.timeline` from
`BiddingConfig.ready()`): sign-ups and the live auction on a request's chain, and the
comparison chain (`comparison:<request code>`) with its response documents."""

from collections.abc import Collection

from audit.timeline import (
    DocumentRef,
    format_amount,
    format_datetime,
    timeline_documents_register,
    timeline_register,
)


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
    register_comparison()
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


def _quote(rec) -> str:
    data = rec.data or {}
    return f"第 {data.get('round', '')} 轮第 {data.get('submission', 1)} 次递交，报价哈希 {data.get('quote_hash', '')[:16]}…"


def _opened(rec) -> str:
    data = rec.data or {}
    return f"公开报价 {len(data.get('quotes') or [])} 份，最低有效报价 {format_amount(data.get('lowest'))}"


def _evaluated(rec) -> str:
    ranking = (rec.data or {}).get("ranking") or []
    return f"排名第一：总分 {ranking[0]['total']}，报价 {format_amount(ranking[0]['amount'])}" if ranking else ""


def response_documents(hashes: Collection[str]) -> dict[str, DocumentRef]:
    """Response documents named by their SHA-256 (never by their sealed file name)."""
    from bidding.models import ComparisonQuote

    found = ComparisonQuote.objects.filter(document_sha256__in=hashes).values_list("document_sha256", flat=True)
    return {sha: DocumentRef(name="询比响应文件", sha256=sha) for sha in found}


def register_comparison() -> None:
    timeline_register(
        prefix="comparison",
        title="询比选取记录",
        kinds={
            "criteria": "设置评审标准",
            "quote": "递交密封报价（仅记录哈希值）",
            "opened": "开标",
            "void": "有效报价不足，未开标",
            "scored": "评审打分",
            "evaluated": "评审结果",
            "lapsed": "评审逾期",
        },
        details={
            "criteria": lambda rec: f"价格分 {rec.data['price_weight']} 分，评审因素 {len(rec.data['items'])} 项",
            "quote": _quote,
            "opened": _opened,
            "scored": lambda rec: f"评分 {len(rec.data.get('scores') or [])} 项（含理由）",
            "evaluated": _evaluated,
        },
    )
    timeline_documents_register(response_documents)
