"""GET /api/v1/requests/<code>/ocds/: an OCDS 1.1 release package per request."""

import json

import pytest
from django.utils import timezone

from market.models import ServiceRequest
from tests.factories import owner_user, published_request, request_draft
from tests.market.test_after_selection import drawn, in_service

pytestmark = pytest.mark.django_db


def package(client, code: str) -> dict:
    response = client.get(f"/api/v1/requests/{code}/ocds/")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_a_draft_is_not_published(client, owner):
    draft = request_draft(owner=owner)
    assert client.get(f"/api/v1/requests/{draft.code}/ocds/").status_code == 404
    assert client.get("/api/v1/requests/NO-SUCH/ocds/").status_code == 404


def test_open_request_is_an_active_tender_without_secrets(client, owner, firm):
    from market.services_requests import signup_create

    req = published_request(owner=owner)
    signup_create(request_id=req.pk, user=firm)
    data = package(client, req.code)
    assert data["version"] == "1.1" and data["uri"].endswith(f"/api/v1/requests/{req.code}/ocds/")
    assert data["publisher"]["name"]
    (release,) = data["releases"]
    assert release["ocid"].endswith(req.code) and release["ocid"].startswith("ocds-")
    assert release["tag"] == ["tender"] and release["initiationType"] == "tender"
    tender = release["tender"]
    assert tender["status"] == "active" and tender["value"] == {"amount": 100000.0, "currency": "CNY"}
    assert tender["numberOfTenderers"] == 1 and tender["mainProcurementCategory"] == "services"
    assert tender["tenderPeriod"]["endDate"][:10] == str(timezone.localtime(req.signup_deadline).date())
    assert [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
    body = json.dumps(data, ensure_ascii=False)
    assert req.draw_nonce not in body and firm.organisation.name not in body  # registrants stay unnamed


def test_selection_adds_the_award_and_signing_the_contract(client, owner):
    req = drawn(owner)
    data = package(client, req.code)
    release = data["releases"][0]
    assert release["tag"] == ["tender", "award"] and release["tender"]["status"] == "complete"
    (award,) = release["awards"]
    assert award["status"] == "pending"
    assert award["suppliers"][0]["id"] == f"CN-SAMR-{req.selected_firm.uscc}"
    assert {"supplier"} == set(release["parties"][1]["roles"])

    running = in_service(owner_user())
    release = package(client, running.code)["releases"][0]
    assert release["tag"] == ["tender", "award", "contract"]
    (contract,) = release["contracts"]
    assert contract["status"] == "active" and contract["value"]["amount"] == 90000.0
    assert contract["period"]["endDate"]


def test_failed_request_is_unsuccessful(client, owner):
    from datetime import timedelta

    from market.services_requests import requests_sweep_due

    req = published_request(owner=owner)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    assert package(client, req.code)["releases"][0]["tender"]["status"] == "unsuccessful"


def test_schema_documents_the_address(client):
    assert b"/api/v1/requests/{request_code}/ocds/" in client.get("/api/v1/schema/").content
