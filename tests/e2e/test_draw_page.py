"""The draw result page verifies its own record in the browser, with the shipped script."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from bidding.services_draw import draw_run
from market.models import ServiceRequest
from market.services_requests import requests_sweep_due, signup_create
from tests.factories import firm_user, owner_user, published_request, service_item

pytestmark = pytest.mark.django_db(transaction=True)


def _drawn_request():
    item = service_item()
    req = published_request(owner=owner_user(), item=item)
    for _ in range(3):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=2),
                                                    selection_at=now - timedelta(hours=1))
    requests_sweep_due()
    return req, draw_run(request_id=req.pk)


def test_result_page_verify_panel_says_the_record_checks_out(page, live_url):
    # Set up in another thread: the notifications pushed on commit use async_to_sync, which
    # refuses to run in the thread where Playwright's event loop runs.
    made = []

    def set_up():
        try:
            made.append(_drawn_request())
        finally:
            connection.close()

    worker = threading.Thread(target=set_up)
    worker.start()
    worker.join(30)
    req, the_draw = made[0]
    page.goto(f"{live_url}/requests/{req.code}/draw/")
    expect(page.get_by_role("heading", name="随机选取结果")).to_be_visible()
    page.get_by_role("button", name="在浏览器中复核").click()
    expect(page.locator("[data-verify-result] [data-verify-ok]")).to_have_attribute("data-verify-ok", "true")
    expect(page.locator("body")).to_contain_text(the_draw.winner.name)
    # The verify result names the winner it recomputed, not only its code.
    expect(page.locator("[data-verify-result] .draw-verify-text")).to_contain_text(the_draw.winner.name)
    expect(page.locator("body")).not_to_contain_text("drawn_at")
