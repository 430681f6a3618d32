"""Domain events → webhook events.

The listeners take the payloads of `core.events` ("request.status_changed" and the
transition events with request_id, code, transition, from_state, to_state;
"entry.approved" with entry_id, organisation_id; "credit.event_issued" and
"credit.event_lifted" with event_id). Until `core.events` is on this branch, a bridge of
model signals announces the same events after commit (state changes seen by comparing a
row's status on load and on save); `connect()` uses whichever exists.
"""

import logging

from django.db import transaction
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


def _safe(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # the change is committed; a webhook must not undo or break it
        log.exception("webhook listener %s failed", fn.__name__)


# ---------------------------------------------------------------------------------------
# Wiring

_connected = False


def connect() -> None:
    global _connected
    if _connected:
        return
    _connected = True
    try:
        from core import events
    except ImportError:
        events = None
    if events is not None:
        for name in REQUEST_EVENTS:
            events.listen(name)(on_request_event)
        events.listen("credit.event_issued")(on_credit_event)
        events.listen("credit.event_lifted")(on_credit_event)
        events.listen("entry.approved")(on_entry_approved)
        return
    _bridge()


def _bridge() -> None:
    """Interim: the same events from model signals, after commit."""
    from django.db.models.signals import post_init, post_save

    from credit.models import CreditEvent
    from market.models import Entry, ServiceRequest

    def remember(sender, instance, **kwargs):
        instance._docking_status = instance.__dict__.get("status")

    def request_saved(sender, instance, created, **kwargs):
        before, after = getattr(instance, "_docking_status", None), instance.status
        instance._docking_status = after
        if created or before == after:
            return
        names = ["request.status_changed"]
        if after == "published":
            names.append("request.published")
        elif after == "awaiting_confirmation":
            names.append("request.selected")
        elif after == "in_service":
            names.append("request.contracted")
        elif after == "completed":
            names.append("request.completed")
        pk = instance.pk
        for name in names:
            transaction.on_commit(lambda name=name: _safe(on_request_event, name, request_id=pk, from_state=before,
                                                          to_state=after))

    def credit_saved(sender, instance, created, **kwargs):
        before, after = getattr(instance, "_docking_status", None), instance.status
        instance._docking_status = after
        pk = instance.pk
        if created:
            transaction.on_commit(lambda: _safe(on_credit_event, "credit.event_issued", event_id=pk))
        elif before != after and after in ("expired", "revoked"):
            transaction.on_commit(lambda: _safe(on_credit_event, "credit.event_lifted", event_id=pk))

    def entry_saved(sender, instance, created, **kwargs):
        before, after = getattr(instance, "_docking_status", None), instance.status
        instance._docking_status = after
        if before != after and after == "approved":
            org_id = instance.organisation_id
            transaction.on_commit(lambda: _safe(on_entry_approved, "entry.approved", organisation_id=org_id))

    for model, handler in ((ServiceRequest, request_saved), (CreditEvent, credit_saved), (Entry, entry_saved)):
        post_init.connect(remember, sender=model, weak=False, dispatch_uid=f"docking-remember-{model.__name__}")
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=f"docking-saved-{model.__name__}")
