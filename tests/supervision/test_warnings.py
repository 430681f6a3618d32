"""Warnings on steps that run late: yellow from half of a step's time, red once overdue;
shown to the party at fault, its county bureau and the city, and to nobody else."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from credit.services import credit_appeal_file
from market.models import Entry, OverdueWarning, ServiceRequest
from market.selectors import RED, YELLOW, deadline_level, request_step_clock
from market.services_results import requests_overdue_sweep
from ratings.services import rating_dispute_file, rating_submit_owner
from supervision.selectors_warnings import warnings_for
from tests.factories import bureau_user, firm_user, owner_user, published_request, restriction, service_item
from tests.lifecycle_fixtures import completed_request

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone())  # Beijing, a Tuesday


def at_step(*, region_code: str = "360982", status=S.AWAITING_CONFIRMATION, **fields):
    """A request of a county owner put straight into a step (a read-only fixture: the
    selector only reads the deadlines)."""
    item = service_item()
    owner, firm = owner_user(region_code=region_code), firm_user(item=item)
    req = published_request(owner=owner, item=item)
    ServiceRequest.objects.filter(pk=req.pk).update(status=status, selected_firm=firm.organisation, **fields)
    req.refresh_from_db()
    return req, owner, firm


def levels(user, now):
    return [(w.level, w.step, w.reference) for w in warnings_for(user=user, now=now)]


def test_deadline_level_is_yellow_from_half_time_and_red_after_the_deadline():
    due = T0 + timedelta(days=4)
    assert deadline_level(starts=T0, due=due, now=T0 + timedelta(days=2) - timedelta(seconds=1)) == ""
    assert deadline_level(starts=T0, due=due, now=T0 + timedelta(days=2)) == YELLOW
    assert deadline_level(starts=T0, due=due, now=due) == YELLOW
    assert deadline_level(starts=T0, due=due, now=due + timedelta(seconds=1)) == RED
    # Without a known start only the deadline itself can be told; without a deadline nothing.
    assert deadline_level(starts=None, due=due, now=due - timedelta(seconds=1)) == ""
    assert deadline_level(starts=T0, due=None, now=due) == ""


def test_owner_confirmation_turns_yellow_then_red_for_the_owner_only():
    req, owner, firm = at_step(status_changed_at=T0, confirm_due=T0 + timedelta(days=4))
    assert levels(owner, T0 + timedelta(days=1)) == []
    assert levels(owner, T0 + timedelta(days=2)) == [(YELLOW, "confirm", req.code)]
    assert levels(owner, T0 + timedelta(days=5)) == [(RED, "confirm", req.code)]
    # The firm waits on the owner: not its fault, not its warning.
    assert levels(firm, T0 + timedelta(days=5)) == []
    # Another owner sees nothing of it.
    assert levels(owner_user(region_code="360982"), T0 + timedelta(days=5)) == []
    warning = warnings_for(user=owner, now=T0 + timedelta(days=5))[0]
    assert (warning.label, warning.party_words, warning.organisation) == (
        "业主未按期确认选取结果", "项目业主", owner.organisation)


def test_the_county_bureau_and_the_city_see_a_warning_another_county_does_not():
    req, _owner, _firm = at_step(region_code="360982", status_changed_at=T0, confirm_due=T0 + timedelta(days=4))
    now = T0 + timedelta(days=3)
    assert levels(bureau_user(region_code="360982"), now) == [(YELLOW, "confirm", req.code)]
    assert levels(bureau_user(region_code="360900"), now) == [(YELLOW, "confirm", req.code)]
    assert levels(bureau_user(region_code="360902"), now) == []


def test_service_past_half_is_the_firms_warning_and_the_contract_step_moves_from_owner_to_firm():
    req, owner, firm = at_step(status=S.IN_SERVICE, service_starts_at=T0, service_ends_at=T0 + timedelta(days=30))
    now = T0 + timedelta(days=16)
    assert levels(firm, now) == [(YELLOW, "service", req.code)]
    assert levels(owner, now) == []
    # The contract step: the owner's until it uploads, then the firm's (read from the row).
    contracting = ServiceRequest(status=S.CONTRACTING, owner_id=1, selected_firm_id=2, publicity_ends_at=T0,
                                 contract_due=T0 + timedelta(days=10))
    assert (request_step_clock(contracting).party, request_step_clock(contracting).organisation_id) == ("owner", 1)
    contracting.contract_owner_document_id, contracting.contract_owner_at = 7, T0 + timedelta(days=2)
    clock = request_step_clock(contracting)
    assert (clock.step, clock.party, clock.organisation_id, clock.starts) == ("contract_firm", "firm", 2,
                                                                             T0 + timedelta(days=2))


def test_a_red_step_the_sweep_recorded_carries_its_record_and_a_finished_step_none():
    req, owner, _firm = at_step(status_changed_at=T0, confirm_due=T0 + timedelta(days=4))
    now = T0 + timedelta(days=5)
    requests_overdue_sweep(now=now, request_id=req.pk)
    assert OverdueWarning.objects.filter(request=req).count() == 1
    [warning] = warnings_for(user=owner, now=now)
    assert warning.recorded_at == now
    # Once confirmed the step is over: its record stays (history), its warning goes.
    ServiceRequest.objects.filter(pk=req.pk).update(status=S.PUBLICITY)
    assert warnings_for(user=owner, now=now) == []


def test_the_bureaus_own_steps_warn_in_scope_entries_appeals_disputes():
    now = timezone.now()
    # An entry of a 樟树 firm submitted long ago: overdue for its county and the city.
    late = firm_user(approved=False, region_code="360982")
    entry = Entry.objects.get(organisation=late.organisation)
    entry.submit(at=now - timedelta(days=30))
    entry.save()
    # A credit appeal on an event 樟树 issued, filed just now: not yet half.
    firm = firm_user(region_code="360902")
    event = restriction(firm.organisation, region_code="360982")
    credit_appeal_file(user=firm, event_id=event.pk, reason="该记录有误")
    # A rating dispute of a city request, its answer time more than half used.
    req, owner, rated = completed_request(region_code="360900")
    rating = rating_submit_owner(user=owner, request_id=req.pk, scores={"quality": 1, "timeliness": 2, "attitude": 2,
                                                                       "fees": 1, "conduct": 2},
                                 overall="unsatisfied", comment="拖期")
    dispute = rating_dispute_file(user=rated, rating_id=rating.pk, reason="延期系业主资料迟交")
    type(dispute).objects.filter(pk=dispute.pk).update(filed_at=now - timedelta(days=6),
                                                        answer_due=now + timedelta(days=1))

    county = {(w.level, w.step) for w in warnings_for(user=bureau_user(region_code="360982"), now=now)}
    assert county == {(RED, "entry_review")}
    city = {(w.level, w.step, w.party) for w in warnings_for(user=bureau_user(region_code="360900"), now=now)}
    assert city == {(RED, "entry_review", "bureau"), (YELLOW, "rating_dispute_answer", "bureau")}
    assert warnings_for(user=bureau_user(region_code="360902"), now=now) == []
    # Later the appeal is half through too, and only the county that issued the event sees it.
    later = now + timedelta(days=8)
    assert (YELLOW, "credit_appeal_answer") in {
        (w.level, w.step) for w in warnings_for(user=bureau_user(region_code="360982"), now=later)}
    assert "credit_appeal_answer" not in {
        w.step for w in warnings_for(user=bureau_user(region_code="360902"), now=later)}
    # Parties do not see the bureau's lateness as theirs.
    assert warnings_for(user=rated, now=now) == [] and warnings_for(user=late, now=now) == []


def test_the_page_shows_colour_and_chinese_deadline_to_the_party_and_the_bureau_in_scope(client):
    now = timezone.now()
    req, owner, firm = at_step(status_changed_at=now - timedelta(days=3), confirm_due=now - timedelta(hours=1))
    client.force_login(owner)
    page = client.get(reverse("supervision:warnings")).content.decode()
    assert req.code in page and "红色预警" in page and "业主未按期确认选取结果" in page
    local = timezone.localtime(req.confirm_due)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in page
    assert "confirm_due" not in page and "T0" not in page
    client.force_login(firm)
    assert req.code not in client.get(reverse("supervision:warnings")).content.decode()
    client.force_login(bureau_user(region_code="360982"))
    assert req.code in client.get(reverse("supervision:warnings") + "?level=red").content.decode()
    assert req.code not in client.get(reverse("supervision:warnings") + "?level=yellow").content.decode()
    client.force_login(bureau_user(region_code="360902"))
    assert req.code not in client.get(reverse("supervision:warnings")).content.decode()


def test_the_page_writes_nothing_and_wants_a_login(client):
    now = timezone.now()
    req, owner, _firm = at_step(status_changed_at=now - timedelta(days=3), confirm_due=now - timedelta(hours=1))
    client.force_login(owner)
    assert client.get(reverse("supervision:warnings") + "?level=<script>").status_code == 200
    assert not OverdueWarning.objects.filter(request=req).exists()  # a GET records nothing
    client.logout()
    assert client.get(reverse("supervision:warnings")).status_code == 302


def test_request_lists_show_the_party_its_colour_and_deadline(client):
    now = timezone.now()
    req, owner, firm = at_step(status=S.IN_SERVICE, service_starts_at=now - timedelta(days=20),
                               service_ends_at=now + timedelta(days=10))
    from market.models import SignUp

    SignUp.objects.create(request=req, organisation=firm.organisation, user=firm)
    client.force_login(firm)
    page = client.get("/firm/signups/").content.decode()
    assert "黄色预警：时间已过半" in page
    client.force_login(owner)
    assert "黄色预警" not in client.get("/owner/requests/").content.decode().split("<tbody>")[1]


def test_the_owners_request_list_shows_its_own_late_step(client):
    now = timezone.now()
    req, owner, _firm = at_step(status_changed_at=now - timedelta(days=3), confirm_due=now - timedelta(hours=1))
    client.force_login(owner)
    page = client.get("/owner/requests/").content.decode()
    row = page[page.index(req.code):].split("</tr>")[0]
    local = timezone.localtime(req.confirm_due)
    assert "红色预警：已逾期" in row and f"{local.month}月{local.day}日 {local:%H:%M}" in row
