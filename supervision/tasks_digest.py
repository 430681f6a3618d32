"""Celery adapter of the daily digest (beat entry "supervision-digest"; the module is
listed in CELERY_IMPORTS since autodiscovery only looks at `tasks.py`)."""

from datetime import date

from celery import shared_task


@shared_task(bind=True, ignore_result=True, max_retries=6, default_retry_delay=600)
def daily_digest_task(self, on: str | None = None) -> int:
    """Mail each bureau officer the digest of Beijing day `on` (ISO; default today), once.
    If any send failed, retry later for the same day: only the failed ones are claimed again."""
    from django.utils import timezone

    from supervision.services_digest import digests_send_due

    day = date.fromisoformat(on) if on else timezone.localdate()
    run = digests_send_due(on=day)
    if run.failed:
        raise self.retry(kwargs={"on": day.isoformat()})
    return run.sent
