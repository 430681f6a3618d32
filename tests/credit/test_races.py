"""Automatic credit events are raised exactly once per cause, with real concurrent
connections on PostgreSQL (a retried task or a race never doubles them)."""

import pytest
from django.db import connection

from audit.selectors import chain_records, chain_verify
from credit.models import CreditEvent
from credit.services import (
    credit_chain,
    credit_raise_rating_unsatisfied,
    credit_raise_service_overdue,
)
from ratings.models import Rating
from ratings.services import rating_default_record
from tests.factories import firm_user, published_request
from tests.lifecycle_fixtures import completed_request
from tests.market.test_races import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises every writer)")


def test_eight_raisers_of_one_cause_make_one_event_and_one_record():
    firm = firm_user()
    req = published_request()
    created = []

    def raise_it():
        _event, new = credit_raise_service_overdue(request=req, organisation_id=firm.organisation_id)
        created.append(new)

    run_threads([raise_it] * 8)
    assert sorted(created) == [False] * 7 + [True]
    assert CreditEvent.objects.filter(organisation=firm.organisation).count() == 1
    assert chain_records(chain=credit_chain(firm.organisation_id)).count() == 1
    assert chain_verify(chain=credit_chain(firm.organisation_id)).ok


def test_different_causes_at_once_each_raise_one_and_the_chain_holds():
    firm = firm_user()
    reqs = [published_request() for _ in range(4)]
    run_threads([lambda r=r: credit_raise_service_overdue(request=r, organisation_id=firm.organisation_id)
                 for r in reqs * 2])
    assert CreditEvent.objects.filter(organisation=firm.organisation).count() == 4
    assert chain_records(chain=credit_chain(firm.organisation_id)).count() == 4
    assert chain_verify(chain=credit_chain(firm.organisation_id)).ok


def test_a_retried_unsatisfied_rating_raise_is_one_event():
    req, owner, firm = completed_request()
    from django.utils import timezone

    rating = Rating.objects.create(request=req, side="owner", rater=owner.organisation, rated=firm.organisation,
                                   overall="unsatisfied", comment="拖期", created_at=timezone.now(),
                                   quality=1, timeliness=1, attitude=2, fees=2, conduct=1)
    run_threads([lambda: credit_raise_rating_unsatisfied(rating=rating)] * 6)
    assert CreditEvent.objects.filter(cause_key=f"rating:{rating.pk}").count() == 1


def test_sweepers_racing_record_one_default_rating():
    from datetime import timedelta

    from django.utils import timezone

    req, _owner, _firm = completed_request(completed_at=timezone.now() - timedelta(days=20))
    run_threads([lambda: rating_default_record(request_id=req.pk)] * 6)
    assert Rating.objects.filter(request=req).count() == 1
    req.refresh_from_db()
    assert req.status == "rated"
