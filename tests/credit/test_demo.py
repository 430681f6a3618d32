"""The demo data gives the credit list and the registry stars something to show."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_has_ratings_and_credit_events(client):
    from credit.models import CreditEvent, CreditScore
    from ratings.models import Rating, RatingDispute, SectorRating

    call_command("load_demo", stdout=io.StringIO())
    assert Rating.objects.filter(is_default=True).exists()
    assert RatingDispute.objects.filter(status="pending").exists()
    assert SectorRating.objects.exists() and Rating.objects.filter(side="firm").exists()
    sanctions = set(CreditEvent.objects.filter(kind_code__in=["overcharging", "collusion", "red_list"])
                    .values_list("sanction", flat=True))
    assert sanctions == {"suspension", "removal", "commendation"}
    assert CreditScore.objects.values("stars").distinct().count() >= 2
    html = client.get("/credit/").content.decode()
    assert "串通" in html and "违规收费" in html
    assert "★" in client.get("/registry/").content.decode()


def test_credit_and_rating_admin_pages_load_read_only(client, django_user_model):
    from django.contrib import admin
    from django.urls import reverse

    call_command("load_demo", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="admin"))
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in ("credit", "ratings"):
            continue
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, meta.model_name
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])).status_code == 200
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
