"""Rating pages: the owner rates, the firm disputes, the bureau answers, through the views."""

import pytest

from ratings.models import Rating
from ratings.services import rating_submit_owner
from tests.factories import bureau_user, owner_user
from tests.lifecycle_fixtures import completed_request

pytestmark = pytest.mark.django_db

SCORES = {"quality": 2, "timeliness": 1, "attitude": 3, "fees": 2, "conduct": 2}


def test_owner_rates_firm_disputes_bureau_answers_through_the_page(client):
    req, owner, firm = completed_request()
    url = f"/ratings/{req.code}/"
    client.force_login(owner)
    assert "提交评价" in client.get(url).content.decode()
    bad = client.post(url, {"action": "owner_rate", **SCORES, "quality": 9, "overall": "basic"})
    assert bad.status_code == 400 and "1至5分" in bad.content.decode()
    assert client.post(url, {"action": "owner_rate", **SCORES, "overall": "unsatisfied",
                             "comment": "多次延误"}).status_code == 302
    rating = Rating.objects.get(request=req, side="owner")
    client.force_login(firm)
    html = client.get(url).content.decode()
    assert "多次延误" in html and "提出异议" in html
    assert client.post(url, {"action": "dispute", "rating": rating.pk, "reason": "延误系业主原因"}).status_code == 302
    client.force_login(bureau_user())
    assert "待处理的评价异议" in client.get("/ratings/").content.decode()
    assert client.post(url, {"action": "void", "rating": rating.pk, "answer": "经核实作废"}).status_code == 302
    html = client.get(url).content.decode()
    assert "已作废" in html and "经核实作废" in html and "多次延误" in html


def test_firm_rates_the_owner_and_others_cannot_see_the_page(client):
    req, owner, firm = completed_request()
    url = f"/ratings/{req.code}/"
    client.force_login(firm)
    assert client.post(url, {"action": "firm_rate", "cooperation": 5, "payment": 4, "clarity": 4,
                             "overall": "satisfied"}).status_code == 302
    assert Rating.objects.get(request=req, side="firm").rated == owner.organisation
    client.force_login(owner_user())
    assert client.get(url).status_code == 404


def test_default_rating_is_marked_on_the_page(client):
    from datetime import timedelta

    from django.utils import timezone

    req, owner, firm = completed_request(completed_at=timezone.now() - timedelta(days=30))
    client.force_login(owner)
    html = client.get(f"/ratings/{req.code}/").content.decode()  # the lazy check records it
    assert "默认评价（逾期未评价）" in html
    html = client.get(f"/registry/{firm.organisation_id}/").content.decode()
    assert "默认满意另计 1 条" in html


def test_a_non_numeric_rating_id_is_a_400_never_a_500(client):
    from tests.ratings.test_ratings import completed_request

    req, owner, firm = completed_request()
    client.force_login(firm)
    response = client.post(f"/ratings/{req.code}/", {"action": "dispute", "rating": "abc", "reason": "不同意"})
    assert response.status_code == 400


def test_a_rating_error_keeps_every_choice_and_shows_each_error_once_beside_its_field(client):
    from tests.lifecycle_fixtures import completed_request

    req, owner, _firm = completed_request()
    client.force_login(owner)
    response = client.post(f"/ratings/{req.code}/", {"action": "owner_rate", "quality": "5", "timeliness": "4",
                                                      "attitude": "3", "fees": "2", "overall": "satisfied",
                                                      "comment": "响应及时"})
    html = response.content.decode()
    assert response.status_code == 400
    for name, value in [("quality", "5"), ("timeliness", "4"), ("attitude", "3"), ("fees", "2")]:
        assert f'name="{name}" value="{value}" required checked' in html
    assert 'name="overall" value="satisfied" required checked' in html and "响应及时</textarea>" in html
    assert html.count("请为“服务规范”打1至5分。") == 1 and 'id="err-owner-conduct"' in html
    assert "共 1 处" in html and "评分不完整" not in html
    assert html.count('type="radio"') == 25 + 3  # five rows of five, and the overall verdict


def test_the_todo_lists_the_ratings_to_give_and_the_disputes_open_with_their_due_dates(client):
    from market.selectors import todo_for
    from ratings.selectors import rating_due
    from tests.lifecycle_fixtures import completed_request

    req, owner, firm = completed_request()
    owner_items = [i for i in todo_for(user=owner) if i.request.pk == req.pk]
    assert [(i.action, i.due) for i in owner_items] == [("评价中介机构的服务", rating_due(req))]
    assert owner_items[0].url == f"/ratings/{req.code}/"
    assert [i.action for i in todo_for(user=firm) if i.request.pk == req.pk] == ["评价项目业主"]
    rating_submit_owner(user=owner, request_id=req.pk, overall="basic", comment="尚可",
                        scores={"quality": 3, "timeliness": 3, "attitude": 3, "fees": 3, "conduct": 3})
    assert not [i for i in todo_for(user=owner) if i.request.pk == req.pk]
    firm_items = {i.action for i in todo_for(user=firm) if i.request.pk == req.pk}
    assert firm_items == {"评价项目业主", "可对“基本满意”评价提出异议"}
    client.force_login(firm)
    html = client.get("/todo/").content.decode()
    assert "评价项目业主" in html and f'href="/ratings/{req.code}/"' in html and "提出异议" in html
