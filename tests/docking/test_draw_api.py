"""The public draw API: newest first, paginated, each result the record itself, documented."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bidding import draw as recipe
from bidding.services_draw import draw_run
from market.models import ServiceRequest
from market.services_requests import requests_sweep_due, signup_create
from tests.factories import firm_user, owner_user, published_request, service_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn():
    """Three drawn requests, drawn one hour apart (oldest first)."""
    item = service_item()
    owner = owner_user()
    firms = [firm_user(item=item) for _ in range(3)]
    requests = [published_request(owner=owner, item=item) for _ in range(3)]
    for req in requests:
        for firm in firms:
            signup_create(request_id=req.pk, user=firm)
    base = timezone.now() - timedelta(days=1)
    ServiceRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        signup_deadline=base - timedelta(hours=1), selection_at=base)
    requests_sweep_due(now=base - timedelta(minutes=30))
    return [draw_run(request_id=req.pk, now=base + timedelta(hours=i)) for i, req in enumerate(requests)]


def test_list_is_newest_first_and_each_result_is_the_record_plus_url(client, drawn):
    body = client.get("/api/v1/draws/").json()
    assert body["count"] == 3
    codes = [r["request_code"] for r in body["results"]]
    assert codes == [d.record["request_code"] for d in reversed(drawn)]
    first = body["results"][0]
    url = first.pop("url")
    assert url == f"http://testserver/api/v1/draws/{first['request_code']}/"
    assert first == drawn[-1].record
    assert recipe.record_winner(first) == drawn[-1].winner.uscc


def test_list_is_paginated(client, drawn):
    page1 = client.get("/api/v1/draws/?page_size=2").json()
    assert len(page1["results"]) == 2 and page1["next"] and page1["previous"] is None
    page2 = client.get(page1["next"]).json()
    assert len(page2["results"]) == 1 and page2["next"] is None
    seen = [r["request_code"] for r in page1["results"] + page2["results"]]
    assert len(set(seen)) == 3
    assert client.get("/api/v1/draws/?page=9").status_code == 404


def test_detail_by_request_code(client, drawn):
    code = drawn[0].record["request_code"]
    body = client.get(f"/api/v1/draws/{code}/").json()
    body.pop("url")
    assert body == drawn[0].record
    assert client.get("/api/v1/draws/YC20990101-ZZZZZ/").status_code == 404


def test_the_api_is_read_only_and_public(client, drawn):
    assert client.post("/api/v1/draws/", {}).status_code in (403, 405)
    code = drawn[0].record["request_code"]
    assert client.delete(f"/api/v1/draws/{code}/").status_code in (403, 405)


def test_schema_documents_the_draw_endpoints(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/draws/" in text and "/api/v1/draws/{request_code}/" in text
    assert "DrawRecord" in text and "pool_hash" in text
