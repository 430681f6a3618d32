"""Celery adapters of bidding services."""

from celery import shared_task


@shared_task(acks_late=True, max_retries=3, default_retry_delay=30)
def invitations_push_task(request_id: int, round: int) -> int:
    from bidding.services import invitations_push

    return invitations_push(request_id=request_id, round=round)


@shared_task(ignore_result=True)
def auctions_sweep() -> int:
    """The auction beat (every AUCTION_SWEEP_SECONDS): start and close due auctions, so an
    auction nobody is watching still closes within seconds of its end."""
    from bidding.services_auction import auctions_sweep_due

    return auctions_sweep_due()
