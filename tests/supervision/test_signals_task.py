"""The detection runs in the beat (registered in settings), and concurrent runs still keep
one case per signal and subject (PostgreSQL, real threads)."""

import threading

import pytest
from django.conf import settings
from django.db import connections

from audit.models import AuditRecord
from supervision.models import SignalCase
from supervision.tasks import signals_detect_task
from tests.factories import firm_user, owner_user
from tests.supervision.signals_support import won


def test_the_detection_is_a_beat_task():
    entry = settings.CELERY_BEAT_SCHEDULE["signals-detect"]
    assert entry["task"] == "supervision.tasks.signals_detect_task"
    assert signals_detect_task.name == entry["task"]


@pytest.mark.django_db
def test_the_task_runs_every_detector():
    owner, firm = owner_user(), firm_user()
    for _ in range(3):
        won(owner, firm)
    counts = signals_detect_task()
    assert set(counts) == set(SignalCase.Kind.values) and counts["repeat_pair"] == 1
    assert SignalCase.objects.filter(kind="repeat_pair").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_keep_one_case_and_one_opening_record():
    if connections["default"].vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises every writer)")
    owner, firm = owner_user(), firm_user()
    for _ in range(3):
        won(owner, firm)
    barrier, errors = threading.Barrier(4), []

    def run():
        try:
            barrier.wait()
            signals_detect_task()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    case = SignalCase.objects.get(kind="repeat_pair")
    assert AuditRecord.objects.filter(chain=f"signal:{case.pk}", kind="signal_case_opened").count() == 1
