"""County docking: a county key pushes its county's requests idempotently by external id,
publishes them, acts for their owners, and reads and changes only its county."""

import json

import pytest

from accounts.models import Organisation
from docking.models import ExternalRequest
from market.models import ServiceRequest
from tests.docking.support import (
    ApiClient,
    county_platform,
    error_of,
    key_for,
    push_body,
)
from tests.factories import make_uscc, owner_user, published_request

pytestmark = pytest.mark.django_db
PUSH = "/api/v1/requests/by-external-id/{}/"


@pytest.fixture
def county():
    return ApiClient(key_for(county_platform("360982"), "read,requests:write,webhooks", county="360982"))


def test_push_creates_a_draft_of_a_new_county_owner_then_is_idempotent(county):
    uscc = make_uscc()
    body = push_body(owner_uscc=uscc)
    first = county.put(PUSH.format("ZS-2026-001"), body)
    assert first.status_code == 201, first.content
    data = json.loads(first.content)
    assert data["status"] == "draft" and data["region"] == "360982" and data["external_id"] == "ZS-2026-001"
    owner = Organisation.objects.get(uscc=uscc)
    assert owner.is_owner and owner.region_id == "360982" and owner.name == "樟树市交通运输局"
    again = county.put(PUSH.format("ZS-2026-001"), body)
    assert again.status_code == 200 and json.loads(again.content)["code"] == data["code"]
    assert ServiceRequest.objects.count() == 1 and ExternalRequest.objects.count() == 1
    # an update of the draft, then publishing it
    changed = county.put(PUSH.format("ZS-2026-001") + "?publish=true", {**body, "title": "樟树市某道路改造工程环评（修订）"})
    assert changed.status_code == 200, changed.content
    data = json.loads(changed.content)
    assert data["status"] == "published" and data["title"].endswith("（修订）") and data["commitment"]
    req = ServiceRequest.objects.get()
    assert req.created_by.api_actor.key.county_id == "360982"  # the audit names the key's actor
    # the same push after publication changes nothing; a different one is refused
    same = county.put(PUSH.format("ZS-2026-001") + "?publish=true", {**body, "title": "樟树市某道路改造工程环评（修订）"})
    assert same.status_code == 200 and ServiceRequest.objects.get().publish_count == 1
    other = county.put(PUSH.format("ZS-2026-001"), {**body, "ceiling": "90000.00"})
    assert other.status_code == 409 and error_of(other)["code"] == "already_published"


def test_push_is_checked_by_the_owner_form_and_the_publish_rules(county):
    response = county.put(PUSH.format("X1"), push_body(owner_uscc=make_uscc(), ceiling="-5", service_item="NOPE"))
    error = error_of(response)
    assert response.status_code == 400 and {"ceiling", "service_item"} <= set(error["fields"])
    response = county.put(PUSH.format("X2") + "?publish=true",
                          push_body(owner_uscc=make_uscc(), signup_deadline="2020-01-06T17:00:00+08:00",
                                    selection_at="2020-01-07T09:30:00+08:00"))
    assert response.status_code == 400 and "signup_deadline" in error_of(response)["fields"]
    assert not ServiceRequest.objects.exists()  # a refused publication writes nothing
    bad = county.put(PUSH.format("X3"), push_body(owner_uscc="123"))
    assert bad.status_code == 400 and "owner.uscc" in error_of(bad)["fields"]


def test_county_acts_only_for_its_own_owners_and_region(county):
    elsewhere = owner_user(region_code="360921")
    elsewhere.organisation.uscc = make_uscc()
    elsewhere.organisation.save()
    response = county.put(PUSH.format("X4"), push_body(owner_uscc=elsewhere.organisation.uscc))
    assert response.status_code == 403 and error_of(response)["code"] == "not_county_owner"
    response = county.put(PUSH.format("X5"), push_body(owner_uscc=make_uscc(), region="360921"))
    assert response.status_code == 400 and "region" in error_of(response)["fields"]


def test_county_reads_and_changes_only_its_county(county):
    own = county.put(PUSH.format("A1"), push_body(owner_uscc=make_uscc()))
    own_code = json.loads(own.content)["code"]
    local = published_request(owner=owner_user(region_code="360982"))  # published on the web by a county owner
    foreign = published_request(owner=owner_user(region_code="360921"))
    foreign_draft_owner = owner_user(region_code="360921")
    from tests.factories import request_draft

    foreign_draft = request_draft(owner=foreign_draft_owner)
    mine = json.loads(county.get("/api/v1/requests/").content)["results"]
    assert {r["code"] for r in mine} == {own_code, local.code}
    assert all(r["private"] is not None for r in mine)
    # another county's published request: public fields only; its draft: not found
    detail = json.loads(county.get(f"/api/v1/requests/{foreign.code}/").content)
    assert detail["private"] is None
    assert county.get(f"/api/v1/requests/{foreign_draft.code}/").status_code == 404
    # changing another county's request is refused, its own county's is done through the service
    response = county.post(f"/api/v1/requests/{foreign.code}/cancel/", {"reason": "县级平台误操作"})
    assert response.status_code == 403 and error_of(response)["code"] == "outside_county"
    response = county.post(f"/api/v1/requests/{local.code}/cancel/", {"reason": "项目调整"})
    assert response.status_code == 200 and json.loads(response.content)["status"] == "cancelled"
    local.refresh_from_db()
    assert local.closing_reason == "项目调整"


def test_an_owner_key_cannot_push_and_a_county_key_cannot_create_directly(county, owner):
    owner_client = ApiClient(key_for(owner.organisation, "read,requests:write"))
    response = owner_client.put(PUSH.format("X6"), push_body(owner_uscc=owner.organisation.uscc))
    assert response.status_code == 403 and error_of(response)["code"] == "not_county_key"
    response = county.post("/api/v1/requests/", push_body(owner_uscc=make_uscc()))
    assert response.status_code == 403 and error_of(response)["code"] == "use_county_push"


def test_external_ids_are_per_county():
    a = ApiClient(key_for(county_platform("360982"), "requests:write", county="360982"))
    b = ApiClient(key_for(county_platform("360921"), "requests:write", county="360921"))
    assert a.put(PUSH.format("SAME"), push_body(owner_uscc=make_uscc())).status_code == 201
    assert b.put(PUSH.format("SAME"), push_body(owner_uscc=make_uscc())).status_code == 201
    assert ServiceRequest.objects.count() == 2
