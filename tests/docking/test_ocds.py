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


# ---------------------------------------------------------------------------------------
# Validation against the OCDS 1.1 schemas shipped in docking/schema/

import pathlib

import jsonschema
from referencing import Registry, Resource

SCHEMA_DIR = pathlib.Path(__file__).resolve().parents[2] / "docking" / "schema"


def _validators():
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    package = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release))
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    return (jsonschema.Draft4Validator(release, format_checker=checker),
            jsonschema.Draft4Validator(package, registry=registry, format_checker=checker))


RELEASE, PACKAGE = _validators()


def assert_valid_package(data: dict) -> None:
    errors = sorted(PACKAGE.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def assert_valid_release(release: dict) -> None:
    errors = list(RELEASE.iter_errors(release))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_the_schema_catches_a_broken_release():
    assert list(RELEASE.iter_errors({"ocid": "", "id": "x", "date": "yesterday", "tag": ["nonsense"],
                                     "initiationType": "tender"}))


def test_every_state_of_a_request_is_a_valid_ocds_package_with_draw_record_and_milestones(client, owner):
    from market.services_results import request_accept, result_deliver
    from tests.market.test_after_selection import pdf, user_of

    open_req = published_request(owner=owner)
    assert_valid_package(package(client, open_req.code))
    drawn_req = drawn(owner_user())
    data = package(client, drawn_req.code)
    assert_valid_package(data)
    award = data["releases"][0]["awards"][0]
    assert award["drawRecord"]["algorithm"] == "YCZJCS-DRAW-v1"
    assert award["documents"][0]["url"].endswith(f"/api/v1/draws/{drawn_req.code}/")
    running = in_service(owner_user())
    contract = package(client, running.code)["releases"][0]["contracts"][0]
    assert [m["status"] for m in contract["milestones"]] == ["met", "scheduled"]
    result_deliver(request_id=running.pk, user=user_of(running.selected_firm), document=pdf())
    request_accept(request_id=running.pk, user=running.owner.users.first())
    data = package(client, running.code)
    assert_valid_package(data)
    assert [m["status"] for m in data["releases"][0]["contracts"][0]["milestones"]] == ["met", "met", "met"]


def test_bulk_releases_since_oldest_first_paginated_and_valid(client):
    from datetime import timedelta

    first = published_request(owner=owner_user())
    second = drawn(owner_user())
    ServiceRequest.objects.filter(pk=first.pk).update(status_changed_at=timezone.now() - timedelta(days=2))
    data = json.loads(client.get("/api/v1/ocds/releases/", {"page_size": 1}).content)
    assert_valid_package(data)
    assert [r["tender"]["id"] for r in data["releases"]] == [first.code]
    following = json.loads(client.get(data["links"]["next"]).content)
    assert_valid_package(following)
    assert [r["tender"]["id"] for r in following["releases"]] == [second.code]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = json.loads(client.get("/api/v1/ocds/releases/", {"since": since}).content)
    assert [r["tender"]["id"] for r in recent["releases"]] == [second.code]
    for release in recent["releases"]:
        assert_valid_release(release)
    bad = client.get("/api/v1/ocds/releases/", {"since": "last tuesday"})
    assert bad.status_code == 400 and json.loads(bad.content)["error"]["code"] == "validation_failed"
