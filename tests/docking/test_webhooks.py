"""Webhooks: signed deliveries from domain events, retried with backoff until a 2xx, the
same id every time, a delivery log, manual redelivery, and a subscriber that fails for a
day paused and told."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from docking.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from docking.webhooks import (
    deliveries_due,
    retry_delay,
    signature_verify,
    webhook_event_emit,
)
from tests.docking.receiver import Receiver
from tests.docking.support import (
    ALL_OWNER,
    ApiClient,
    county_platform,
    error_of,
    key_for,
    push_body,
)
from tests.factories import make_uscc, published_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    settings.WEBHOOK_RETRY_MAX_SECONDS = 0.4
    settings.WEBHOOK_TIMEOUT_SECONDS = 3


def subscribe(api: ApiClient, url: str, events: list[str]) -> dict:
    response = api.post("/api/v1/webhooks/", {"url": url, "events": events})
    assert response.status_code == 201, response.content
    return json.loads(response.content)


def wait_delivered(count: int, receiver: Receiver, deadline: float = 20.0) -> None:
    """Run the beat's backstop until `count` requests reached the receiver (retries are due
    a fraction of a second apart here)."""
    end = time.monotonic() + deadline
    while len(receiver.received) < count and time.monotonic() < end:
        time.sleep(0.1)
        deliveries_due()


def test_a_receiver_failing_twice_gets_the_third_attempt_signed_with_the_same_id():
    county = ApiClient(key_for(county_platform("360982"), "read,requests:write,webhooks", county="360982"))
    with Receiver(fail=2) as receiver:
        sub = subscribe(county, receiver.url, ["request.published"])
        assert len(sub["secret"]) == 64
        response = county.put("/api/v1/requests/by-external-id/WH-1/?publish=true", push_body(owner_uscc=make_uscc()))
        assert response.status_code == 201
        code = json.loads(response.content)["code"]
        wait_delivered(3, receiver)
    assert len(receiver.received) == 3
    ids = {r["headers"]["X-Yczjcs-Delivery"] for r in receiver.received}
    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert len(ids) == 1 and {b["id"] for b in bodies} == ids  # one id for all three attempts
    last = receiver.received[-1]
    assert last["headers"]["X-Yczjcs-Event"] == "request.published"
    assert signature_verify(secret=sub["secret"], header=last["headers"]["X-Yczjcs-Signature"], body=last["body"])
    assert not signature_verify(secret="wrong", header=last["headers"]["X-Yczjcs-Signature"], body=last["body"])
    assert bodies[-1]["type"] == "request.published" and bodies[-1]["data"]["code"] == code
    assert bodies[-1]["data"]["external_id"] == "WH-1" and bodies[-1]["created"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 3 and delivery.last_status == 200
    # the delivery log, as the subscriber reads it
    log = json.loads(county.get(f"/api/v1/webhooks/{sub['id']}/deliveries/").content)["results"]
    assert [(d["status"], d["attempts"], d["last_status"]) for d in log] == [("delivered", 3, 200)]
    # the subscription's secret is never shown again
    assert "secret" not in json.loads(county.get(f"/api/v1/webhooks/{sub['id']}/").content)


def test_redelivery_sends_the_same_id_and_body_again():
    owner_key = None
    from tests.factories import owner_user

    owner = owner_user()
    owner_key = key_for(owner.organisation, ALL_OWNER)
    api = ApiClient(owner_key)
    with Receiver() as receiver:
        sub = subscribe(api, receiver.url, ["request.published", "request.status_changed"])
        published_request(owner=owner)
        wait_delivered(2, receiver)
        assert {json.loads(r["body"])["type"] for r in receiver.received} == {"request.published",
                                                                           "request.status_changed"}
        delivery = WebhookDelivery.objects.filter(event__type="request.published").get()
        response = api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver/")
        assert response.status_code == 202
        wait_delivered(3, receiver)
    first = next(r for r in receiver.received if r["headers"]["X-Yczjcs-Event"] == "request.published")
    assert receiver.received[-1]["body"] == first["body"]
    stranger = ApiClient(key_for(owner_user().organisation, "webhooks"))
    assert stranger.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert stranger.get(f"/api/v1/webhooks/{sub['id']}/deliveries/").status_code == 404


def test_events_reach_only_the_subscribers_they_concern():
    from tests.factories import owner_user

    zhangshu = ApiClient(key_for(county_platform("360982"), "webhooks", county="360982"))
    fengxin = ApiClient(key_for(county_platform("360921"), "webhooks", county="360921"))
    owner_a, owner_b = owner_user(region_code="360982"), owner_user(region_code="360982")
    api_a = ApiClient(key_for(owner_a.organisation, ALL_OWNER))
    api_b = ApiClient(key_for(owner_b.organisation, ALL_OWNER))
    with Receiver() as receiver:
        subs = {name: subscribe(api, f"{receiver.url}?{name}", ["request.published", "request.status_changed"])
                for name, api in (("zs", zhangshu), ("fx", fengxin), ("a", api_a), ("b", api_b))}
        published_request(owner=owner_a)
        time.sleep(0.2)
        deliveries_due()
    got = {(WebhookSubscription.objects.get(pk=d.subscription_id).url.split("?")[1], d.event.type)
           for d in WebhookDelivery.objects.select_related("event")}
    # published: broadcast (every owner subscriber; the county of the request); status: parties and county
    assert got == {("zs", "request.published"), ("zs", "request.status_changed"), ("a", "request.published"),
                   ("a", "request.status_changed"), ("b", "request.published")}
    assert subs["fx"]["county"] == "360921"


def test_a_subscriber_failing_for_a_day_is_paused_and_told(settings):
    from tests.factories import owner_user

    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0.5
    owner = owner_user()
    api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    with Receiver(fail=1000) as receiver:
        sub = subscribe(api, receiver.url, ["request.published"])
        published_request(owner=owner)
        end = time.monotonic() + 20
        while time.monotonic() < end and WebhookSubscription.objects.get(pk=sub["id"]).status == "active":
            time.sleep(0.1)
            deliveries_due()
        sent = len(receiver.received)
        time.sleep(0.5)
        deliveries_due()
        assert len(receiver.received) == sent  # paused: nothing more is sent
    row = WebhookSubscription.objects.get(pk=sub["id"])
    assert row.status == "paused" and sent >= 2
    note = Notification.objects.get(organisation=owner.organisation, kind="webhook_paused")
    assert receiver.url in note.body
    assert json.loads(api.get(f"/api/v1/webhooks/{sub['id']}/").content)["status"] == "paused"
    resumed = api.post(f"/api/v1/webhooks/{sub['id']}/resume/")
    assert resumed.status_code == 200 and json.loads(resumed.content)["status"] == "active"


def test_deliveries_stop_after_the_retry_window(settings):
    settings.WEBHOOK_RETRY_WINDOW_SECONDS = 0.6
    from tests.factories import owner_user

    owner = owner_user()
    api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    with Receiver(fail=1000) as receiver:
        subscribe(api, receiver.url, ["request.published"])
        published_request(owner=owner)
        end = time.monotonic() + 20
        while time.monotonic() < end and WebhookDelivery.objects.get().status == "pending":
            time.sleep(0.1)
            deliveries_due()
    assert WebhookDelivery.objects.get().status == "failed" and len(receiver.received) >= 2


def test_the_same_event_is_recorded_once_and_subscriptions_are_validated():
    from tests.factories import owner_user

    owner = owner_user()
    api = ApiClient(key_for(owner.organisation, ALL_OWNER))
    assert webhook_event_emit(type="entry.approved", data={}, organisation_ids=[], region_id=None,
                              dedupe_key="x") is not None
    assert webhook_event_emit(type="entry.approved", data={}, organisation_ids=[], region_id=None,
                              dedupe_key="x") is None
    assert WebhookEvent.objects.count() == 1
    bad = api.post("/api/v1/webhooks/", {"url": "ftp://example/", "events": ["request.published"]})
    assert bad.status_code == 400 and "url" in error_of(bad)["fields"]
    bad = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/", "events": ["request.nope"]})
    assert bad.status_code == 400 and "events" in error_of(bad)["fields"]
    assert api.delete("/api/v1/webhooks/999999/").status_code == 404


def test_backoff_doubles_up_to_its_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == 3600


def test_credit_and_entry_events_are_announced_to_their_subscribers():
    from credit.services import credit_event_raise
    from tests.factories import firm_user

    firm = firm_user()
    county = ApiClient(key_for(county_platform("360982"), "webhooks", county="360982"))
    with Receiver() as receiver:
        subscribe(county, receiver.url, ["credit.event_issued", "credit.event_lifted"])
        credit_event_raise(organisation_id=firm.organisation.pk, kind="collusion", description="串通",
                           cause_key="wh", region_id="360921", at=timezone.now() - timedelta(days=1))
        wait_delivered(1, receiver)
    body = json.loads(receiver.received[0]["body"])
    assert body["type"] == "credit.event_issued" and body["data"]["organisation"]["uscc"] == firm.organisation.uscc
