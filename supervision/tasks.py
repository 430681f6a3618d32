"""Celery adapters of supervision services: the anti-avoidance detection run (beat)."""

from celery import shared_task


@shared_task(ignore_result=True)
def signals_detect_task() -> dict[str, int]:
    """The beat run of every anti-avoidance detector (`signals_detect`); idempotent, so a
    retried or overlapping run upserts the same cases."""
    from supervision.services_signals import signals_detect

    return signals_detect()
