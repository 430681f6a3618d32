"""The published credit-score formula and the registry stars ordered by it."""

from decimal import Decimal

import pytest

from core.models import Rule
from credit.models import CreditScore
from credit.selectors import credit_score_compute, stars_of
from credit.services import credit_event_issue
from ratings.services import rating_submit_owner, sector_rating_submit
from tests.credit.helpers import evidence_for
from tests.factories import bureau_user, firm_user
from tests.lifecycle_fixtures import completed_request

pytestmark = pytest.mark.django_db


def test_a_firm_without_history_gets_the_neutral_score():
    firm = firm_user()
    b = credit_score_compute(organisation_id=firm.organisation_id)
    # (5×80 + 3×80 + 2×90) / 10
    assert (b.owner_part, b.sector_part, b.credit_part, b.score, b.stars) == (80, 80, 90, Decimal("82.0"), 4)


def test_formula_combines_owner_sector_and_credit_with_the_rule_weights():
    req, owner, firm = completed_request()
    rating_submit_owner(user=owner, request_id=req.pk, overall="basic", comment="尚可",
                        scores={"quality": 3, "timeliness": 4, "attitude": 5, "fees": 3, "conduct": 5})
    sector_rating_submit(user=bureau_user(), request_id=req.pk, quality=5, comment="成果规范")
    officer = bureau_user()
    credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="overcharging",
                       description="超标准收费", evidence=evidence_for(officer))
    b = credit_score_compute(organisation_id=firm.organisation_id)
    assert b.owner_part == Decimal("80.0")  # mean 4.0 ×20
    assert b.sector_part == Decimal("100.0")
    assert b.credit_part == Decimal("70.0")  # 90 − 20
    assert b.score == Decimal("84.0")  # (5×80 + 3×100 + 2×70) / 10
    assert "= 84.0" in b.formula
    Rule.objects.filter(key="score_weight_owner").update(value=0)
    assert credit_score_compute(organisation_id=firm.organisation_id).score == Decimal("88.0")  # (300+140)/5
    snapshot = CreditScore.objects.get(organisation=firm.organisation)
    assert snapshot.score == Decimal("84.0") and snapshot.stars == 4


@pytest.mark.parametrize("score,stars", [(95, 5), (90, 5), (89.9, 4), (80, 4), (70, 3), (60, 2), (59.9, 1), (0, 1)])
def test_stars_of_score(score, stars):
    assert stars_of(Decimal(str(score))) == stars


def test_registry_orders_by_stars_and_shows_dimensions_counts_and_comments(client):
    req, owner, good = completed_request()
    rating_submit_owner(user=owner, request_id=req.pk, overall="satisfied", comment="非常专业，响应迅速",
                        scores={"quality": 5, "timeliness": 5, "attitude": 5, "fees": 5, "conduct": 5})
    sector_rating_submit(user=bureau_user(), request_id=req.pk, quality=5, comment="优")
    bad = firm_user(display_name="x")
    officer = bureau_user()
    credit_event_issue(user=officer, organisation_id=bad.organisation_id, kind="overcharging",
                       description="超标准收费", evidence=evidence_for(officer))
    html = client.get("/registry/").content.decode()
    assert html.index(good.organisation.name) < html.index(bad.organisation.name)
    assert "非常专业，响应迅速" in html and "5.00" in html
    assert "★★★★★" in html
    detail = client.get(f"/registry/{good.organisation_id}/").content.decode()
    assert "服务质量" in detail and "非常专业，响应迅速" in detail and "默认满意" in detail
