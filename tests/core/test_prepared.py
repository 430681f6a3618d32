"""`core.prepared`: a query compiled once gives what the ORM gives, or is not prepared."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Organisation
from core.prepared import query_prepare
from tests.factories import firm_user

pytestmark = pytest.mark.django_db

SAMPLES = (
    {"name": "sample-a", "since": datetime(2001, 1, 1, 4, tzinfo=UTC)},
    {"name": "sample-b", "since": datetime(2002, 2, 2, 4, tzinfo=UTC)},
)


def build(*, name, since):
    return Organisation.objects.filter(name=name, created_at__gte=since).values_list("pk", flat=True)


def test_a_prepared_query_binds_new_inputs_like_the_orm():
    org = firm_user().organisation
    prepared = query_prepare(build, SAMPLES)
    if connection.vendor != "postgresql":
        # Elsewhere a datetime is adapted to text the derivations do not know: not prepared.
        assert prepared is None or prepared.rows(name=org.name, since=org.created_at)
        return
    assert prepared is not None and len(prepared.slots) == 2
    for since in (org.created_at - timedelta(days=1), org.created_at + timedelta(seconds=1)):
        assert [r[0] for r in prepared.rows(name=org.name, since=since)] == list(build(name=org.name, since=since))
    assert prepared.rows(name="无此机构", since=org.created_at - timedelta(days=1)) == []


def test_gives_up_when_the_inputs_change_the_sql():
    def shaped(*, name, since):  # a filter only for one sample: two different statements
        qs = Organisation.objects.filter(name=name)
        return qs.filter(created_at__gte=since) if since.year == 2001 else qs

    assert query_prepare(shaped, SAMPLES) is None


def test_gives_up_on_a_parameter_it_cannot_trace_to_an_input():
    def hidden(*, name, since):  # a parameter derived from the input in a way it does not know
        return Organisation.objects.filter(name=name[::-1], created_at__gte=since)

    assert query_prepare(hidden, SAMPLES) is None


def test_the_bid_context_is_prepared_and_sees_a_credit_event_at_the_next_bid():
    from bidding.services_auction import _bid_context, _context_prepared
    from tests.bidding.auction_support import auction_case
    from tests.factories import restriction

    case = auction_case(3)
    auction = case.auction.__class__.objects.select_related(
        "request__service_item__qualification_type").get(pk=case.auction.pk)
    # Prepared on PostgreSQL (production); elsewhere the ORM builds it at every bid.
    assert (_context_prepared(auction) is not None) == (connection.vendor == "postgresql")
    org_id = case.firms[0].organisation_id
    first, eligible = _bid_context(auction=auction, org_id=org_id, cid=uuid.uuid4(), raw_id="x", now=timezone.now())
    assert first is None and eligible is True
    restriction(case.firms[0].organisation)
    first, eligible = _bid_context(auction=auction, org_id=org_id, cid=uuid.uuid4(), raw_id="x", now=timezone.now())
    assert eligible is False
