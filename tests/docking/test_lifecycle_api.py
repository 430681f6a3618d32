"""Owners and firms do through the API what they do on the pages, through the same
services: draft, publish, sign up (with the same eligibility and credit checks), confirm,
decline, contract, deliver, accept, rate, object, appeal; each key changes only what its
organisation may."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from credit.models import CreditEvent
from market.models import ServiceRequest
from market.services_requests import requests_sweep_due
from tests.docking.support import (
    ALL_FIRM,
    ALL_OWNER,
    ApiClient,
    error_of,
    key_for,
    push_body,
)
from tests.factories import firm_user, owner_user, service_item

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status


def pdf(name="doc.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 api test", content_type="application/pdf")


def draft_body(**overrides):
    body = push_body(owner_uscc="")
    body.pop("owner")
    body.update(overrides)
    return body


def as_json(response, status=200):
    assert response.status_code == status, response.content
    return json.loads(response.content)


def test_owner_and_firms_run_a_request_from_draft_to_rating_through_the_api(owner):
    item = service_item()
    owner_api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    created = as_json(owner_api.post("/api/v1/requests/", draft_body(region="360900")), 201)
    code = created["code"]
    assert created["status"] == "draft" and created["private"]["registrants"] == []
    as_json(owner_api.put(f"/api/v1/requests/{code}/", draft_body(region="360900", title="改过的名称")))
    published = as_json(owner_api.post(f"/api/v1/requests/{code}/publish/"))
    assert published["status"] == "published" and published["title"] == "改过的名称"

    firms = [firm_user(item=item) for _ in range(4)]
    apis = {f.organisation.uscc: ApiClient(key_for(f.organisation, ALL_FIRM)) for f in firms}
    for api in apis.values():
        as_json(api.post(f"/api/v1/requests/{code}/signup/"), 201)
    again = next(iter(apis.values())).post(f"/api/v1/requests/{code}/signup/")
    assert again.status_code == 409 and error_of(again)["code"] == "invalid_state"
    assert len(as_json(owner_api.get(f"/api/v1/requests/{code}/"))["private"]["registrants"]) == 4

    ServiceRequest.objects.filter(code=code).update(signup_deadline=timezone.now() - timedelta(hours=2),
                                                    selection_at=timezone.now() - timedelta(hours=1))
    requests_sweep_due()
    selected = as_json(ApiClient().get(f"/api/v1/requests/{code}/"))
    assert selected["status"] == "awaiting_confirmation" and selected["links"]["draw"]
    winner = selected["selected_firm"]["uscc"]
    # the winner declines: sanctioned, the next in line takes its place
    as_json(apis[winner].post(f"/api/v1/requests/{code}/decline/", {"reason": "人员不足"}))
    assert CreditEvent.objects.filter(organisation__uscc=winner, kind_code="declined").exists()
    now_selected = as_json(owner_api.get(f"/api/v1/requests/{code}/"))["selected_firm"]["uscc"]
    assert now_selected != winner
    as_json(owner_api.post(f"/api/v1/requests/{code}/confirm/"))
    ServiceRequest.objects.filter(code=code).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()

    firm_api = apis[now_selected]
    too_much = owner_api.post(f"/api/v1/requests/{code}/contract/", {"document": pdf(), "amount": "200000.00"},
                              multipart=True)
    assert too_much.status_code == 400 and "amount" in error_of(too_much)["fields"]
    as_json(owner_api.post(f"/api/v1/requests/{code}/contract/", {"document": pdf(), "amount": "90000.00"},
                           multipart=True))
    running = as_json(firm_api.post(f"/api/v1/requests/{code}/contract/", {"document": pdf(), "amount": "90000.00"},
                                    multipart=True))
    assert running["status"] == "in_service" and running["contract_amount"] == "90000.00"
    as_json(firm_api.post(f"/api/v1/requests/{code}/result/", {"document": pdf("result.pdf")}, multipart=True))
    as_json(owner_api.post(f"/api/v1/requests/{code}/accept/"))
    rating = as_json(owner_api.post(f"/api/v1/requests/{code}/rating/", {
        "overall": "satisfied", "scores": {"quality": 5, "timeliness": 4, "attitude": 5, "fees": 5, "conduct": 5},
        "comment": "按时交付"}), 201)
    assert rating["side"] == "owner"
    firm_rating = as_json(firm_api.post(f"/api/v1/requests/{code}/rating/", {
        "overall": "satisfied", "scores": {"cooperation": 5, "payment": 5, "clarity": 4}}), 201)
    assert firm_rating["side"] == "firm"
    dispute = as_json(owner_api.post(f"/api/v1/ratings/{firm_rating['id']}/dispute/", {"reason": "付款按合同执行"}), 201)
    assert dispute["rating_id"] == firm_rating["id"]
    assert as_json(ApiClient().get(f"/api/v1/requests/{code}/"))["status"] == "rated"


def test_sign_up_goes_through_the_eligibility_and_credit_door(owner):
    from credit.services import credit_event_raise

    item = service_item()
    owner_api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    code = as_json(owner_api.post("/api/v1/requests/?publish=true", draft_body(region="360900")), 201)["code"]
    restricted = firm_user(item=item)
    credit_event_raise(organisation_id=restricted.organisation.pk, kind="collusion", description="串通投标",
                       cause_key="api-test", region_id="360900", at=timezone.now())
    response = ApiClient(key_for(restricted.organisation, ALL_FIRM)).post(f"/api/v1/requests/{code}/signup/")
    assert response.status_code == 403 and error_of(response)["code"] == "restricted"
    unqualified = firm_user(item=service_item(code=_other_item_code(item)))
    response = ApiClient(key_for(unqualified.organisation, ALL_FIRM)).post(f"/api/v1/requests/{code}/signup/")
    assert response.status_code == 403 and error_of(response)["code"] in ("qualification_missing",
                                                                         "qualification_expired")


def _other_item_code(item):
    from market.models import ServiceItem

    return ServiceItem.objects.filter(qualification_type__isnull=False).exclude(
        qualification_type=item.qualification_type).order_by("code").first().code


def test_each_key_changes_only_its_own_organisations_requests(owner):
    mine = ApiClient(key_for(owner.organisation, ALL_OWNER))
    code = as_json(mine.post("/api/v1/requests/", draft_body(region="360900")), 201)["code"]
    stranger = ApiClient(key_for(owner_user().organisation, ALL_OWNER))
    assert stranger.get(f"/api/v1/requests/{code}/").status_code == 404  # a draft of someone else
    assert stranger.post(f"/api/v1/requests/{code}/publish/").status_code == 404
    assert code not in json.dumps(as_json(stranger.get("/api/v1/requests/")))
    as_json(mine.post(f"/api/v1/requests/{code}/publish/"))
    response = stranger.post(f"/api/v1/requests/{code}/cancel/", {"reason": "不是我的"})
    assert response.status_code == 403 and error_of(response)["code"] == "not_allowed"
    assert as_json(stranger.get(f"/api/v1/requests/{code}/"))["private"] is None
    # a read-only key of the owner itself cannot write; a firm key cannot act as an owner
    reader = ApiClient(key_for(owner.organisation, "read"))
    assert error_of(reader.post(f"/api/v1/requests/{code}/cancel/", {"reason": "x"}))["code"] == "scope_missing"
    firm_api = ApiClient(key_for(firm_user().organisation, ALL_FIRM))
    assert error_of(firm_api.post(f"/api/v1/requests/{code}/cancel/", {"reason": "x"}))["code"] == "scope_missing"
    assert error_of(mine.post(f"/api/v1/requests/{code}/signup/"))["code"] == "scope_missing"
    anonymous = ApiClient().post(f"/api/v1/requests/{code}/cancel/", {"reason": "x"})
    assert anonymous.status_code == 401
    assert ServiceRequest.objects.get(code=code).status == S.PUBLISHED


def test_a_firm_sees_its_sign_ups_and_appeals_its_own_credit_events_only(owner):
    from credit.services import credit_event_raise

    item = service_item()
    owner_api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    code = as_json(owner_api.post("/api/v1/requests/?publish=true", draft_body(region="360900")), 201)["code"]
    firm, other = firm_user(item=item), firm_user(item=item)
    firm_api = ApiClient(key_for(firm.organisation, ALL_FIRM))
    as_json(firm_api.post(f"/api/v1/requests/{code}/signup/"), 201)
    assert [r["code"] for r in as_json(firm_api.get("/api/v1/requests/"))["results"]] == [code]
    assert as_json(ApiClient(key_for(other.organisation, ALL_FIRM)).get("/api/v1/requests/"))["results"] == []
    event, _ = credit_event_raise(organisation_id=firm.organisation.pk, kind="overcharging", description="收费乱",
                                  cause_key="api-appeal", region_id="360900", at=timezone.now())
    foreign = ApiClient(key_for(other.organisation, ALL_FIRM)).post(f"/api/v1/credit/events/{event.pk}/appeal/",
                                                                    {"reason": "不是我"})
    assert foreign.status_code == 403
    appeal = as_json(firm_api.post(f"/api/v1/credit/events/{event.pk}/appeal/", {"reason": "已整改"}), 201)
    assert appeal["decision"] == "pending"


def test_auction_bids_through_the_api_use_the_auction_service(owner):
    from bidding.models import Auction

    item = service_item()
    owner_api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    code = as_json(owner_api.post("/api/v1/requests/?publish=true", draft_body(region="360900", method="auction")),
                   201)["code"]
    firms = [firm_user(item=item) for _ in range(3)]
    apis = [ApiClient(key_for(f.organisation, ALL_FIRM)) for f in firms]
    for api in apis:
        as_json(api.post(f"/api/v1/requests/{code}/signup/"), 201)
    early = apis[0].post(f"/api/v1/requests/{code}/bids/", {"amount": "90000.00", "client_id": str(uuid.uuid4())})
    assert early.status_code == 409 and error_of(early)["code"] in ("not_live", "not_auction")
    ServiceRequest.objects.filter(code=code).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    Auction.objects.filter(request__code=code).update(starts_at=timezone.now() - timedelta(seconds=1))
    cid = str(uuid.uuid4())
    accepted = as_json(apis[0].post(f"/api/v1/requests/{code}/bids/", {"amount": "90000.00", "client_id": cid}), 201)
    repeat = as_json(apis[0].post(f"/api/v1/requests/{code}/bids/", {"amount": "1.00", "client_id": cid}), 201)
    assert accepted["seq"] == repeat["seq"] == 1
    high = apis[1].post(f"/api/v1/requests/{code}/bids/", {"amount": "100000.01", "client_id": str(uuid.uuid4())})
    assert high.status_code == 400 and error_of(high)["code"] == "above_ceiling"
    as_json(apis[1].post(f"/api/v1/requests/{code}/bids/", {"amount": "85000.00", "client_id": str(uuid.uuid4())}), 201)
    assert ApiClient().get(f"/api/v1/requests/{code}/auction/ladder/").status_code == 404  # not before close
    as_json(apis[2].post(f"/api/v1/requests/{code}/bids/", {"amount": "80000.00", "client_id": str(uuid.uuid4())}), 201)
    Auction.objects.filter(request__code=code).update(ends_at=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    ladder = as_json(ApiClient().get(f"/api/v1/requests/{code}/auction/ladder/"))
    assert [b["amount"] for b in ladder["bids"]] == ["90000.00", "85000.00", "80000.00"]
    assert ladder["ranking"][0]["uscc"] == firms[2].organisation.uscc and ladder["status"] == "closed"
    from tests.docking.test_ocds import assert_valid_package

    package = as_json(ApiClient().get(f"/api/v1/requests/{code}/ocds/"))
    assert_valid_package(package)
    assert [d["value"]["amount"] for d in package["releases"][0]["bids"]["details"]] == [90000.0, 85000.0, 80000.0]
