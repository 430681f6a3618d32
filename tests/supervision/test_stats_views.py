"""The supervision page (bureau, in its jurisdiction), the public statistics page, and their
filters: bad values answer 400 with the reason, never 500."""

import re

import pytest

from market.models import ServiceRequest
from tests.factories import bureau_user, owner_user
from tests.supervision.stats_history import history  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
PAGE = "/bureau/supervision/"


def test_bureau_dashboard_lands_on_the_figures_with_their_definitions(client, history):
    client.force_login(bureau_user())
    assert client.get("/dashboard/")["Location"] == PAGE
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "全市范围" in html
    assert "成交项目数 ÷ 发布项目数" in html and "流标次数 ÷ 发布轮次" in html
    assert "40.00%" in html and "15.00%" in html and "30,000.00" in html and "170,000.00" in html
    assert "业主未按期确认选取结果" in html and "服务评价分布" in html
    assert 'id="stats-charts"' in html and "vendor/echarts/echarts.min.js" in html
    assert "js/supervision_charts.js" in html
    # No inline script: every <script> has a src, but the JSON data block.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/bureau/supervision/export/requests.xlsx" in html


def test_only_bureau_staff_see_the_supervision_page(client, history):
    assert client.get(PAGE).status_code == 302
    client.force_login(owner_user())
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "export/summary.csv").status_code == 403


def test_county_bureau_sees_its_county_and_cannot_ask_for_another(client, history):
    client.force_login(bureau_user(region_code="360982"))
    html = client.get(PAGE).content.decode()
    assert "樟树市范围" in html
    regions = re.search(r'id="t-regions".*?</section>', html, flags=re.S).group(0)
    assert "樟树市" in regions and "宜春市" not in regions
    assert client.get(PAGE, {"region": "360982"}).status_code == 200
    response = client.get(PAGE, {"region": "360900"})
    assert response.status_code == 400 and "筛选条件有误" in response.content.decode()


@pytest.mark.parametrize("params", [
    {"region": "999999"}, {"owner": "99999999"}, {"owner": "abc"}, {"service_item": "NOPE"},
    {"method": "bogus"}, {"date_from": "2026-13-01"}, {"date_from": "1900-01-01"},
    {"date_from": "2026-03-10", "date_to": "2026-03-01"},
])
def test_bad_filters_answer_400_with_the_reason(client, history, params):
    client.force_login(bureau_user())
    response = client.get(PAGE, params)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert client.get(PAGE + "export/summary.xlsx", params).status_code == 400
    assert client.get("/statistics/", {k: v for k, v in params.items() if k != "owner"} or {"region": "x"}).status_code == 400


def test_filters_keep_their_values_and_narrow_the_figures(client, history):
    client.force_login(bureau_user())
    owner = history["owner1"].organisation
    html = client.get(PAGE, {"owner": owner.pk, "date_from": "2026-03-01"}).content.decode()
    assert f'<option value="{owner.pk}" selected>' in html and 'value="2026-03-01"' in html
    assert '<span class="stats-card-value">2 <span class="small">个</span>' in html  # 发布项目数


def test_public_statistics_page_shows_city_figures_and_nothing_private(client, history):
    response = client.get("/statistics/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "统计数据" in html and "成交率" in html and "40.00%" in html and "樟树市" in html
    assert "逾期环节" not in html and "项目明细" not in html and 'name="owner"' not in html
    for org in ("owner1", "owner2", "county_owner"):
        assert history[org].organisation.name not in html
    for req in ServiceRequest.objects.all():
        assert req.code not in html and (req.selected_firm is None or req.selected_firm.name not in html)
    assert 'href="/statistics/"' in client.get("/").content.decode()  # in the public navigation


def test_public_page_needs_no_login_and_is_cached(client, history, django_assert_max_num_queries):
    client.get("/statistics/")
    with django_assert_max_num_queries(3):
        assert client.get("/statistics/").status_code == 200
