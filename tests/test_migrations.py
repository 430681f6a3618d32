"""Platform plumbing: migrations, /healthz, settings."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_seeded_regions_catalogue_and_rules():
    from accounts.models import Region
    from core.models import Rule
    from core.rules import RULES
    from market.models import ServiceItem

    assert Region.objects.count() == 14
    assert Region.objects.get(code="360982").name == "樟树市"
    assert ServiceItem.objects.count() >= 20
    # Stored rows are the bureau's settings; a rule without a row reads its default.
    assert set(Rule.objects.values_list("key", flat=True)) <= set(RULES)


def test_healthz_reports_each_part(client, settings):
    response = client.get("/healthz")
    body = response.json()
    assert set(body) >= {"status", "database", "channel_layer", "celery"}
    assert body["database"]["ok"] and body["channel_layer"]["ok"]
    assert response.status_code == 200


def test_healthz_is_503_when_celery_is_silent(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["celery"]["ok"] is False
    from market.tasks import sweep_deadlines

    sweep_deadlines()
    assert client.get("/healthz").status_code == 200


def test_api_schema_is_served(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_load_demo_reaches_every_state_so_far():
    from bidding.draw import record_winner
    from bidding.models import Draw
    from market.models import ServiceRequest

    call_command("load_demo", stdout=io.StringIO())
    states = set(ServiceRequest.objects.values_list("status", flat=True))
    assert {"draft", "published", "selecting", "failed", "cancelled", "awaiting_confirmation", "publicity", "objection",
            "contracting", "in_service", "delivered", "completed", "terminated"} <= states
    assert ServiceRequest.objects.filter(direct_pick=True, status="awaiting_confirmation").exists()
    draws = list(Draw.objects.all())
    assert len(draws) >= 3
    assert all(record_winner(d.record) == d.winner.uscc for d in draws)
    assert any(d.record["excluded"] for d in draws)
    call_command("load_demo", stdout=io.StringIO())  # idempotent
