"""How the ratings' records on a request's chain read (registered with `audit.timeline`
from `RatingsConfig.ready()`)."""

from audit.timeline import timeline_register


def _rating(rec) -> str:
    from ratings.models import FIRM_DIMENSIONS, OWNER_DIMENSIONS, Rating

    data = rec.data or {}
    parts = [str(dict(Rating.Side.choices).get(data.get("side"), "评价"))]
    overall = dict(Rating.Overall.choices).get(data.get("overall"))
    if overall:
        parts.append(f"总体{overall}" + ("（逾期未评，默认）" if data.get("is_default") else ""))
    scores = [f"{label} {data[name]} 分" for name, label in OWNER_DIMENSIONS + FIRM_DIMENSIONS if data.get(name)]
    if scores:
        parts.append("，".join(scores))
    if data.get("decision"):
        from ratings.models import RatingDispute

        parts.append(str(dict(RatingDispute.Decision.choices).get(data["decision"], "")))
    return "；".join(p for p in parts if p)


def register() -> None:
    timeline_register(
        prefix="request",
        kinds={
            "rating": "服务评价",
            "rating_disputed": "对评价提出异议",
            "rating_dispute_answered": "答复评价异议",
            "sector_rating": "行业主管部门评价成果质量",
        },
        details={
            "rating": _rating,
            "rating_disputed": _rating,
            "rating_dispute_answered": _rating,
            "sector_rating": lambda rec: f"成果质量 {rec.data['quality']} 分",
        },
    )
