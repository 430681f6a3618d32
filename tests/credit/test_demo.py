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
    assert RatingDispute.objects.filter(decision="pending").exists()
    assert SectorRating.objects.exists() and Rating.objects.filter(side="firm").exists()
    sanctions = set(CreditEvent.objects.filter(kind_code__in=["overcharging", "collusion", "red_list"])
                    .values_list("sanction", flat=True))
    assert sanctions == {"suspension", "removal", "commendation"}
    assert CreditScore.objects.values("stars").distinct().count() >= 2
    html = client.get("/credit/").content.decode()
    assert "串通" in html and "违规收费" in html
    assert "★" in client.get("/registry/").content.decode()
