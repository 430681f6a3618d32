"""Ratings: owner and firm ratings, the default 满意, disputes and the sector rating."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.selectors import chain_records, chain_verify
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from credit.models import CreditEvent, CreditScore
from credit.selectors import credit_score_compute
from market.lifecycle import request_chain
from market.models import ServiceRequest
from ratings.models import Rating, RatingDispute, SectorRating
from ratings.services import (
    rating_default_record,
    rating_dispute_answer,
    rating_dispute_file,
    rating_refresh,
    rating_submit_firm,
    rating_submit_owner,
    sector_rating_submit,
)
from ratings.tasks import ratings_sweep
from tests.factories import bureau_user, owner_user
from tests.lifecycle_fixtures import completed_request

pytestmark = pytest.mark.django_db

GOOD = {"quality": 5, "timeliness": 4, "attitude": 5, "fees": 4, "conduct": 5}
BAD = {"quality": 1, "timeliness": 2, "attitude": 2, "fees": 1, "conduct": 2}
FIRM_SIDE = {"cooperation": 5, "payment": 3, "clarity": 4}


def test_owner_rates_five_dimensions_and_the_request_moves_to_rated():
    req, owner, firm = completed_request()
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores=GOOD, overall="satisfied", comment="报告质量高")
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.RATED
    assert rating.rated == firm.organisation and not rating.is_default
    assert [s for _l, s in rating.dimension_scores()] == [5, 4, 5, 4, 5]
    kinds = [r.kind for r in chain_records(chain=request_chain(req))]
    assert "rating" in kinds and chain_verify(chain=request_chain(req)).ok
    score = CreditScore.objects.get(organisation=firm.organisation)
    assert score.rating_count == 1 and score.quality_avg == 5 and score.timeliness_avg == 4
    assert not CreditEvent.objects.filter(organisation=firm.organisation).exists()


def test_scores_outside_one_to_five_are_refused_by_service_and_database():
    req, owner, _firm = completed_request()
    with pytest.raises(ValidationFailed) as err:
        rating_submit_owner(user=owner, request_id=req.pk, scores={**GOOD, "fees": 6}, overall="satisfied")
    assert "fees" in err.value.errors
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(request=req, side="owner", rater=req.owner, rated=req.selected_firm, overall="satisfied",
                              created_at=timezone.now(), **{**GOOD, "quality": 0})


def test_one_rating_per_request_and_side():
    req, owner, firm = completed_request()
    rating_submit_owner(user=owner, request_id=req.pk, scores=GOOD, overall="satisfied")
    with pytest.raises(InvalidState):
        rating_submit_owner(user=owner, request_id=req.pk, scores=GOOD, overall="satisfied")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(request=req, side="owner", rater=req.owner, rated=req.selected_firm, overall="basic",
                              created_at=timezone.now(), **GOOD)


def test_only_the_owner_rates_and_only_once_completed(owner):
    req, real_owner, firm = completed_request()
    with pytest.raises(NotAllowed):
        rating_submit_owner(user=owner_user(), request_id=req.pk, scores=GOOD, overall="satisfied")
    ServiceRequest.objects.filter(pk=req.pk).update(status="in_service")  # fixture only
    with pytest.raises(InvalidState):
        rating_submit_owner(user=real_owner, request_id=req.pk, scores=GOOD, overall="satisfied")


def test_unsatisfied_raises_one_credit_event_and_needs_a_reason():
    req, owner, firm = completed_request()
    with pytest.raises(ValidationFailed):
        rating_submit_owner(user=owner, request_id=req.pk, scores=BAD, overall="unsatisfied", comment=" ")
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores=BAD, overall="unsatisfied", comment="严重拖期")
    event = CreditEvent.objects.get(organisation=firm.organisation)
    assert event.kind_code == "rating_unsatisfied" and event.cause_key == f"rating:{rating.pk}"
    assert event.points < 0 and "严重拖期" in event.description


def test_after_the_period_a_default_satisfied_is_recorded_by_the_sweep_never_raising_an_event():
    req, owner, firm = completed_request(completed_at=timezone.now() - timedelta(days=16))
    assert ratings_sweep() >= 1
    rating = Rating.objects.get(request=req, side="owner")
    assert rating.is_default and rating.overall == "satisfied" and rating.quality is None
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.RATED
    assert not CreditEvent.objects.filter(organisation=firm.organisation).exists()
    assert rating_default_record(request_id=req.pk) is None  # once
    score = CreditScore.objects.get(organisation=firm.organisation)
    assert (score.rating_count, score.default_count) == (0, 1)
    with pytest.raises(InvalidState):
        rating_submit_owner(user=owner, request_id=req.pk, scores=GOOD, overall="satisfied")


def test_inside_the_period_no_default_and_the_lazy_check_records_it_after():
    req, owner, firm = completed_request(completed_at=timezone.now() - timedelta(days=14))
    ratings_sweep()
    assert not Rating.objects.filter(request=req).exists()
    ServiceRequest.objects.filter(pk=req.pk).update(status_changed_at=timezone.now() - timedelta(days=17))
    req.refresh_from_db()
    rating_refresh(req)
    assert req.status == ServiceRequest.Status.RATED
    assert Rating.objects.get(request=req).is_default


def test_late_owner_rating_is_refused_and_default_recorded():
    req, owner, firm = completed_request(completed_at=timezone.now() - timedelta(days=20))
    with pytest.raises(InvalidState) as err:
        rating_submit_owner(user=owner, request_id=req.pk, scores=BAD, overall="unsatisfied", comment="差")
    assert "默认" in err.value.message
    assert Rating.objects.get(request=req).is_default


def test_firm_rates_the_owner_once():
    req, owner, firm = completed_request()
    rating = rating_submit_firm(user=firm, request_id=req.pk, scores=FIRM_SIDE, overall="basic", comment="付款稍慢")
    assert rating.rated == owner.organisation and rating.payment == 3
    with pytest.raises(InvalidState):
        rating_submit_firm(user=firm, request_id=req.pk, scores=FIRM_SIDE, overall="basic")
    with pytest.raises(NotAllowed):
        rating_submit_firm(user=owner, request_id=req.pk, scores=FIRM_SIDE, overall="basic")


def test_dispute_once_inside_ten_working_days_and_the_rating_counts_meanwhile():
    req, owner, firm = completed_request()
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores=BAD, overall="unsatisfied", comment="拖期")
    with pytest.raises(NotAllowed):
        rating_dispute_file(user=owner, rating_id=rating.pk, reason="x")
    rating_dispute_file(user=firm, rating_id=rating.pk, reason="延期系业主资料迟交")
    rating.refresh_from_db()
    assert rating.status == Rating.Status.DISPUTED
    assert credit_score_compute(organisation_id=firm.organisation_id).rating_count == 1  # still counts
    with pytest.raises(InvalidState):
        rating_dispute_file(user=firm, rating_id=rating.pk, reason="再次")


def test_dispute_after_the_period_is_refused():
    req, owner, firm = completed_request()
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores=GOOD, overall="basic", comment="一般")
    Rating.objects.filter(pk=rating.pk).update(created_at=timezone.now() - timedelta(days=30))
    with pytest.raises(InvalidState):
        rating_dispute_file(user=firm, rating_id=rating.pk, reason="不服")


def test_bureau_voids_a_disputed_rating_which_stays_visible_and_revokes_its_event():
    req, owner, firm = completed_request(region_code="360982")
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores=BAD, overall="unsatisfied", comment="拖期")
    rating_dispute_file(user=firm, rating_id=rating.pk, reason="延期系业主资料迟交")
    with pytest.raises(NotAllowed):
        rating_dispute_answer(user=bureau_user(region_code="360921"), rating_id=rating.pk, keep=False, answer="x")
    with pytest.raises(ValidationFailed):
        rating_dispute_answer(user=bureau_user(region_code="360982"), rating_id=rating.pk, keep=False, answer=" ")
    dispute = rating_dispute_answer(user=bureau_user(region_code="360982"), rating_id=rating.pk, keep=False,
                                    answer="经核实，延期原因在业主，评价作废。")
    rating.refresh_from_db()
    assert rating.status == Rating.Status.VOIDED and dispute.status == RatingDispute.Status.UPHELD
    assert Rating.objects.filter(pk=rating.pk).exists()  # nothing silently dropped
    event = CreditEvent.objects.get(cause_key=f"rating:{rating.pk}")
    assert event.status == CreditEvent.Status.REVOKED and "作废" in event.status_reason
    b = credit_score_compute(organisation_id=firm.organisation_id)
    assert (b.rating_count, b.voided_count) == (0, 1)
    assert chain_verify(chain=request_chain(req)).ok


def test_bureau_keeps_a_disputed_rating():
    req, owner, firm = completed_request()
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores=GOOD, overall="basic", comment="一般")
    rating_dispute_file(user=firm, rating_id=rating.pk, reason="不服")
    rating_dispute_answer(user=bureau_user(), rating_id=rating.pk, keep=True, answer="评价有据，维持。")
    rating.refresh_from_db()
    assert rating.status == Rating.Status.KEPT
    with pytest.raises(InvalidState):
        rating_dispute_answer(user=bureau_user(), rating_id=rating.pk, keep=False, answer="再议")


def test_sector_rating_is_a_third_source_of_the_score():
    req, owner, firm = completed_request()
    before = credit_score_compute(organisation_id=firm.organisation_id)
    sector_rating_submit(user=bureau_user(), request_id=req.pk, quality=2, comment="成果深度不足")
    after = credit_score_compute(organisation_id=firm.organisation_id)
    assert before.sector_part == 80 and after.sector_part == 40 and after.score < before.score
    with pytest.raises(InvalidState):
        sector_rating_submit(user=bureau_user(), request_id=req.pk, quality=5, comment="再评")
    with pytest.raises(IntegrityError), transaction.atomic():
        SectorRating.objects.create(request=req, firm=firm.organisation, bureau=owner.organisation, by=owner,
                                    quality=9, comment="x", created_at=timezone.now())
