"""The comparison pages as thin adapters: each refusal is its Chinese message with a 4xx
status, never a 500; success goes on to the next page."""

import hashlib

import pytest

from bidding.models import ComparisonCriteria, ComparisonQuote, ComparisonScore
from market.services_requests import request_publish
from tests.bidding.comparison_support import (
    comparison_draft,
    open_now,
    pdf,
    quoted_request,
)
from tests.factories import owner_user, request_draft

pytestmark = pytest.mark.django_db


def test_owner_sets_criteria_on_its_draft_page(owner, client):
    req = request_draft(owner=owner, method="comparison")
    url = f"/requests/{req.code}/comparison/criteria/"
    client.force_login(owner_user())
    assert client.get(url).status_code == 404  # another owner
    client.force_login(owner)
    assert "设置询比评审标准" in client.get(url).content.decode()
    bad = client.post(url, {"price_weight": "60", "formula": "lowest_price", "rows": "4",
                            "item-1-name": "服务方案", "item-1-weight": "30", "item-1-kind": "judged"})
    assert bad.status_code == 400
    assert "价格分权重与各评审因素权重之和应为100，当前为90。" in bad.content.decode()
    good = client.post(url, {"price_weight": "60", "formula": "lowest_price", "rows": "4", "panel": [owner.pk],
                             "item-1-name": "服务方案", "item-1-weight": "30", "item-1-kind": "judged",
                             "item-2-name": "信用", "item-2-weight": "10", "item-2-kind": "credit"})
    assert good.status_code == 302 and good["Location"] == f"/requests/{req.code}/"
    criteria = ComparisonCriteria.objects.get(request=req)
    assert [(i.name, i.weight, i.kind) for i in criteria.items.all()] == [("服务方案", 30, "judged"),
                                                                          ("信用", 10, "credit")]
    assert [m.user_id for m in criteria.panel.all()] == [owner.pk]
    assert client.get(f"/requests/{req.code}/comparison/").status_code == 404  # a draft has no public record
    request_publish(request_id=req.pk, user=owner)
    assert client.get(url).status_code == 302  # frozen: to the record


def test_firm_submits_on_its_page_and_sees_what_was_hashed(owner, client):
    req, firms = quoted_request(owner, [None, None, None])
    url = f"/requests/{req.code}/comparison/quote/"
    client.force_login(firms[0])
    refused = client.post(url, {"amount": "120000", "document": pdf()})
    assert refused.status_code == 400 and "报价不得高于最高限价 100,000.00 元。" in refused.content.decode()
    answer = client.post(url, {"amount": "88000.5", "document": pdf(b"plan")})
    html = answer.content.decode()
    quote = ComparisonQuote.objects.get(request=req, organisation=firms[0].organisation)
    assert answer.status_code == 200 and quote.quote_sha256 in html and quote.document_sha256 in html
    assert "amount=88000.50" in html and "88,000.50 元" in html
    text = html.split('<pre class="mono" id="receipt-text">')[1].split("</pre>")[0]
    assert hashlib.sha256(text.encode()).hexdigest() == quote.quote_sha256
    # Afterwards the firm sees its digests, never its amount again before the opening.
    page = client.get(f"/requests/{req.code}/").content.decode()
    assert quote.quote_sha256 in page and "88,000.50" not in page and "88000.50" not in page


def test_a_sheet_with_a_missing_reason_comes_back_with_the_message(owner, client):
    req, _firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    client.force_login(owner)
    url = f"/requests/{req.code}/comparison/score/"
    page = client.get(url).content.decode()
    assert page.count('name="points-') == 6
    answer = client.post(url, {})
    assert answer.status_code == 400 and "请填写评分理由。" in answer.content.decode()
    assert not ComparisonScore.objects.exists()


def test_unknown_codes_and_other_methods_are_404(client, owner):
    draw = request_draft(owner=owner)
    request_publish(request_id=draw.pk, user=owner)
    assert client.get(f"/requests/{draw.code}/comparison/").status_code == 404
    assert client.get("/requests/NOPE/comparison/").status_code == 404
    req = comparison_draft(owner)
    request_publish(request_id=req.pk, user=owner)
    assert client.get(f"/requests/{req.code}/comparison/documents/999999/").status_code == 404
