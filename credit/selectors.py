"""Credit reads: the restriction check used at every door."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from credit.models import CreditEvent

RESTRICTING = (CreditEvent.Sanction.SUSPENSION, CreditEvent.Sanction.REMOVAL)


@dataclass(frozen=True)
class Restriction:
    event_id: int
    sanction: str
    ends_at: datetime | None
    message: str


def restricting_events(*, at: datetime | None = None) -> QuerySet[CreditEvent]:
    """Events that bar a firm from taking part at `at` (suspension or removal, in force).

    An event under appeal still restricts: the appeal does not suspend the sanction.
    Read straight from the database on every call, never cached, so an event issued by
    any county applies everywhere at once.
    """
    at = at or timezone.now()
    return CreditEvent.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        sanction__in=RESTRICTING,
        status__in=[CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED],
        starts_at__lte=at,
    )


def credit_restriction(*, organisation_id: int, at: datetime | None = None) -> Restriction | None:
    """The longest restriction in force on this firm at `at`, or None. One query."""
    event = (
        restricting_events(at=at)
        .filter(organisation_id=organisation_id)
        .select_related("region")
        .order_by(F("ends_at").desc(nulls_first=True), "-id")
        .first()
    )
    if event is None:
        return None
    until = timezone.localtime(event.ends_at).strftime("%Y-%m-%d %H:%M") if event.ends_at else "长期"
    message = f"该机构因“{event.kind}”被{event.region.name}{event.get_sanction_display()}，至{until}，全市范围内不得参与。"
    return Restriction(event_id=event.pk, sanction=event.sanction, ends_at=event.ends_at, message=message)
