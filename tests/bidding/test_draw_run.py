"""The random draw at selection time: once, re-checked, verifiable, secret until it runs."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from audit.selectors import chain_records, chain_verify
from bidding import draw as recipe
from bidding.models import Draw
from bidding.services_draw import draw_run, draws_sweep_due
from core.models import Rule
from market.lifecycle import request_chain
from market.models import Qualification, RequestExclusion, ServiceRequest
from market.services_requests import request_refresh, requests_sweep_due, signup_create
from market.tasks import sweep_deadlines
from tests.factories import restriction, firm_user, published_request, service_item

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _selecting(owner, n: int, **overrides) -> ServiceRequest:
    """A draw request with `n` sign-ups, sign-up closed (selecting), selection time still ahead."""
    item = service_item()
    req = published_request(owner=owner, item=item, **overrides)
    for _ in range(n):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=2),
                                                    selection_at=now + timedelta(hours=1))
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.SELECTING
    return req


def _make_due(req: ServiceRequest) -> None:
    ServiceRequest.objects.filter(pk=req.pk).update(selection_at=timezone.now() - timedelta(seconds=1))
    req.refresh_from_db()



def test_due_draw_selects_the_first_of_the_ranking_and_records_it(owner):
    req = _selecting(owner, 4)
    _make_due(req)
    result = draw_run(request_id=req.pk)
    req.refresh_from_db()
    assert result is not None
    assert req.status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert req.selected_firm == result.winner
    assert result.winner.uscc == result.record["ranking"][0]["code"]
    assert len(result.record["pool"]) == 4 and result.record["excluded"] == []
    assert result.round == req.publish_count
    assert (result.seed, result.pool_hash) == (result.record["seed"], result.record["pool_hash"])
    assert result.record["nonce"] == req.draw_nonce
    assert result.record["commitment"] == req.draw_commitment
    last = chain_records(chain=request_chain(req)).last()
    assert (last.from_state, last.to_state) == ("selecting", "awaiting_confirmation")
    assert last.data["transition"] == "select"
    assert last.data["seed"] == result.seed and last.data["pool_hash"] == result.pool_hash
    assert last.data["winner"] == result.winner.uscc
    assert chain_verify(chain=request_chain(req)).ok


def test_the_draw_runs_once_and_a_rerun_returns_the_same_draw(owner):
    req = _selecting(owner, 3)
    _make_due(req)
    first = draw_run(request_id=req.pk)
    again = draw_run(request_id=req.pk, now=timezone.now() + timedelta(days=1))
    assert again.pk == first.pk and again.record == first.record
    requests_sweep_due()
    request_refresh(req)
    assert Draw.objects.filter(request=req).count() == 1
    assert chain_records(chain=request_chain(req)).filter(data__transition="select").count() == 1


def test_the_database_refuses_a_second_draw_of_a_request(owner):
    req = _selecting(owner, 3)
    _make_due(req)
    first = draw_run(request_id=req.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draw.objects.create(request=req, round=first.round, record=first.record, pool_hash=first.pool_hash,
                            seed=first.seed, winner=first.winner, drawn_at=first.drawn_at)


def test_no_draw_before_the_selection_time(owner):
    req = _selecting(owner, 3)
    assert draw_run(request_id=req.pk) is None
    assert draws_sweep_due() == 0
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.SELECTING
    assert not Draw.objects.exists()


def test_auction_requests_are_not_drawn(owner):
    req = _selecting(owner, 3, method="auction")
    _make_due(req)
    assert draw_run(request_id=req.pk) is None
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.SELECTING


def test_registrants_failing_eligibility_at_draw_time_are_excluded_with_the_reason(owner):
    req = _selecting(owner, 6)
    orgs = [s.organisation for s in req.signups.order_by("pk")]
    restricted, expired, conflicted = orgs[0], orgs[1], orgs[2]
    restriction(restricted)  # restricted between sign-up and draw
    Qualification.objects.filter(organisation=expired).update(valid_until=timezone.localdate() - timedelta(days=1))
    RequestExclusion.objects.create(request=req, organisation=conflicted, reason="与项目业主存在隶属关系")
    _make_due(req)
    result = draw_run(request_id=req.pk)
    reasons = {e["code"]: e["reason"] for e in result.record["excluded"]}
    assert set(reasons) == {restricted.uscc, expired.uscc, conflicted.uscc}
    assert "串通投标" in reasons[restricted.uscc] and "不得参与" in reasons[restricted.uscc]
    assert "资质已过期" in reasons[expired.uscc]
    assert "回避" in reasons[conflicted.uscc] and "隶属关系" in reasons[conflicted.uscc]
    assert sorted(result.record["pool"]) == sorted(o.uscc for o in orgs[3:])
    assert result.winner in orgs[3:]
    assert recipe.record_winner(result.record) == result.winner.uscc


def test_too_few_eligible_at_draw_time_fails_the_request(owner):
    req = _selecting(owner, 3)
    restriction(req.signups.first().organisation)
    _make_due(req)
    assert draw_run(request_id=req.pk) is None
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED
    assert "有效报名2家" in req.closing_reason and "流标" in req.closing_reason
    assert req.failure_count == 1
    assert not Draw.objects.filter(request=req).exists()
    last = chain_records(chain=request_chain(req)).last()
    assert (last.from_state, last.to_state, last.data["valid_registrants"]) == ("selecting", "failed", 2)
    # The nonce of a failed round is never revealed; re-publishing commits to a new one.
    assert req.draw_nonce not in json.dumps(last.data)


def test_minimum_at_draw_time_is_the_rule_in_force(owner):
    req = _selecting(owner, 3)
    Rule.objects.filter(key="min_registrants").update(value=4)
    _make_due(req)
    assert draw_run(request_id=req.pk) is None
    req.refresh_from_db()
    assert "少于规定的4家" in req.closing_reason


def test_the_beat_sweep_and_the_lazy_check_run_due_draws(owner):
    swept, read = _selecting(owner, 3), _selecting(owner, 3)
    _make_due(swept)
    _make_due(read)
    assert sweep_deadlines() >= 1
    assert Draw.objects.filter(request__in=[swept, read]).count() == 2
    late = _selecting(owner, 3)
    _make_due(late)
    assert request_refresh(late).status == ServiceRequest.Status.AWAITING_CONFIRMATION
    assert Draw.objects.filter(request=late).exists()


def test_owner_and_winner_are_notified(owner):
    req = _selecting(owner, 3)
    _make_due(req)
    result = draw_run(request_id=req.pk)
    assert Notification.objects.filter(organisation=req.owner, kind="selection_result").count() == 1
    assert Notification.objects.filter(organisation=result.winner, kind="selection_selected").count() == 1


def test_stored_record_verifies_in_python_and_with_the_command_line_tool(owner, client):
    req = _selecting(owner, 5)
    _make_due(req)
    result = draw_run(request_id=req.pk)
    assert all(check.ok for check in recipe.verify_record(result.record))
    body = client.get(f"/api/v1/draws/{req.code}/").content
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "verify_draw.py"), "-"], input=body,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    listing = client.get("/api/v1/draws/").content
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "verify_draw.py"), "--json", "-"], input=listing,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


def test_the_nonce_is_secret_until_the_draw(owner, client, django_user_model):
    req = _selecting(owner, 3)
    nonce = req.draw_nonce
    pages = ["/", f"/requests/{req.code}/", f"/requests/{req.code}/draw/", "/api/v1/draws/",
             f"/api/v1/draws/{req.code}/", "/api/v1/schema/"]
    for viewer in (None, owner, req.signups.first().user):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        for url in pages:
            response = client.get(url)
            assert nonce not in response.content.decode(), url
    assert client.get(f"/api/v1/draws/{req.code}/").status_code == 404
    page = client.get(f"/requests/{req.code}/draw/")
    assert req.draw_commitment in page.content.decode()
    _make_due(req)
    assert nonce in client.get(f"/requests/{req.code}/draw/").content.decode()  # read lazily: drawn now
    assert client.get(f"/api/v1/draws/{req.code}/").json()["nonce"] == nonce


def test_result_page_shows_the_record_and_the_verify_panel(owner, client):
    req = _selecting(owner, 4)
    excluded = req.signups.first().organisation
    restriction(excluded)
    _make_due(req)
    result = draw_run(request_id=req.pk)
    response = client.get(f"/requests/{req.code}/draw/")
    assert response.status_code == 200
    html = response.content.decode()
    for value in (result.record["commitment"], result.record["nonce"], result.record["pool_hash"],
                  result.record["seed"], result.winner.name, excluded.name, excluded.uscc):
        assert value in html
    for entry in result.record["ranking"]:
        assert entry["score"] in html
    assert 'id="draw-record"' in html and 'type="application/json"' in html
    assert "data-draw-verify" in html and 'data-record="draw-record"' in html
    assert "data-verify-button" in html and "data-verify-result" in html
    assert "bidding/js/verify_draw.js" in html
    assert "tools/verify_draw.py" in html and f"/api/v1/draws/{req.code}/" in html
    start = html.index('id="draw-record"')
    script = html[html.index(">", start) + 1: html.index("</script>", start)]
    assert json.loads(script) == result.record


def test_result_page_of_an_unknown_or_non_draw_request_is_404(owner, client):
    assert client.get("/requests/YC20990101-XXXXX/draw/").status_code == 404
    auction = published_request(owner=owner, method="auction")
    assert client.get(f"/requests/{auction.code}/draw/").status_code == 404


def test_verifier_library_and_tool_agree_on_a_tampered_record(owner, client):
    req = _selecting(owner, 3)
    _make_due(req)
    record = dict(draw_run(request_id=req.pk).record)
    record["ranking"] = list(reversed(record["ranking"]))
    assert not all(c.ok for c in recipe.verify_record(record))
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "verify_draw.py"), "-"],
                          input=json.dumps(record).encode(), capture_output=True, timeout=60)
    assert proc.returncode == 1
