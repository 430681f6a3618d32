"""Celery adapters of the selection methods."""

from celery import shared_task


@shared_task(ignore_result=True)
def auctions_sweep() -> int:
    """The auction beat (every AUCTION_SWEEP_SECONDS): start and close due auctions, so an
    auction nobody is watching still closes within seconds of its end."""
    from bidding.services_auction import auctions_sweep_due

    return auctions_sweep_due()
