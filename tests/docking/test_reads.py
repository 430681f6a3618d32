"""Public reads: catalogue, regions, registry with credit and track record, announcements
with the page's filters, results since a time, credit list, statistics; the Atom feed;
errors in the fixed shape everywhere under /api/."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from market.models import ServiceRequest
from tests.docking.support import ApiClient, error_of
from tests.factories import firm_user, owner_user, published_request, service_item
from tests.market.test_after_selection import drawn

pytestmark = pytest.mark.django_db


def get(path, **params):
    response = ApiClient().get(path, **params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_catalogue_and_regions():
    items = get("/api/v1/catalogue/", page_size=200)["results"]
    assert len(items) >= 30 and items == sorted(items, key=lambda i: i["code"])
    assert {"code", "name", "qualification", "legal_basis", "fee_basis"} <= set(items[0])
    regions = get("/api/v1/regions/")
    assert {r["code"] for r in regions} >= {"360900", "360982", "360921"}


def test_registry_shows_qualifications_credit_and_track_record():
    from credit.services import credit_event_raise

    firm = firm_user()
    restricted = firm_user()
    # A suspended firm stays in the registry, marked restricted; a removed (清退) one leaves it
    # for its ban (issue 12).
    credit_event_raise(organisation_id=restricted.organisation.pk, kind="overcharging", description="违规收费",
                       cause_key="reads", region_id="360900", at=timezone.now() - timedelta(hours=1))
    removed = firm_user()
    credit_event_raise(organisation_id=removed.organisation.pk, kind="collusion", description="串通",
                       cause_key="reads-removed", region_id="360900", at=timezone.now() - timedelta(hours=1))
    rows = {r["uscc"]: r for r in get("/api/v1/registry/", page_size=200)["results"]}
    assert rows[firm.organisation.uscc]["credit"]["restricted"] is False
    assert rows[restricted.organisation.uscc]["credit"]["restricted"] is True
    assert removed.organisation.uscc not in rows
    assert rows[firm.organisation.uscc]["qualifications"][0]["valid_until"]
    assert rows[firm.organisation.uscc]["track_record"] == {"completed": 0, "in_progress": 0, "ratings": 0}
    one = get(f"/api/v1/registry/{firm.organisation.uscc}/")
    assert one["name"] == firm.organisation.name
    assert ApiClient().get("/api/v1/registry/NOPE/").status_code == 404
    credit = get("/api/v1/credit/")["results"]
    assert {c["organisation"]["uscc"] for c in credit} == {restricted.organisation.uscc, removed.organisation.uscc}


def test_announcements_filter_like_the_page_and_never_show_drafts():
    from tests.factories import request_draft

    a = published_request(owner=owner_user(region_code="360982"))
    b = published_request(owner=owner_user(region_code="360921"), method="auction")
    draft = request_draft(owner=owner_user())
    codes = [r["code"] for r in get("/api/v1/announcements/")["results"]]
    assert set(codes) == {a.code, b.code} and draft.code not in codes
    assert [r["code"] for r in get("/api/v1/announcements/", region="360982")["results"]] == [a.code]
    assert [r["code"] for r in get("/api/v1/announcements/", method="auction")["results"]] == [b.code]
    assert get("/api/v1/announcements/", status="draft")["results"] == []
    assert [r["code"] for r in get("/api/v1/announcements/", q=a.code)["results"]] == [a.code]
    row = get("/api/v1/announcements/", region="360982")["results"][0]
    assert row["commitment"] == a.draw_commitment and row["ceiling"] == "100000.00" and row["signups"] == 0
    assert ApiClient().get(f"/api/v1/requests/{draft.code}/").status_code == 404


def test_results_since_a_time_oldest_change_first():
    older = drawn(owner_user())
    ServiceRequest.objects.filter(pk=older.pk).update(status_changed_at=timezone.now() - timedelta(days=3))
    newer = drawn(owner_user())
    published_request(owner=owner_user())  # no result yet
    rows = get("/api/v1/results/")["results"]
    assert [r["code"] for r in rows] == [older.code, newer.code]
    assert rows[1]["selected_firm"]["uscc"] == newer.selected_firm.uscc and rows[1]["price"] == "100000.00"
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [r["code"] for r in get("/api/v1/results/", since=since)["results"]] == [newer.code]


def test_statistics_count_city_wide_and_per_region():
    published_request(owner=owner_user(region_code="360982"))
    drawn(owner_user())
    stats = get("/api/v1/statistics/")
    assert stats["requests_published"] == 2 and stats["requests_by_status"]["published"] == 1
    assert stats["requests_by_status"]["awaiting_confirmation"] == 1 and stats["registry_firms"] >= 4
    assert get("/api/v1/statistics/", region="360982")["requests_published"] == 1
    response = ApiClient().get("/api/v1/statistics/", region="999999")
    assert response.status_code == 400 and "region" in error_of(response)["fields"]


def test_errors_keep_the_fixed_shape_for_unknown_addresses_methods_and_bad_json(owner):
    response = ApiClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = ApiClient().delete("/api/v1/catalogue/")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
    from tests.docking.support import key_for

    client = ApiClient(key_for(owner.organisation, "read,requests:write"))
    response = client.client.post("/api/v1/requests/", "{not json", content_type="application/json",
                                  HTTP_AUTHORIZATION=f"Bearer {client.key}")
    assert response.status_code == 400 and error_of(response)["code"] == "parse_error"
    response = client.post("/api/v1/requests/", [1, 2])
    assert response.status_code == 400 and error_of(response)["code"] == "validation_failed"
    response = ApiClient().get("/api/v1/results/", since="not-a-time")
    assert response.status_code == 400 and "since" in error_of(response)["fields"]


def test_anonymous_rate_limit(settings):
    settings.API_ANON_RATE_PER_MINUTE = 2
    client = ApiClient()
    assert [client.get("/api/v1/regions/").status_code for _ in range(3)] == [200, 200, 429]


def test_atom_feed_filters_by_region_and_service_item(client):
    item = service_item()
    a = published_request(owner=owner_user(region_code="360982"), item=item)
    b = published_request(owner=owner_user(region_code="360921"))
    ns = {"a": "http://www.w3.org/2005/Atom"}

    def entries(**params):
        response = client.get("/feeds/announcements/", params)
        assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
        root = ElementTree.fromstring(response.content)
        return [e.find("a:link", ns).get("href") for e in root.findall("a:entry", ns)]

    assert {h.rsplit("/", 2)[-2] for h in entries()} == {a.code, b.code}
    assert [h.rsplit("/", 2)[-2] for h in entries(region="360982")] == [a.code]
    assert [h.rsplit("/", 2)[-2] for h in entries(region="360982", service_item=item.code)] == [a.code]
    assert entries(service_item="NOPE") == []


def test_reference_page_uses_assets_shipped_with_the_project(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"by-external-id" in schema.content and b"bearerKey" in schema.content
