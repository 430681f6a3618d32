"""Celery adapters of bidding services."""

from celery import shared_task


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def invitations_push_task(request_id: int, round: int) -> int:
    from bidding.services import invitations_push

    return invitations_push(request_id=request_id, round=round)
