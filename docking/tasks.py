"""Celery adapters of docking: one task per webhook delivery, and the beat's backstop."""

from celery import shared_task


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=45)
def webhook_deliver_task(delivery_id: str) -> str:
    from docking.webhooks import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhooks_sweep() -> int:
    from docking.webhooks import deliveries_due

    return deliveries_due()


def delivery_queue(delivery_id: str, countdown: float = 0) -> None:
    webhook_deliver_task.apply_async((delivery_id,), countdown=countdown)
