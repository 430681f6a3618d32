"""The to-do list (待办): the bureau's holds every kind of work waiting on it, each with its
due date, in the officer's scope; items that are not about a request; colours for the
party at fault only."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Document
from credit.services import credit_appeal_file
from market.extensions import TodoItem
from market.models import Entry, Objection, ServiceRequest, TerminationRequest
from market.selectors import RED, YELLOW, entry_review_due, todo_for
from ratings.services import rating_dispute_file, rating_submit_owner
from tests.factories import bureau_user, firm_user, owner_user, published_request, restriction, service_item
from tests.lifecycle_fixtures import completed_request

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone())
BAD = {"quality": 1, "timeliness": 2, "attitude": 2, "fees": 1, "conduct": 2}


def document(org, user) -> Document:
    return Document.objects.create(file="documents/x.pdf", original_name="证据.pdf", size=10, sha256="0" * 64,
                                   organisation=org, uploaded_by=user)


def at_step(region_code: str, status, **fields):
    item = service_item()
    owner, firm = owner_user(region_code=region_code), firm_user(item=item)
    req = published_request(owner=owner, item=item)
    ServiceRequest.objects.filter(pk=req.pk).update(status=status, selected_firm=firm.organisation, **fields)
    req.refresh_from_db()
    return req, owner, firm


def county_work(region_code: str = "360982"):
    """One of each kind of work waiting on the bureau of `region_code`."""
    now = timezone.now()
    objected, owner, firm = at_step(region_code, S.PUBLICITY)
    objector = firm_user()
    objection = Objection.objects.create(
        request=objected, objector=objector.organisation, against=firm.organisation, reason="理由",
        attachment=document(objector.organisation, objector), filed_by=objector, filed_at=now,
        answer_due=now + timedelta(days=5))
    serving, owner2, _ = at_step(region_code, S.IN_SERVICE)
    termination = TerminationRequest.objects.create(
        request=serving, reason="违约", evidence=document(owner2.organisation, owner2), filed_by=owner2, filed_at=now,
        answer_due=now + timedelta(days=6))
    applicant = firm_user(approved=False, region_code=region_code)
    entry = Entry.objects.get(organisation=applicant.organisation)
    entry.submit(at=now)
    entry.save()
    appellant = firm_user(region_code="360902")
    appeal = credit_appeal_file(user=appellant, event_id=restriction(appellant.organisation,
                                                                      region_code=region_code).pk, reason="有误")
    rated_req, rater, rated = completed_request(region_code=region_code)
    rating = rating_submit_owner(user=rater, request_id=rated_req.pk, scores=BAD, overall="unsatisfied", comment="拖期")
    dispute = rating_dispute_file(user=rated, rating_id=rating.pk, reason="延期系业主资料迟交")
    return {
        "objection": (objection.answer_due, objected.code),
        "termination": (termination.answer_due, serving.code),
        "entry": (entry_review_due(entry), applicant.organisation.uscc),
        "appeal": (appeal.answer_due, appellant.organisation.uscc),
        "dispute": (dispute.answer_due, rated_req.code),
    }


def kinds(items):
    words = {"质疑": "objection", "终止合同": "termination", "入驻": "entry", "信用申诉": "appeal", "评价异议": "dispute"}
    return {next(k for w, k in words.items() if w in i.action): (i.due, i.code) for i in items}


def test_the_bureaus_todo_holds_each_kind_with_its_due_date_in_its_scope():
    expected = county_work("360982")
    assert kinds(todo_for(user=bureau_user(region_code="360982"))) == expected
    assert kinds(todo_for(user=bureau_user(region_code="360900"))) == expected
    assert todo_for(user=bureau_user(region_code="360902")) == []


def test_the_bureaus_items_link_to_their_pages_and_name_what_they_concern(client):
    county_work("360982")
    officer = bureau_user(region_code="360982")
    items = {i.action: i for i in todo_for(user=officer)}
    entry = items["审核入驻申请"]
    assert entry.request is None and entry.url.startswith("/bureau/entries/") and "测试中介机构" in entry.title
    appeal = items["答复信用申诉"]
    assert appeal.request is None and appeal.url.startswith("/bureau/credit/events/")
    client.force_login(officer)
    page = client.get(reverse("market:todo")).content.decode()
    assert "审核入驻申请" in page and entry.code in page and entry.url in page and "答复信用申诉" in page


def test_an_item_turns_yellow_at_half_time_and_red_when_overdue_for_the_party_at_fault_only():
    req, owner, firm = at_step("360900", S.AWAITING_CONFIRMATION, status_changed_at=T0,
                               confirm_due=T0 + timedelta(days=4))
    assert [i.level for i in todo_for(user=owner, now=T0 + timedelta(days=1))] == [""]
    assert [i.level for i in todo_for(user=owner, now=T0 + timedelta(days=2))] == [YELLOW]
    assert [i.level for i in todo_for(user=owner, now=T0 + timedelta(days=5))] == [RED]
    # The firm waits on the owner's confirmation: overdue, but not its fault.
    [waiting] = todo_for(user=firm, now=T0 + timedelta(days=5))
    assert waiting.overdue and waiting.level == ""


def test_the_page_shows_the_colour_with_the_deadline_in_chinese(client):
    now = timezone.now()
    req, owner, _firm = at_step("360900", S.AWAITING_CONFIRMATION, status_changed_at=now - timedelta(days=2),
                                confirm_due=now + timedelta(days=1))
    client.force_login(owner)
    page = client.get(reverse("market:todo")).content.decode()
    local = timezone.localtime(req.confirm_due)
    assert "黄色预警：时间已过半" in page and f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in page


def test_a_provider_item_keeps_working_positionally_and_a_bureau_item_needs_no_request():
    req = published_request()
    item = TodoItem(req, "在报名机构中直接选取", None, False)
    assert (item.title, item.code, item.url, item.level) == (req.title, req.code, "", None)
    other = TodoItem(None, "审核入驻申请", T0, False, url="/bureau/entries/1/", subject="某公司", reference="9136")
    assert (other.title, other.code) == ("某公司", "9136")
