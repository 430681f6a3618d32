"""The supervision figures on the known history of `tests.supervision.stats_history`."""

from datetime import datetime
from decimal import Decimal

import pytest

from market.models import ServiceRequest
from supervision.models_stats import RequestStat
from supervision.selectors_stats import StatFilters, figures_tables, percentile, stats_base
from supervision.services_stats import firm_is_outside, request_stat_refresh
from tests.factories import bureau_user, owner_user, published_request
from tests.supervision.stats_history import history, outside_uscc  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status


def tables_of(**kwargs) -> dict:
    return {t.key: t for t in figures_tables(**kwargs)}


def summary(table) -> dict:
    return {row[0]: row[1] for row in table.rows}


def test_headline_figures_of_the_known_history(history):
    city = bureau_user()
    figures = summary(tables_of(user=city)["summary"])
    assert figures["发布项目数"] == 5
    assert figures["发布轮次"] == 5
    assert figures["成交项目数"] == 2
    assert figures["成交率"] == Decimal("0.4000")
    assert figures["流标次数"] == 1
    assert figures["流标率"] == Decimal("0.2000")
    assert figures["平均报名家数"] == Decimal("1.80")
    assert figures["已签合同项目最高限价合计"] == Decimal("200000.00")
    assert figures["合同金额合计"] == Decimal("170000.00")
    assert figures["节约资金"] == Decimal("30000.00")
    assert figures["节资率"] == Decimal("0.1500")
    assert figures["市外中介机构承接项目占比"] == Decimal("0.5000")
    assert figures["承接项目的中介机构中市外机构占比"] == Decimal("0.5000")


def test_working_days_per_step_median_and_90th_percentile(history):
    steps = {row[0]: row[1:] for row in tables_of(user=bureau_user())["steps"].rows}
    assert steps["发布→选取"] == (3, Decimal("6.0"), Decimal("6.0"))
    assert steps["选取→确认"] == (2, Decimal("3.0"), Decimal("3.8"))  # A 4 days (late), B 2
    assert steps["确认→签订合同"] == (2, Decimal("7.0"), Decimal("7.8"))  # A 6, B 8
    assert steps["签订合同→交付"] == (2, Decimal("3.0"), Decimal("3.0"))
    assert steps["交付→验收"] == (2, Decimal("2.0"), Decimal("2.8"))  # A 1, B 3 (30, 31 Mar, 1 Apr)
    a = RequestStat.objects.get(request=history["a"])
    assert (a.days_select, a.days_confirm, a.days_contract, a.days_deliver, a.days_accept) == (6, 4, 6, 3, 1)


def test_overdue_steps_open_and_closed_by_party(history):
    rows = {row[1]: row for row in tables_of(user=bureau_user())["overdue"].rows}
    confirm = rows["业主未按期确认选取结果"]
    assert confirm == ("项目业主", "业主未按期确认选取结果", 1, 1, 2)  # E still open, A confirmed late
    assert sum(row[4] for row in rows.values()) == 2


def test_ratings_distribution_and_monthly_series(history):
    tables = tables_of(user=bureau_user())
    ratings = {row[0]: row[1] for row in tables["ratings"].rows}
    assert ratings == {"满意": 1, "基本满意": 1, "不满意": 0, "默认满意（逾期未评）": 0}
    assert tables["monthly"].rows == [("2026年3月", 5, 2, 1, Decimal("170000.00"))]
    regions = {row[0]: row[1:3] for row in tables["regions"].rows}
    assert regions == {"宜春市": (4, 2), "樟树市": (1, 0)}


def test_filters_by_owner_region_method_item_and_period(history):
    city = bureau_user()

    def published(**f):
        return summary(tables_of(user=city, filters=StatFilters(**f))["summary"])["发布项目数"]

    assert published(owner_id=history["owner1"].organisation_id) == 2
    assert published(region_id="360982") == 1
    assert published(method="draw", service_item_id=history["item"].pk) == 5
    assert published(method="auction") == 0
    assert published(date_from=datetime(2026, 3, 3).date()) == 1  # D, published 30 Mar
    assert published(date_to=datetime(2026, 3, 2).date()) == 4


