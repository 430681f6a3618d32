"""The published arithmetic of comparison selection, against hand-computed figures."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from bidding.comparison import Line, credit_points, mean_points, price_points, rank

T0 = datetime(2026, 12, 3, 9, 0)


def test_lowest_price_formula_gives_the_lowest_quote_the_whole_weight():
    # 60 × 80,000 / 80,000 = 60; 60 × 80,000 / 90,000 = 53.333… → 53.33; 60 × 80,000 / 100,000 = 48
    assert price_points(formula="lowest_price", weight=60, lowest=D("80000"), amount=D("80000")) == D("60.00")
    assert price_points(formula="lowest_price", weight=60, lowest=D("80000"), amount=D("90000")) == D("53.33")
    assert price_points(formula="lowest_price", weight=60, lowest=D("80000"), amount=D("100000")) == D("48.00")
    # 30 × 77,777.77 / 88,888.88 = 26.2499… → 26.25 (half up at the cent)
    assert price_points(formula="lowest_price", weight=30, lowest=D("77777.77"), amount=D("88888.88")) == D("26.25")
    # 70 × 50,000 / 60,000 = 58.333… → 58.33; 70 × 50,000 / 70,000 = 50
    assert price_points(formula="lowest_price", weight=70, lowest=D("50000"), amount=D("60000")) == D("58.33")
    assert price_points(formula="lowest_price", weight=70, lowest=D("50000"), amount=D("70000")) == D("50.00")


def test_price_formula_refuses_an_unknown_formula_or_a_lowest_above_the_quote():
    with pytest.raises(ValueError):
        price_points(formula="average", weight=60, lowest=D(1), amount=D(2))
    with pytest.raises(ValueError):
        price_points(formula="lowest_price", weight=60, lowest=D(3), amount=D(2))


def test_credit_points_are_the_weight_times_the_score_out_of_100():
    assert credit_points(weight=10, score=D("86.5")) == D("8.65")
    assert credit_points(weight=15, score=D("93.3")) == D("14.00")  # 13.995 → 14.00 half up
    assert credit_points(weight=10, score=D("100")) == D("10.00")


def test_judged_points_are_the_panel_mean_to_the_cent():
    assert mean_points([D("25"), D("26"), D("28")]) == D("26.33")
    assert mean_points([D("7.5"), D("8")]) == D("7.75")
    with pytest.raises(ValueError):
        mean_points([])


def _line(qid, amount, price, judged, minutes=0):
    return Line(quote_id=qid, code=f"C{qid}", amount=D(amount), submitted_at=T0 + timedelta(minutes=minutes),
                price=D(price), credit=D(0), judged=tuple(D(j) for j in judged))


def test_ranking_by_total_then_lower_price_then_earlier_submission():
    a = _line(1, "90000", "53.33", ["30", "8.67"])            # 92.00
    b = _line(2, "80000", "60.00", ["24", "8"])               # 92.00, lower price: before a
    c = _line(3, "80000", "60.00", ["25", "7"], minutes=-5)   # 92.00, same price, earlier: before b
    d = _line(4, "100000", "48.00", ["30", "10"])             # 88.00
    e = _line(5, "85000", "56.47", ["28", "9"])               # 93.47: first
    assert [line.total for line in (a, b, c, d, e)] == [D("92.00")] * 3 + [D("88.00"), D("93.47")]
    assert [line.quote_id for line in rank([a, b, c, d, e])] == [5, 3, 2, 1, 4]
