"""`make run`'s demo auction: scheduled two minutes ahead, with the bidders' logins printed."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bidding.models import Auction, Bidder

pytestmark = pytest.mark.django_db


def test_demo_auction_starts_two_minutes_after_start_up_and_prints_bidder_logins():
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    before = timezone.now()
    call_command("demo_auction", "--url", "http://127.0.0.1:8000", stdout=out)
    auction = Auction.objects.latest("pk")
    assert auction.status == Auction.Status.SCHEDULED
    assert before + timedelta(seconds=119) <= auction.starts_at <= timezone.now() + timedelta(seconds=121)
    text = out.getvalue()
    assert f"/requests/{auction.request.code}/auction/" in text
    bidders = Bidder.objects.filter(auction=auction).select_related("organisation")
    assert bidders.count() == 3
    for bidder in bidders:
        assert bidder.organisation.users.first().username in text
