"""Celery adapters of credit."""

from celery import shared_task


@shared_task(ignore_result=True)
def credit_sweep() -> int:
    """The beat: lift every restriction whose end date has passed (the firm is told)."""
    from credit.services import credit_events_expire_due

    return credit_events_expire_due()
