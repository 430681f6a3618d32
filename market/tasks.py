"""Celery adapters of market services."""

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    """The beat sweep: move on every request whose deadline passed, and leave a heartbeat
    that /healthz reads to know Celery is alive."""
    from core.models import Heartbeat
    from market.services import requests_sweep_due

    moved = requests_sweep_due()
    from credit.services import credit_events_expire_due
    from ratings.services import ratings_sweep_due

    moved += ratings_sweep_due() + credit_events_expire_due()
    Heartbeat.objects.update_or_create(name="sweep", defaults={"at": timezone.now()})
    return moved
