"""Celery adapters of market services: the beat sweep and the invitations fan-out."""

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    """The beat sweep: move on every request whose deadline passed (and let every
    selection method do what is due), and leave a heartbeat that /healthz reads to know
    Celery is alive. Other apps' sweeps run as their own beat tasks."""
    from core.models import Heartbeat
    from market.services_requests import requests_sweep_due

    moved = requests_sweep_due()
    Heartbeat.objects.update_or_create(name="sweep", defaults={"at": timezone.now()})
    return moved


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def invitations_push_task(request_id: int, round: int) -> int:
    from market.services_requests import invitations_push

    return invitations_push(request_id=request_id, round=round)


def on_request_published(*, event: str, request_id: int, **payload) -> None:
    """Listener of "request.published": fan the invitations of the new round out in a worker."""
    from market.models import ServiceRequest

    round_ = ServiceRequest.objects.filter(pk=request_id).values_list("publish_count", flat=True).first()
    if round_ is not None:
        invitations_push_task.delay(request_id, round_)
