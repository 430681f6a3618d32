"""After the draw: the owner confirms; a selected firm that declines is replaced by the next
eligible firm of the ranking and sanctioned; never a second draw."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from audit.selectors import chain_records, chain_verify
from bidding.models import Draw
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from credit.models import CreditEvent
from credit.selectors import credit_restriction
from market.lifecycle import request_chain
from market.models import ServiceRequest
from market.services_requests import requests_sweep_due, signup_create
from market.services_results import request_confirm, request_decline
from tests.factories import firm_user, published_request, service_item

pytestmark = pytest.mark.django_db


def _drawn(owner, n: int = 4) -> tuple[ServiceRequest, Draw]:
    item = service_item()
    req = published_request(owner=owner, item=item)
    for _ in range(n):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=2),
                                                    selection_at=now - timedelta(hours=1))
    requests_sweep_due()
    req.refresh_from_db()
    return req, Draw.objects.get(request=req)


def _user_of(org):
    return org.users.first()


def _ranked(the_draw: Draw) -> list:
    from accounts.models import Organisation

    codes = [e["code"] for e in the_draw.record["ranking"]]
    orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes)}
    return [orgs[c] for c in codes]


def test_owner_confirms_the_result_into_publicity(owner):
    req, the_draw = _drawn(owner)
    confirmed = request_confirm(request_id=req.pk, user=owner)
    assert confirmed.status == ServiceRequest.Status.PUBLICITY
    assert confirmed.selected_firm == the_draw.winner
    last = chain_records(chain=request_chain(req)).last()
    assert (last.from_state, last.to_state, last.data["transition"]) == ("awaiting_confirmation", "publicity", "confirm")
    assert Notification.objects.filter(organisation=the_draw.winner, kind="selection_confirmed").exists()


def test_only_the_owner_confirms_and_only_once(owner, firm):
    req, the_draw = _drawn(owner)
    with pytest.raises(NotAllowed):
        request_confirm(request_id=req.pk, user=_user_of(the_draw.winner))
    request_confirm(request_id=req.pk, user=owner)
    with pytest.raises(InvalidState):
        request_confirm(request_id=req.pk, user=owner)


def test_declining_winner_is_replaced_by_the_next_in_the_ranking_and_sanctioned(owner):
    req, the_draw = _drawn(owner)
    ranked = _ranked(the_draw)
    after = request_decline(request_id=req.pk, user=_user_of(ranked[0]), reason="人员调整，无法按期完成")
    assert after.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert after.selected_firm == ranked[1]
    event = CreditEvent.objects.get(organisation=ranked[0], kind="中选后放弃中选资格")
    assert event.sanction == CreditEvent.Sanction.SUSPENSION and event.request_id == req.pk
    assert 180 <= (event.ends_at - event.starts_at).days <= 185
    assert credit_restriction(organisation_id=ranked[0].pk) is not None
    last = chain_records(chain=request_chain(req)).last()
    assert last.data["transition"] == "substitute"
    assert (last.data["declined"], last.data["substitute"]) == (ranked[0].uscc, ranked[1].uscc)
    assert Draw.objects.filter(request=req).count() == 1  # never a second draw
    assert Notification.objects.filter(organisation=ranked[1], kind="selection_selected").exists()
    assert Notification.objects.filter(organisation=req.owner, kind="selection_declined").exists()
    # The substitute is confirmed like the first winner.
    assert request_confirm(request_id=req.pk, user=owner).status == ServiceRequest.Status.PUBLICITY
    assert chain_verify(chain=request_chain(req)).ok


def test_a_substitute_no_longer_eligible_is_skipped_with_the_reason(owner):
    req, the_draw = _drawn(owner)
    ranked = _ranked(the_draw)
    CreditEvent.objects.create(organisation=ranked[1], kind="串通投标", sanction=CreditEvent.Sanction.REMOVAL, points=-60,
                               rule_source="test", region_id="360900", starts_at=timezone.now() - timedelta(minutes=1))
    after = request_decline(request_id=req.pk, user=_user_of(ranked[0]), reason="放弃")
    assert after.selected_firm == ranked[2]
    last = chain_records(chain=request_chain(req)).last()
    assert [s["code"] for s in last.data["skipped"]] == [ranked[1].uscc]
    assert "串通投标" in last.data["skipped"][0]["reason"]


def test_declines_walk_down_the_ranking_and_fail_when_nobody_is_left(owner):
    req, the_draw = _drawn(owner, n=3)
    ranked = _ranked(the_draw)
    request_decline(request_id=req.pk, user=_user_of(ranked[0]), reason="放弃")
    request_confirm(request_id=req.pk, user=owner)  # a firm may decline during publicity too
    request_decline(request_id=req.pk, user=_user_of(ranked[1]), reason="放弃")
    after = request_decline(request_id=req.pk, user=_user_of(ranked[2]), reason="放弃")
    assert after.status == ServiceRequest.Status.FAILED
    assert after.selected_firm is None
    assert "无符合条件的递补机构" in after.closing_reason
    assert CreditEvent.objects.filter(kind="中选后放弃中选资格").count() == 3
    assert Draw.objects.filter(request=req).count() == 1


def test_only_the_selected_firm_may_decline_and_it_needs_a_reason(owner):
    req, the_draw = _drawn(owner)
    ranked = _ranked(the_draw)
    with pytest.raises(NotAllowed):
        request_decline(request_id=req.pk, user=_user_of(ranked[1]), reason="放弃")
    with pytest.raises(NotAllowed):
        request_decline(request_id=req.pk, user=owner, reason="放弃")
    with pytest.raises(ValidationFailed):
        request_decline(request_id=req.pk, user=_user_of(ranked[0]), reason="  ")
    req.refresh_from_db()
    assert req.selected_firm == ranked[0]
    assert not CreditEvent.objects.filter(kind="中选后放弃中选资格").exists()


def test_draw_page_still_shows_the_one_draw_after_a_decline(owner, client):
    req, the_draw = _drawn(owner)
    ranked = _ranked(the_draw)
    request_decline(request_id=req.pk, user=_user_of(ranked[0]), reason="放弃")
    html = client.get(f"/requests/{req.code}/draw/").content.decode()
    assert the_draw.record["seed"] in html and ranked[1].name in html
    assert "递补中选" in html
