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


# Chunks of MAIL_CHUNK one mail task sends before handing the rest to a fresh task, so
# that no number of firms brings a task near its time limit.
MAIL_CHUNKS_PER_TASK = 20


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def invitations_push_task(request_id: int, round: int) -> int:
    """The invitations and inbox entries of a round, then the mails in tasks of their own."""
    from market.services_requests import invitations_push

    created = invitations_push(request_id=request_id, round=round, mail=False)
    invitation_mails_task.delay(request_id, round)
    return created


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=3, default_retry_delay=60)
def invitation_mails_task(request_id: int, round: int) -> int:
    """Send up to MAIL_CHUNKS_PER_TASK chunks of a round's pending invitation mails, and
    queue the next such task while any are left. A mail server that cannot be reached
    (OSError, smtplib's errors included) is retried a few times; mails left after that
    stay pending (待发送), for the bureau to see."""
    from market.services_requests import invitation_mails_pending, invitation_mails_send

    sent = invitation_mails_send(request_id=request_id, round=round, chunks=MAIL_CHUNKS_PER_TASK)
    if invitation_mails_pending(request_id=request_id, round=round):
        invitation_mails_task.delay(request_id, round)
    return sent


def on_request_published(*, event: str, request_id: int, **payload) -> None:
    """Listener of "request.published": fan the invitations of the new round out in a worker."""
    from market.models import ServiceRequest

    round_ = ServiceRequest.objects.filter(pk=request_id).values_list("publish_count", flat=True).first()
    if round_ is not None:
        invitations_push_task.delay(request_id, round_)
