"""The arithmetic of comparison selection (询比选取), published with the method: pure
functions with no database, so anyone can recompute a result by hand from the opening
record and the scores.

- Price points, 低价优先法 (`lowest_price`): price weight × the lowest valid quote ÷ this
  quote. The lowest quote gets the whole price weight.
- Credit points: the item's weight × the firm's credit score (out of 100) ÷ 100, the score
  read at the opening.
- A judged item: the mean of the panelists' points (each between 0 and the item's weight).
- Every figure is rounded to two decimals (half up) before it is added, so the published
  figures add up to the published total.
- Ranking: the highest total first; on equal totals the lower quote; then the earlier
  submission (the time the quote in force was submitted); then the lower quote id.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

FORMULA_TEXT = {
    "lowest_price": "低价优先法：价格分 = 价格分权重 × 有效报价中的最低价 ÷ 本机构报价（最低报价得满分），保留两位小数",
}


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_points(*, formula: str, weight: int, lowest: Decimal, amount: Decimal) -> Decimal:
    """Price points of a quote of `amount` when the lowest valid quote is `lowest`."""
    if formula != "lowest_price":
        raise ValueError(f"unknown price formula {formula!r}")
    if amount <= 0 or lowest <= 0 or lowest > amount:
        raise ValueError("quotes are positive and the lowest is not above any quote")
    return round2(Decimal(weight) * lowest / amount)


def credit_points(*, weight: int, score: Decimal) -> Decimal:
    """Credit points of a firm whose credit score (out of 100) is `score`."""
    return round2(Decimal(weight) * max(min(score, HUNDRED), Decimal(0)) / HUNDRED)


def mean_points(points: Iterable[Decimal]) -> Decimal:
    """The mean of the panelists' points on one item, rounded to two decimals."""
    values = list(points)
    if not values:
        raise ValueError("no points to average")
    return round2(sum(values, Decimal(0)) / len(values))


@dataclass(frozen=True)
class Line:
    """One quote's figures for the ranking."""

    quote_id: int
    code: str
    amount: Decimal
    submitted_at: datetime
    price: Decimal
    credit: Decimal
    judged: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        return self.price + self.credit + sum(self.judged, Decimal(0))


def rank(lines: Iterable[Line]) -> list[Line]:
    """`lines` best first: total descending, then lower amount, earlier submission, lower id."""
    return sorted(lines, key=lambda line: (-line.total, line.amount, line.submitted_at, line.quote_id))
