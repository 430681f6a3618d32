"""Celery adapters of the statistics facts: refresh one request's row after its status
changed, and a nightly rebuild that repairs any row a lost message left behind."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, max_retries=3, default_retry_delay=30)
def request_stat_refresh_task(request_id: int) -> None:
    from supervision.services_stats import request_stat_refresh

    request_stat_refresh(request_id=request_id)


@shared_task(ignore_result=True)
def request_stats_rebuild_task() -> int:
    from supervision.services_stats import request_stats_rebuild

    return request_stats_rebuild(stale_only=True)


def on_request_status_changed(*, event: str, request_id: int, **payload) -> None:
    """Listener of "request.status_changed" and "rating.changed" (after commit): refresh the
    request's facts in a worker, never inside the request's own transaction or page view."""
    request_stat_refresh_task.delay(request_id)
