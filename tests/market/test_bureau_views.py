"""The bureau's pages (entry review, requests, rules, calendar) and the Django admin."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import document_store
from audit.models import AuditRecord
from core.calendar import workday_is
from core.models import CalendarDay, Rule
from core.rules import RULES, rule_value
from market.models import Entry, Qualification, ServiceRequest, StaffMember
from tests.factories import (
    bureau_user,
    firm_user,
    owner_user,
    published_request,
    request_draft,
)

pytestmark = pytest.mark.django_db

ENTRIES_URL = reverse("market:bureau_entries")
REQUESTS_URL = reverse("market:bureau_requests")
RULES_URL = reverse("market:bureau_rules")
CALENDAR_URL = reverse("market:bureau_calendar")

FENGXIN, WANZAI = "360921", "360922"


def submitted_entry(*, region_code: str, with_documents: bool = False) -> Entry:
    """A firm of `region_code` whose entry waits for review (待审核)."""
    user = firm_user(approved=False, region_code=region_code)
    entry = user.organisation.entry
    if with_documents:
        pdf = SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 licence", content_type="application/pdf")
        entry.licence = document_store(upload=pdf, organisation=user.organisation, user=user)
        scan = SimpleUploadedFile("资质证书.pdf", b"%PDF-1.4 certificate", content_type="application/pdf")
        Qualification.objects.filter(organisation=user.organisation).update(
            scan=document_store(upload=scan, organisation=user.organisation, user=user)
        )
        StaffMember.objects.create(organisation=user.organisation, name="赵六", title="注册环评工程师", cert_no="HP-001")
    entry.submit(at=timezone.now())
    entry.save()
    return entry


def entry_url(entry: Entry) -> str:
    return reverse("market:bureau_entry", kwargs={"pk": entry.pk})


# ---------------------------------------------------------------------------------------
# Entries


def test_entry_list_shows_pending_entries_of_the_officers_county_only(client):
    own = submitted_entry(region_code=FENGXIN)
    other = submitted_entry(region_code=WANZAI)
    client.force_login(bureau_user(region_code=FENGXIN))
    response = client.get(ENTRIES_URL)
    assert response.status_code == 200
    shown = {entry.pk for entry in response.context["page"]}
    assert shown == {own.pk}
    client.force_login(bureau_user())  # city staff
    shown = {entry.pk for entry in client.get(ENTRIES_URL).context["page"]}
    assert {own.pk, other.pk} <= shown


def test_entry_list_filters_by_status_in_constant_queries(client):
    client.force_login(bureau_user())
    pending = submitted_entry(region_code=FENGXIN)
    approved = firm_user().organisation.entry

    def page(query: dict) -> tuple[set[int], int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ENTRIES_URL, query)
        assert response.status_code == 200
        return {e.pk for e in response.context["page"]}, len(ctx.captured_queries)

    default, queries = page({})
    assert pending.pk in default and approved.pk not in default
    assert approved.pk in page({"status": "approved"})[0]
    assert {pending.pk, approved.pk} <= page({"status": "all"})[0]
    for _ in range(4):
        submitted_entry(region_code=WANZAI)
    assert page({})[1] == queries


def test_entry_page_shows_documents_staff_and_the_audit_chain(client):
    entry = submitted_entry(region_code=FENGXIN, with_documents=True)
    client.force_login(bureau_user(region_code=FENGXIN))
    response = client.get(entry_url(entry))
    assert response.status_code == 200
    html = response.content.decode()
    assert entry.organisation.name in html and entry.organisation.uscc in html
    assert f'href="/documents/{entry.licence_id}/"' in html
    scan_id = entry.organisation.qualifications.get().scan_id
    assert f'href="/documents/{scan_id}/"' in html
    assert "赵六" in html
    assert "通过" in html and "退回" in html


def test_approving_an_entry_without_its_scans_warns_first(client):
    entry = submitted_entry(region_code=FENGXIN)  # no licence, no scans
    client.force_login(bureau_user(region_code=FENGXIN))
    html = client.get(entry_url(entry)).content.decode()
    assert 'id="missing-scans"' in html and "营业执照扫描件" in html and 'data-confirm="仍予通过"' in html
    response = client.post(entry_url(entry), {"decision": "approve"})
    assert response.status_code == 400 and "仍予通过" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SUBMITTED
    assert client.post(entry_url(entry), {"decision": "approve", "confirm_missing": "1"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == Entry.Status.APPROVED


def test_county_staff_cannot_see_or_review_another_countys_entry(client):
    entry = submitted_entry(region_code=WANZAI)
    client.force_login(bureau_user(region_code=FENGXIN))
    assert client.get(entry_url(entry)).status_code == 404
    assert client.post(entry_url(entry), {"decision": "approve"}).status_code == 404
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SUBMITTED


def test_city_staff_review_any_countys_entry(client):
    entry = submitted_entry(region_code=WANZAI, with_documents=True)
    officer = bureau_user()
    client.force_login(officer)
    assert client.get(entry_url(entry)).status_code == 200
    response = client.post(entry_url(entry), {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == ENTRIES_URL
    entry.refresh_from_db()
    assert (entry.status, entry.reviewed_by_id) == (Entry.Status.APPROVED, officer.pk)
    records = AuditRecord.objects.filter(chain=f"entry:{entry.organisation_id}").order_by("-seq")
    assert records[0].to_state == Entry.Status.APPROVED


def test_county_staff_review_their_own_countys_entry(client):
    entry = submitted_entry(region_code=FENGXIN, with_documents=True)
    client.force_login(bureau_user(region_code=FENGXIN))
    assert client.post(entry_url(entry), {"decision": "approve"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == Entry.Status.APPROVED


def test_returning_an_entry_needs_a_reason(client):
    entry = submitted_entry(region_code=FENGXIN)
    client.force_login(bureau_user())
    response = client.post(entry_url(entry), {"decision": "return", "reason": " "})
    assert response.status_code == 400
    assert "退回须说明理由。" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SUBMITTED
    response = client.post(entry_url(entry), {"decision": "return", "reason": "营业执照扫描件不清晰"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.return_reason) == (Entry.Status.RETURNED, "营业执照扫描件不清晰")


def test_reviewing_an_entry_twice_is_a_clear_conflict(client):
    entry = submitted_entry(region_code=FENGXIN)
    client.force_login(bureau_user())
    client.post(entry_url(entry), {"decision": "approve", "confirm_missing": "1"})
    response = client.post(entry_url(entry), {"decision": "return", "reason": "再次审核"})
    assert response.status_code == 409
    assert "不在待审核状态" in response.content.decode()


def test_bureau_pages_refuse_other_roles(client):
    for user in (owner_user(), firm_user()):
        client.force_login(user)
        for url in (ENTRIES_URL, REQUESTS_URL, RULES_URL, CALENDAR_URL):
            assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------------------
# Requests


def test_request_list_searches_by_title_code_and_owner_and_formats_amounts(client):
    first = published_request(title="袁州区某学校扩建工程环境影响评价")
    second = published_request(title="樟树市某道路工程安全评价")
    client.force_login(bureau_user())
    page = lambda **q: {r.pk for r in client.get(REQUESTS_URL, q).context["page"]}  # noqa: E731
    assert page(q="学校扩建") == {first.pk}
    assert page(q=second.code) == {second.pk}
    assert page(q=first.owner.name) == {first.pk}
    assert first.pk in page(service_item=first.service_item.code)
    html = client.get(REQUESTS_URL).content.decode()
    assert "100,000.00" in html and 'type="search"' in html


def test_request_list_is_scoped_filtered_and_constant_in_queries(client):
    own_owner, other_owner = owner_user(region_code=FENGXIN), owner_user(region_code=WANZAI)
    own = published_request(owner=own_owner)
    own_auction = request_draft(owner=own_owner, method="auction")
    other = published_request(owner=other_owner)

    client.force_login(bureau_user(region_code=FENGXIN))
    response = client.get(REQUESTS_URL)
    assert response.status_code == 200
    assert {r.pk for r in response.context["page"]} == {own.pk, own_auction.pk}
    assert f'/requests/{own.code}/' in response.content.decode()
    assert {r.pk for r in client.get(REQUESTS_URL, {"method": "auction"}).context["page"]} == {own_auction.pk}
    assert {r.pk for r in client.get(REQUESTS_URL, {"status": "published"}).context["page"]} == {own.pk}
    # A county officer cannot widen the scope through the region filter.
    assert {r.pk for r in client.get(REQUESTS_URL, {"region": WANZAI}).context["page"]} == {own.pk, own_auction.pk}
    assert {r.pk for r in client.get(REQUESTS_URL, {"region": WANZAI, "method": "draw"}).context["page"]} == {own.pk}

    client.force_login(bureau_user())
    assert {r.pk for r in client.get(REQUESTS_URL, {"region": WANZAI}).context["page"]} == {other.pk}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(REQUESTS_URL).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(3):
        published_request(owner=owner_user(region_code=WANZAI))
    assert count() == before


# ---------------------------------------------------------------------------------------
# Rules


def test_rules_page_lists_every_rule_with_its_value_and_source(client):
    client.force_login(bureau_user(region_code=FENGXIN))
    response = client.get(RULES_URL)
    assert response.status_code == 200
    keys = [row["key"] for row in response.context["rows"]]
    assert keys == list(RULES)
    html = response.content.decode()
    for default in RULES.values():
        assert default.label in html
    assert response.context["can_edit"] is False
    assert 'name="value"' not in html
    assert "<strong>10</strong>" in html and "E+" not in html  # contract_days = 10, written plainly
    for key, default in RULES.items():  # the Chinese name and the source, never the key
        assert key not in html.replace(f'id="rule-{key}"', "").replace(f"#rule-{key}", "").replace(f"id_{key}_", "")
        assert default.source.split("\n")[0][:20] in html


def test_a_rule_change_needs_a_reason(client):
    client.force_login(bureau_user())
    response = client.post(RULES_URL, {"key": "signup_window_workdays", "value": "5", "reason": ""})
    assert response.status_code == 400 and "请写明修改理由" in response.content.decode()
    assert rule_value("signup_window_workdays") == Decimal(3)


def test_city_staff_change_a_rule(client):
    officer = bureau_user()
    client.force_login(officer)
    response = client.post(RULES_URL, {"key": "signup_window_workdays", "value": "5", "reason": "市局第3次会议纪要"})
    assert response.status_code == 302
    assert rule_value("signup_window_workdays") == Decimal(5)
    html = client.get(RULES_URL).content.decode()
    assert str(officer) in html
    history = client.get(RULES_URL).context["history"]
    assert (history[0]["old"], history[0]["new"], history[0]["reason"]) == ("3", "5", "市局第3次会议纪要")
    assert "市局第3次会议纪要" in html


def test_county_staff_cannot_change_a_rule(client):
    client.force_login(bureau_user(region_code=FENGXIN))
    response = client.post(RULES_URL, {"key": "signup_window_workdays", "value": "5", "reason": "试图修改"})
    assert response.status_code == 403
    assert "只能由市行政审批局修改" in response.content.decode()
    assert rule_value("signup_window_workdays") == Decimal(3)


@pytest.mark.parametrize(("value", "message"), [
    ("0", "不得低于 1 工作日"),
    ("-3", "不得低于 1 工作日"),
    ("2.5", "须为整数"),
    ("abc", "请输入有效的数值。"),
])
def test_a_bad_rule_value_is_refused(client, value, message):
    client.force_login(bureau_user())
    response = client.post(RULES_URL, {"key": "signup_window_workdays", "value": value, "reason": "调整"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert rule_value("signup_window_workdays") == Decimal(3)


# ---------------------------------------------------------------------------------------
# Calendar


def test_calendar_edit_changes_the_working_days(client):
    client.force_login(bureau_user())
    day = date(2027, 2, 8)  # a Monday of a year the library does not know
    assert workday_is(day) is True
    response = client.post(CALENDAR_URL, {"action": "set", "date": "2027-02-08", "is_workday": "0", "note": "春节"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2027")
    assert workday_is(day) is False
    response = client.get(CALENDAR_URL, {"year": 2027})
    assert response.status_code == 200 and "春节" in response.content.decode()
    assert response.context["library_knows_year"] is False
    client.post(CALENDAR_URL, {"action": "set", "date": "2027-02-08", "is_workday": "1", "note": "调休上班"})
    assert workday_is(day) is True
    assert CalendarDay.objects.get(date=day).note == "调休上班"
    response = client.post(CALENDAR_URL, {"action": "clear", "date": "2027-02-08"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert workday_is(day) is True


def test_calendar_refuses_bad_input_and_county_staff(client):
    client.force_login(bureau_user())
    response = client.post(CALENDAR_URL, {"action": "set", "date": "2027-13-40", "is_workday": "0"})
    assert response.status_code == 400
    assert "请输入有效的日期" in response.content.decode()
    client.force_login(bureau_user(region_code=FENGXIN))
    assert client.get(CALENDAR_URL).status_code == 200
    response = client.post(CALENDAR_URL, {"action": "set", "date": "2027-02-08", "is_workday": "0", "note": "春节"})
    assert response.status_code == 403
    assert "只能由市行政审批局修改" in response.content.decode()
    assert not CalendarDay.objects.exists()


# ---------------------------------------------------------------------------------------
# Django admin


@pytest.fixture
def superuser_client(client):
    user = User.objects.create_superuser("root", "root@example.com", "pass-Word-123")
    client.force_login(user)
    return client


def test_every_admin_changelist_and_change_page_loads(superuser_client):
    entry = submitted_entry(region_code=FENGXIN, with_documents=True)
    req = published_request()
    Rule.objects.filter(key="min_registrants").update(value=Decimal(3))
    CalendarDay.objects.create(date=date(2027, 2, 8), is_workday=False, note="春节")
    assert entry.pk and req.pk
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert superuser_client.get(url).status_code == 200, url
    for name in ("accounts_region", "accounts_organisation", "accounts_user", "market_serviceitem",
                 "market_qualificationtype"):
        assert superuser_client.get(reverse(f"admin:{name}_add")).status_code == 200, name
    html = superuser_client.get(reverse("admin:index")).content.decode()
    assert "宜春市网上中介服务超市" in html and 'href="/"' in html


def test_admin_keeps_workflow_data_read_only(superuser_client):
    req = published_request()
    record = AuditRecord.objects.filter(chain=f"request:{req.code}").first()
    for model in (AuditRecord, ServiceRequest, Entry, Rule, CalendarDay):
        meta = model._meta
        assert superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
    url = reverse("admin:audit_auditrecord_delete", args=[record.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    url = reverse("admin:market_servicerequest_change", args=[req.pk])
    response = superuser_client.post(url, {"title": "篡改"})
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.title != "篡改"
    assert req.draw_nonce not in superuser_client.get(url).content.decode()
