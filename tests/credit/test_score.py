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


# ---------------------------------------------------------------------------------------
# The score and the sanction table agree (issue 12): the demo's suspended firm once kept
# 98 points because its event was written straight into the table with the model's
# default of 0 points, bypassing `credit_event_raise` and the snapshot refresh.


def test_an_automatic_event_counts_the_points_of_the_sanction_table():
    from credit.models import SanctionRule
    from credit.services import credit_raise_contract_unsigned
    from tests.factories import published_request

    firm = firm_user()
    before = CreditScore.objects.filter(organisation=firm.organisation).first()
    event, _ = credit_raise_contract_unsigned(request=published_request(), organisation_id=firm.organisation_id)
    row = SanctionRule.objects.get(kind="contract_unsigned")
    assert event.points == row.points == -20
    b = credit_score_compute(organisation_id=firm.organisation_id)
    assert b.points_total == row.points and b.credit_part == Decimal(90 + row.points)
    snapshot = CreditScore.objects.get(organisation=firm.organisation)
    assert snapshot.score == b.score == Decimal("78.0") and (before is None or before.score != snapshot.score)


def test_an_event_cannot_be_written_without_its_points():
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from credit.models import CreditEvent

    firm = firm_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditEvent.objects.create(organisation=firm.organisation, kind="中选后放弃中选资格", sanction="suspension",
                                   rule_source="r", region_id="360900", starts_at=timezone.now())


def test_registry_marks_a_restricted_firm_with_what_why_and_until_when_and_ranks_it_last(client):
    from credit.services import credit_raise_declined
    from tests.factories import published_request

    req, owner, suspended = completed_request()
    rating_submit_owner(user=owner, request_id=req.pk, overall="satisfied", comment="很好",
                        scores={"quality": 5, "timeliness": 5, "attitude": 5, "fees": 5, "conduct": 5})
    plain = firm_user()
    credit_raise_declined(request=published_request(), organisation_id=suspended.organisation_id, round=1,
                          reason="人手不足")
    html = client.get("/registry/").content.decode()
    row = html[html.index(f'id="firm-{suspended.organisation_id}"'):]
    row = row[:row.index("</tr>")]
    assert "暂停参与" in row and "中选后放弃中选资格" in row and "至" in row and "年" in row
    assert html.index(plain.organisation.name) < html.index(suspended.organisation.name)
    detail = client.get(f"/registry/{suspended.organisation_id}/").content.decode()
    assert "正受信用限制" in detail and "人手不足" in detail and "期满自动解除" in detail


def test_a_removed_firm_leaves_the_registry_for_its_ban(client):
    officer = bureau_user()
    removed, kept = firm_user(), firm_user()
    credit_event_issue(user=officer, organisation_id=removed.organisation_id, kind="collusion",
                       description="围标串标", evidence=evidence_for(officer))
    html = client.get("/registry/").content.decode()
    assert kept.organisation.name in html and removed.organisation.name not in html
    detail = client.get(f"/registry/{removed.organisation_id}/").content.decode()
    assert "已清退" in detail and "不得重新入驻" in detail
    assert removed.organisation.name in client.get("/credit/").content.decode()


def test_an_unscored_firm_ranks_at_the_neutral_score_not_below_every_scored_one(client):
    from credit.selectors import neutral_score
    from credit.services import credit_raise_service_overdue
    from tests.factories import published_request

    assert neutral_score() == Decimal("82.0")
    warned, fresh = firm_user(), firm_user()
    credit_raise_service_overdue(request=published_request(), organisation_id=warned.organisation_id)  # 81.0
    assert not CreditScore.objects.filter(organisation=fresh.organisation).exists()
    html = client.get("/registry/").content.decode()
    assert html.index(fresh.organisation.name) < html.index(warned.organisation.name)


def test_a_firms_page_shows_its_track_record(client):
    from market.models import ServiceRequest

    req, owner, firm = completed_request()
    ServiceRequest.objects.filter(pk=req.pk).update(contract_amount=Decimal("83000"))
    rating_submit_owner(user=owner, request_id=req.pk, overall="basic", comment="尚可",
                        scores={"quality": 4, "timeliness": 4, "attitude": 4, "fees": 4, "conduct": 4})
    html = client.get(f"/registry/{firm.organisation_id}/").content.decode()
    section = html[html.index('id="track-record"'):]
    assert "83,000.00 元" in section and req.title in section and "基本满意" in section
    assert "<strong>1</strong> 个项目已验收" in section
