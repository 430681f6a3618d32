"""Celery adapters of audit services."""

from celery import shared_task


@shared_task(ignore_result=True)
def heads_publish_task() -> int:
    """The beat task that publishes each finished day's chain heads and root (idempotent:
    a day already published is never written again; missed days are caught up)."""
    from audit.services import heads_publish

    return heads_publish()
