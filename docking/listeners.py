"""Domain events → webhook events.

The listeners take the payloads of `core.events` ("request.status_changed" and the
transition events with request_id, code, transition, from_state, to_state;
"entry.approved" with entry_id, organisation_id; "credit.event_issued" and
"credit.event_lifted" with event_id). They run after commit; each records the webhook
event and queues its deliveries (the HTTP happens in Celery tasks).
"""

import logging

from django.urls import reverse
from django.utils import timezone

log = logging.getLogger(__name__)

REQUEST_EVENTS = ("request.status_changed", "request.published", "request.selected", "request.contracted",
                  "request.completed")


def _org(org) -> dict | None:
    return None if org is None else {"name": org.name, "uscc": org.uscc or None}


def request_event_data(req) -> dict:
    """What a subscriber learns of a request: only what the public pages show."""
    external = getattr(req, "external", None) if hasattr(req, "external") else None
    return {
        "code": req.code,
        "title": req.title,
        "status": req.status,
        "status_label": req.get_status_display(),
        "region": req.region_id,
        "service_item": req.service_item.code,
        "method": req.method,
        "ceiling": f"{req.ceiling:.2f}",
        "owner": _org(req.owner),
        "selected_firm": _org(req.selected_firm) if req.status not in ("draft", "published", "selecting") else None,
        "external_id": external.external_id if external is not None else None,
        "changed_at": timezone.localtime(req.status_changed_at).isoformat() if req.status_changed_at else None,
        "url": reverse("api:request-detail", kwargs={"code": req.code}),
        "ocds": reverse("api:request-ocds", kwargs={"request_code": req.code}),
    }


def on_request_event(event: str, *, request_id: int, from_state: str = "", to_state: str = "", **_payload) -> None:
    from docking.webhooks import EVENT_TYPES, webhook_event_emit
    from market.models import ServiceRequest, SignUp

    if event not in EVENT_TYPES:
        return
    req = ServiceRequest.objects.select_related("owner", "selected_firm", "service_item", "external").filter(
        pk=request_id).first()
    if req is None:
        return
    parties = {req.owner_id, req.selected_firm_id} | set(
        SignUp.objects.filter(request=req, round=req.publish_count).values_list("organisation_id", flat=True))
    data = {**request_event_data(req), "from_state": from_state or None, "to_state": to_state or req.status}
    stamp = req.status_changed_at.isoformat() if req.status_changed_at else ""
    webhook_event_emit(type=event, data=data, organisation_ids=[p for p in parties if p], region_id=req.region_id,
                       dedupe_key=f"{event}:{req.pk}:{from_state}:{to_state}:{stamp}")


def credit_event_data(ev) -> dict:
    return {
        "event_id": ev.pk,
        "organisation": _org(ev.organisation),
        "kind": ev.kind_code or None,
        "kind_label": ev.kind,
        "sanction": ev.sanction,
        "sanction_label": ev.get_sanction_display(),
        "status": ev.status,
        "region": ev.region_id,
        "starts_at": timezone.localtime(ev.starts_at).isoformat(),
        "ends_at": timezone.localtime(ev.ends_at).isoformat() if ev.ends_at else None,
    }


def on_credit_event(event: str, *, event_id: int | None = None, credit_event_id: int | None = None, **_payload) -> None:
    from credit.models import CreditEvent
    from docking.webhooks import webhook_event_emit

    ev = CreditEvent.objects.select_related("organisation").filter(pk=event_id or credit_event_id).first()
    if ev is None:
        return
    webhook_event_emit(type=event, data=credit_event_data(ev), organisation_ids=[ev.organisation_id], region_id=None,
                       dedupe_key=f"{event}:{ev.pk}:{ev.status}")


def on_entry_approved(event: str, *, organisation_id: int, **_payload) -> None:
    from docking.webhooks import webhook_event_emit
    from market.models import Entry

    entry = Entry.objects.select_related("organisation", "organisation__region").filter(
        organisation_id=organisation_id).first()
    if entry is None or entry.approved_at is None:
        return
    org = entry.organisation
    webhook_event_emit(type="entry.approved", organisation_ids=[org.pk], region_id=None,
                       data={**_org(org), "region": org.region_id,
                             "approved_at": timezone.localtime(entry.approved_at).isoformat(),
                             "url": reverse("api:registry-detail", kwargs={"uscc": org.uscc}) if org.uscc else None},
                       dedupe_key=f"entry.approved:{org.pk}:{entry.approved_at.isoformat()}")


# ---------------------------------------------------------------------------------------
# Wiring

_connected = False


def connect() -> None:
    """Listen to the domain events (`core.events`, after commit); once per process."""
    global _connected
    if _connected:
        return
    _connected = True
    from core import events

    for name in REQUEST_EVENTS:
        events.listen(name)(on_request_event)
    events.listen("credit.event_issued")(on_credit_event)
    events.listen("credit.event_lifted")(on_credit_event)
    events.listen("entry.approved")(on_entry_approved)