def test_county_bureau_sees_only_its_county(history):
    county = bureau_user(region_code="360982")
    figures = summary(tables_of(user=county)["summary"])
    assert figures["发布项目数"] == 1 and figures["成交项目数"] == 0
    assert stats_base(user=owner_user()).count() == 0  # not bureau staff: nothing


def test_a_status_change_refreshes_the_facts_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = published_request()
    stat = RequestStat.objects.get(request=req)
    assert stat.status == S.PUBLISHED and stat.publish_count == 1 and stat.days_select is None


def test_a_draft_has_no_facts():
    from tests.factories import request_draft

    req = request_draft(owner=owner_user())
    assert request_stat_refresh(request_id=req.pk) is None
    assert not RequestStat.objects.exists()


def test_percentile_interpolates_like_postgresql():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([1, 3], 0.9) == pytest.approx(2.8)
    assert percentile([4, 1, 2, 3], 0.5) == pytest.approx(2.5)


def test_outside_firms_are_read_from_the_credit_code():
    assert firm_is_outside(outside_uscc(5))
    assert not firm_is_outside("91360900MA00000011")
    assert not firm_is_outside("")


def ratings_figure() -> dict:
    return {row[0]: row[1:] for row in tables_of(user=bureau_user())["ratings"].rows}


def test_a_firm_rating_and_a_voided_rating_reach_the_figures_after_commit(history, django_capture_on_commit_callbacks):
    from ratings.services import rating_dispute_answer, rating_dispute_file, rating_submit_firm
    from tests.supervision.stats_history import at, firm_of

    a = history["a"]
    with at(4, 1, 11), django_capture_on_commit_callbacks(execute=True):
        rating = rating_submit_firm(user=firm_of(a), request_id=a.pk, scores={"cooperation": 5, "payment": 2,
                                                                              "clarity": 4}, overall="unsatisfied")
    assert RequestStat.objects.get(request=a).rating_firm == "unsatisfied"
    assert ratings_figure()["不满意"] == (0, 1)
    with at(4, 2, 11), django_capture_on_commit_callbacks(execute=True):
        rating_dispute_file(user=history["owner1"], rating_id=rating.pk, reason="付款按合同约定节点办理，并无拖欠")
        rating_dispute_answer(user=bureau_user(), rating_id=rating.pk, keep=False, answer="核实付款按期，评价作废")
    assert RequestStat.objects.get(request=a).rating_firm == ""  # voided: no longer counts
    assert ratings_figure()["不满意"] == (0, 0)
    assert ratings_figure()["满意"] == (1, 0)  # the owner's own rating of the firm still counts


def test_the_nightly_repair_finds_a_rating_its_refresh_missed(history):
    from ratings.services import rating_submit_firm
    from supervision.services_stats import request_stats_rebuild
    from tests.supervision.stats_history import at, firm_of

    b = history["b"]
    with at(4, 2, 11):  # no on-commit callbacks run here: the refresh is "lost"
        rating_submit_firm(user=firm_of(b), request_id=b.pk, scores={"cooperation": 5, "payment": 5, "clarity": 5},
                           overall="satisfied")
    assert RequestStat.objects.get(request=b).rating_firm == ""
    with at(4, 3, 2):
        assert request_stats_rebuild(stale_only=True) == 1
    assert RequestStat.objects.get(request=b).rating_firm == "satisfied"
    assert ratings_figure()["满意"] == (1, 1)


def test_the_migration_fills_the_ratings_of_existing_facts(history):
    import importlib

    from django.apps import apps

    RequestStat.objects.update(rating_owner="", rating_owner_default=False, rating_firm="")
    importlib.import_module("supervision.migrations.0006_stat_ratings").fill(apps, None)
    assert ratings_figure() == {"满意": (1, 0), "基本满意": (1, 0), "不满意": (0, 0), "默认满意（逾期未评）": (0, 0)}
