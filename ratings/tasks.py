"""Celery adapters of ratings."""

from celery import shared_task


@shared_task(ignore_result=True)
def ratings_sweep() -> int:
    """The beat: record the default 满意 of every completed request whose rating period ended."""
    from ratings.services import ratings_sweep_due

    return ratings_sweep_due()
