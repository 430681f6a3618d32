"""A small known history for the supervision figures, built through the services, in March
2026 (no public holiday; Mondays are the 2nd, 9th, 16th, 23rd and 30th):

- A (owner 1): published 2 Mar, drawn 10 Mar, confirmed late on 16 Mar (an overdue warning,
  closed), contract 24 Mar at 90,000 of 100,000, delivered 27 Mar, accepted 30 Mar, rated 满意.
- B (owner 1, every registrant registered in Beijing): drawn 10 Mar, confirmed 12 Mar,
  contract 24 Mar at 80,000, delivered 27 Mar, accepted 1 Apr, rated 基本满意.
- E (owner 2): drawn 10 Mar, never confirmed (an overdue warning, still open).
- C (owner 2): nobody signed up, failed (流标) on 10 Mar.
- D (an owner of 樟树市, region 360982): published 30 Mar, still open for sign-up.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation
from core.uscc import uscc_check_char
from market.models import ServiceRequest
from market.services_requests import requests_sweep_due, signup_create
from market.services_results import (
    contract_upload,
    request_accept,
    request_confirm,
    requests_overdue_sweep,
    result_deliver,
)
from ratings.services import rating_submit_owner
from supervision.services_stats import request_stats_rebuild
from tests.factories import firm_user, owner_user, published_request, service_item

BJ = ZoneInfo("Asia/Shanghai")
S = ServiceRequest.Status
SCORES = {"quality": 5, "timeliness": 5, "attitude": 5, "fees": 4, "conduct": 5}


def at(month: int, day: int, hour: int = 10):
    return time_machine.travel(datetime(2026, month, day, hour, 0, tzinfo=BJ), tick=False)


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("c.pdf", b"%PDF-1.4 test", content_type="application/pdf")


def outside_uscc(n: int) -> str:
    first17 = f"91110108MA{n:07d}"
    return first17 + uscc_check_char(first17)


def firm_of(req: ServiceRequest):
    return req.selected_firm.users.first()


@pytest.fixture
def history():
    item = service_item()
    owner1, owner2 = owner_user(), owner_user()
    county_owner = owner_user(region_code="360982")
    with at(3, 2, 9):
        a = published_request(owner=owner1, item=item)
        b = published_request(owner=owner1, item=item)
        e = published_request(owner=owner2, item=item)
        c = published_request(owner=owner2, item=item)
        for req in (a, b, e):
            for _ in range(3):
                firm = firm_user(item=item)
                if req is b:
                    Organisation.objects.filter(pk=firm.organisation_id).update(
                        uscc=outside_uscc(firm.organisation_id))
                signup_create(request_id=req.pk, user=firm)
    with at(3, 10):
        requests_sweep_due()
    with at(3, 12):
        request_confirm(request_id=b.pk, user=owner1)
    with at(3, 16):
        assert requests_overdue_sweep() == 2  # A and E: confirmation due 13 Mar
        request_confirm(request_id=a.pk, user=owner1)
    with at(3, 24):
        requests_sweep_due()
        for req, amount in ((a, "90000.00"), (b, "80000.00")):
            req.refresh_from_db()
            contract_upload(request_id=req.pk, user=owner1, document=pdf(), amount=amount)
            contract_upload(request_id=req.pk, user=firm_of(req), document=pdf(), amount=amount)
    with at(3, 27):
        for req in (a, b):
            result_deliver(request_id=req.pk, user=firm_of(req), document=pdf())
    with at(3, 30):
        request_accept(request_id=a.pk, user=owner1)
        rating_submit_owner(user=owner1, request_id=a.pk, scores=SCORES, overall="satisfied")
        d = published_request(owner=county_owner, item=item)
    with at(4, 1):
        request_accept(request_id=b.pk, user=owner1)
        rating_submit_owner(user=owner1, request_id=b.pk, scores=SCORES, overall="basic")
        assert request_stats_rebuild() == 5
    for req in (a, b, c, d, e):
        req.refresh_from_db()
    assert [a.status, b.status, c.status, d.status, e.status] == [
        S.RATED, S.RATED, S.FAILED, S.PUBLISHED, S.AWAITING_CONFIRMATION]
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "owner1": owner1, "owner2": owner2, "county_owner": county_owner,
            "item": item}


