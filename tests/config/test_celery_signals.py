"""The worker's start-up hooks (config/celery.py): a sweep at once, and a frozen start-up heap."""

import gc

import pytest
from celery import signals

pytestmark = pytest.mark.django_db


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_ready_worker_sweeps_at_once_so_healthz_is_up_without_waiting_an_interval(client, settings, unfrozen):
    """Tasks run eagerly here, as they would in the worker a moment later."""
    from core.models import Heartbeat

    import config.celery  # noqa: F401  (connects the handlers, as the worker does)

    assert not Heartbeat.objects.filter(name="sweep").exists()
    signals.worker_ready.send(sender=None)
    assert Heartbeat.objects.filter(name="sweep").exists()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # /healthz reads the heartbeat, as in production
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("signal", [signals.worker_ready, signals.worker_process_init, signals.beat_init])
def test_worker_pool_and_beat_freeze_their_start_up_heap(signal, unfrozen):
    """Frozen objects are out of every collection, the final ones at exit included: a
    stopping worker no longer spends seconds of its warm shutdown collecting them."""
    import config.celery  # noqa: F401

    assert gc.get_freeze_count() == 0
    signal.send(sender=None)
    assert gc.get_freeze_count() > 0
