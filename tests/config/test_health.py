"""/healthz when something is down: a 503 with one WARNING, never Django's ERROR line."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_a_down_healthz_logs_one_warning_naming_the_part_and_no_error(client, settings, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # no sweep has run: Celery counts as down
    with caplog.at_level(logging.INFO):
        response = client.get("/healthz")
    assert response.status_code == 503
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name == "config.health"
    assert "celery: no sweep has run yet" in warning.getMessage()


def test_a_healthy_healthz_logs_nothing(client, caplog):
    with caplog.at_level(logging.WARNING):
        assert client.get("/healthz").status_code == 200
    assert caplog.records == []
