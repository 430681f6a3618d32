"""Celery application: tasks are thin adapters that re-fetch by id and call a service."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _django_logging(**kwargs):
    """Workers and beat log through Django's LOGGING (request ids, LOG_FORMAT=json), not
    Celery's own format: connecting this signal tells Celery to leave logging alone."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.worker_ready.connect
def _sweep_at_start(**kwargs):
    """Sweep once as soon as the worker is ready: the beat's first run of an interval entry
    comes one interval (SWEEP_INTERVAL_SECONDS) after a fresh start, and until the sweep
    leaves its heartbeat /healthz says Celery is down. Deadlines missed while the worker
    was stopped are caught up at once, too."""
    from market.tasks import sweep_deadlines

    sweep_deadlines.delay()


@signals.worker_ready.connect
@signals.worker_process_init.connect
@signals.beat_init.connect
def _freeze_startup_heap(**kwargs):
    """Move everything allocated while starting (Django, every app, Celery) out of the
    collector's sight. Without it a stopping worker spent seconds of its warm shutdown in
    the interpreter's final collections over that heap (4 of 8 s on a busy two-core
    machine, past run.sh's grace), and every full collection while running walks it too."""
    import gc

    gc.freeze()
