"""Writes of credit: the one function through which the platform raises a credit event."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from credit.models import CreditEvent


def credit_event_raise(
    *,
    organisation,
    kind: str,
    sanction: str,
    rule_source: str,
    cause_key: str,
    region_id: str,
    request=None,
    description: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    officer=None,
) -> tuple[CreditEvent, bool]:
    """Raise a credit event against `organisation` once per `cause_key`.

    Returns (event, created). A second call with the same organisation and cause (a retried
    task, a repeated click) returns the first event unchanged: the unique constraint
    `creditevent_once_per_cause` guarantees it even between concurrent callers. The event
    takes effect city-wide at once (`credit.selectors.restricting_events` reads it live).
    """
    if not cause_key:
        raise ValueError("cause_key is required so the event is raised once")
    existing = CreditEvent.objects.filter(organisation=organisation, cause_key=cause_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin leaves the caller's transaction intact
            event = CreditEvent.objects.create(
                organisation=organisation, cause_key=cause_key, kind=kind, sanction=sanction,
                rule_source=rule_source, description=description, region_id=region_id, request=request,
                starts_at=starts_at or timezone.now(), ends_at=ends_at, officer=officer,
            )
    except IntegrityError:
        return CreditEvent.objects.get(organisation=organisation, cause_key=cause_key), False
    return event, True
