"""The owner's pages: drafting, publishing, cancelling and re-publishing requests."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from core.calendar import workday_add, workday_is, workday_shift
from core.rules import rule_int
from market.forms_owner import default_deadlines
from market.models import Invitation, RequestExclusion, ServiceRequest, SignUp
from market.services_requests import request_close_signup
from tests.factories import (
    firm_user,
    owner_user,
    published_request,
    request_draft,
    service_item,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_URL = reverse("market:owner_request_new")
LIST_URL = reverse("market:owner_requests")


def local_input(at: datetime) -> str:
    """A datetime as a datetime-local input sends it (Yichun local time, minutes)."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def form_data(**overrides) -> dict:
    """A valid POST of the draft form (publishable), with `overrides` applied."""
    deadline, selection = default_deadlines(now=timezone.now())
    data = {
        "service_item": service_item().pk,
        "region": "360902",
        "title": "袁州区某道路改造工程环境影响评价",
        "scope": "编制环境影响报告表并协助通过审批。",
        "funding": "fiscal",
        "project_code": "2026-360902-48-01-012345",
        "ceiling": "100000.00",
        "floor": "",
        "method": "draw",
        "signup_deadline": local_input(deadline),
        "selection_at": local_input(selection),
        "service_days": "30",
        "auction_minutes": "10",
        "min_step": "",
        "contact_name": "王五",
        "contact_phone": "0795-3210001",
        "exclusion_reason": "",
        "action": "save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def edit_url(req) -> str:
    return reverse("market:owner_request_edit", kwargs={"code": req.code})


def detail_url(req) -> str:
    return reverse("market:request_detail", kwargs={"code": req.code})


# ---------------------------------------------------------------------------------------
# The draft form


def test_new_form_prefills_region_deadlines_and_shows_the_required_qualification(owner_client, owner):
    response = owner_client.get(NEW_URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["region"].value() == owner.organisation.region_id
    deadline = form["signup_deadline"].value().astimezone(SHANGHAI)
    selection = form["selection_at"].value().astimezone(SHANGHAI)
    earliest = workday_shift(timezone.now(), rule_int("signup_window_workdays"))
    assert deadline.time() == time(17, 0) and deadline >= earliest
    assert workday_is(deadline.date())
    assert selection.time() == time(9, 30) and selection.date() == workday_add(deadline.date(), 1)
    item = service_item()
    html = response.content.decode()
    assert f"资质要求：{item.qualification_type.name}" in html
    assert 'type="datetime-local"' in html
    assert "保存草稿" in html and "保存并发布" in html


def test_default_deadline_moves_to_the_next_workday_when_17_00_would_be_too_early():
    evening = datetime(2026, 12, 1, 18, 30, tzinfo=SHANGHAI)  # Tuesday, after 17:00
    deadline, selection = default_deadlines(now=evening)
    earliest = workday_shift(evening, rule_int("signup_window_workdays"))
    assert deadline >= earliest
    assert deadline.time() == time(17, 0)
    assert deadline.date() == workday_add(earliest.date(), 1)
    assert selection == datetime.combine(workday_add(deadline.date(), 1), time(9, 30), tzinfo=SHANGHAI)


def test_save_draft_stores_every_field_and_the_exclusions(owner_client, owner):
    excluded = firm_user()
    data = form_data(floor="50000.00", method="auction", min_step="600.00", auction_minutes="15",
                     allow_abnormally_low="on", funding="own", exclusions=[excluded.organisation_id],
                     exclusion_reason="与业主存在股权关系")
    response = owner_client.post(NEW_URL, data)
    req = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(req)
    assert req.status == ServiceRequest.Status.DRAFT
    assert req.owner_id == owner.organisation_id and req.created_by_id == owner.pk
    assert (req.region_id, req.funding, req.method) == ("360902", "own", "auction")
    assert (req.ceiling, req.floor, req.min_step) == (Decimal("100000.00"), Decimal("50000.00"), Decimal("600.00"))
    assert (req.auction_minutes, req.allow_abnormally_low, req.service_days) == (15, True, 30)
    assert req.project_code == "2026-360902-48-01-012345"
    assert local_input(req.signup_deadline) == data["signup_deadline"]
    assert list(req.exclusions.values_list("organisation_id", "reason")) == [(excluded.organisation_id, "与业主存在股权关系")]


def test_datetime_inputs_are_read_as_yichun_local_time(owner_client):
    data = form_data(signup_deadline="2027-03-02T17:00", selection_at="2027-03-03T09:30")
    assert owner_client.post(NEW_URL, data).status_code == 302
    req = ServiceRequest.objects.get()
    assert req.signup_deadline == datetime(2027, 3, 2, 17, 0, tzinfo=SHANGHAI)
    assert req.signup_deadline == datetime(2027, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))


def test_exclusions_need_a_reason(owner_client):
    excluded = firm_user()
    response = owner_client.post(NEW_URL, form_data(exclusions=[excluded.organisation_id]))
    assert response.status_code == 400
    assert "选择回避机构时须填写回避理由。" in response.context["form"].errors["exclusion_reason"]
    assert not ServiceRequest.objects.exists()


def test_save_and_publish_publishes_and_invites_qualified_firms(owner_client, django_capture_on_commit_callbacks):
    item = service_item()
    qualified = firm_user(item=item)
    excluded = firm_user(item=item)
    pending = firm_user(item=item, approved=False)
    data = form_data(action="publish", exclusions=[excluded.organisation_id], exclusion_reason="系业主下属单位")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(NEW_URL, data)
    req = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(req)
    assert req.status == ServiceRequest.Status.PUBLISHED
    assert req.draw_commitment and req.publish_count == 1
    invited = set(Invitation.objects.filter(request=req).values_list("organisation_id", flat=True))
    assert qualified.organisation_id in invited
    assert excluded.organisation_id not in invited and pending.organisation_id not in invited


def test_edit_saves_changes_of_the_own_draft(owner_client, owner):
    req = request_draft(owner=owner)
    assert owner_client.get(edit_url(req)).status_code == 200
    data = form_data(title="修改后的项目名称", ceiling="8.80005万")
    response = owner_client.post(edit_url(req), data)
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.title, req.ceiling, req.status) == ("修改后的项目名称", Decimal("88000.50"), "draft")


def test_edit_and_publish_from_the_form(owner_client, owner, django_capture_on_commit_callbacks):
    req = request_draft(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(edit_url(req), form_data(action="publish"))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.PUBLISHED


def test_a_published_request_can_no_longer_be_edited(owner_client, owner):
    req = published_request(owner=owner)
    response = owner_client.get(edit_url(req))
    assert response.status_code == 409
    assert "只有草稿可以修改" in response.content.decode()
    response = owner_client.post(edit_url(req), form_data(title="改名"))
    assert response.status_code == 409
    req.refresh_from_db()
    assert req.title != "改名"


# --- bad input: 400, the Chinese message on its field, nothing written ---------------
# Values that depend on today's date and the calendar are functions, called in the test.


def _past_workday_deadline() -> str:
    day = timezone.localdate() - timedelta(days=1)
    while not workday_is(day):
        day -= timedelta(days=1)
    return local_input(datetime.combine(day, time(17, 0), tzinfo=SHANGHAI))


def _short_window_deadline() -> str:
    # One working day after now: in the future, but shorter than the rule's window.
    return local_input(workday_shift(timezone.now(), 1))


def _selection_before_deadline() -> str:
    deadline, _ = default_deadlines(now=timezone.now())
    return local_input(deadline - timedelta(hours=2))


BAD_INPUT = [
    pytest.param("save", {"ceiling": "0"}, "ceiling", "最高限价必须大于0。", id="ceiling-zero"),
    pytest.param("save", {"ceiling": "-100"}, "ceiling", "最高限价不能为负数。", id="ceiling-negative"),
    pytest.param("save", {"ceiling": "abc"}, "ceiling", "无法识别的最高限价“abc”。请填写金额（元），例如 83000、83,000.00 或 8.3万。",
                 id="ceiling-garbage"),
    pytest.param("save", {"ceiling": "8.3k"}, "ceiling", "最高限价只能用“元”或“万”作单位。", id="ceiling-k"),
    pytest.param("save", {"ceiling": "100.123"}, "ceiling", "最高限价最多保留两位小数（精确到分）。", id="ceiling-three-decimals"),
    pytest.param("save", {"ceiling": "NaN"}, "ceiling", "无法识别的最高限价“NaN”。请填写金额（元），例如 83000、83,000.00 或 8.3万。",
                 id="ceiling-nan"),
    pytest.param("save", {"floor": "100000.00"}, "floor", "最低限价必须大于0且低于最高限价。", id="floor-equals-ceiling"),
    pytest.param("save", {"floor": "150000"}, "floor", "最低限价必须大于0且低于最高限价。", id="floor-above-ceiling"),
    pytest.param("save", {"min_step": "xyz"}, "min_step", "无法识别的最小降价幅度“xyz”。请填写金额（元），例如 83000、83,000.00 或 8.3万。",
                 id="step-garbage"),
    pytest.param("save", {"service_days": "0"}, "service_days", "服务期限至少1天。", id="service-days-zero"),
    pytest.param("save", {"auction_minutes": "500"}, "auction_minutes", "竞价时长应在1至240分钟之间。", id="auction-too-long"),
    pytest.param("save", {"signup_deadline": "明天下午"}, "signup_deadline", "请输入有效的日期和时间，如 2026-03-02 17:00。",
                 id="deadline-garbage"),
    pytest.param("save", {"selection_at": _selection_before_deadline}, "selection_at", "选取时间不得早于报名截止时间。",
                 id="selection-before-deadline"),
    pytest.param("save", {"project_code": "12345"}, "project_code",
                 "投资项目代码格式应为“年份-区划-行业-类别-流水号”，如 2026-360982-48-01-012345。", id="bad-project-code"),
    pytest.param("save", {"funding": "loan"}, "funding", "请选择资金来源。", id="bad-funding"),
    pytest.param("publish", {"ceiling": "-1"}, "ceiling", "最高限价不能为负数。", id="publish-ceiling-negative"),
    pytest.param("publish", {"project_code": "2026-36-48"}, "project_code",
                 "投资项目代码格式应为“年份-区划-行业-类别-流水号”，如 2026-360982-48-01-012345。", id="publish-bad-project-code"),
    pytest.param("publish", {"signup_deadline": _past_workday_deadline}, "signup_deadline",
                 "报名截止时间必须晚于当前时间。", id="publish-deadline-in-the-past"),
    pytest.param("publish", {"signup_deadline": _short_window_deadline, "selection_at": None}, "signup_deadline",
                 "报名期不得少于3个工作日", id="publish-window-too-short"),
    pytest.param("publish", {"signup_deadline": "", "selection_at": ""}, "signup_deadline", "请填写报名截止时间。",
                 id="publish-without-deadline"),
    pytest.param("publish", {"method": "direct"}, "method", "直接选取仅在规定情形下适用", id="publish-method-direct"),
]


@pytest.mark.parametrize(("action", "overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_400_and_nothing_is_written(owner_client, action, overrides, field, message):
    data = form_data(action=action, **{k: v() if callable(v) else v for k, v in overrides.items()})
    if "selection_at" in overrides and overrides["selection_at"] is None:
        # Keep selection after the (shorter) deadline so only the window is wrong.
        deadline = datetime.strptime(data["signup_deadline"], "%Y-%m-%dT%H:%M").replace(tzinfo=SHANGHAI)
        data["selection_at"] = local_input(deadline + timedelta(days=7))
    audit_before = AuditRecord.objects.count()
    response = owner_client.post(NEW_URL, data)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message.split("，")[0] in response.content.decode()
    assert not ServiceRequest.objects.exists()
    assert AuditRecord.objects.count() == audit_before


def test_refused_publish_of_an_existing_draft_keeps_the_stored_draft_unchanged(owner_client, owner):
    req = request_draft(owner=owner, title="原名称")
    response = owner_client.post(edit_url(req), form_data(action="publish", title="新名称", method="direct"))
    assert response.status_code == 400
    req.refresh_from_db()
    assert (req.status, req.title, req.method) == ("draft", "原名称", "draw")


def test_publish_button_publishes_a_valid_draft(owner_client, owner, django_capture_on_commit_callbacks):
    qualified = firm_user()
    req = request_draft(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("market:owner_request_publish", kwargs={"code": req.code}))
    assert response.status_code == 302 and response["Location"] == detail_url(req)
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.PUBLISHED
    assert Invitation.objects.filter(request=req, organisation=qualified.organisation).exists()


def test_publish_button_shows_the_reasons_on_the_form_of_an_invalid_draft(owner_client, owner):
    req = request_draft(owner=owner, method="direct")
    response = owner_client.post(reverse("market:owner_request_publish", kwargs={"code": req.code}))
    assert response.status_code == 400
    assert any("直接选取" in e for e in response.context["form"].errors["method"])
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.DRAFT and req.publish_count == 0


# ---------------------------------------------------------------------------------------
# Another owner's requests


def test_another_owner_can_neither_see_nor_change_a_draft(client, owner):
    req = request_draft(owner=owner, title="别人的草稿")
    intruder = owner_user()
    client.force_login(intruder)
    code = {"code": req.code}
    assert client.get(edit_url(req)).status_code == 404
    assert client.post(edit_url(req), form_data(title="篡改")).status_code == 404
    assert client.post(reverse("market:owner_request_publish", kwargs=code)).status_code == 404
    assert client.get(reverse("market:owner_request_cancel", kwargs=code)).status_code == 404
    assert client.post(reverse("market:owner_request_cancel", kwargs=code), {"reason": "x"}).status_code == 404
    assert client.post(reverse("market:owner_request_republish", kwargs=code)).status_code == 404
    assert "别人的草稿" not in client.get(LIST_URL).content.decode()
    req.refresh_from_db()
    assert (req.status, req.title) == ("draft", "别人的草稿")


def test_other_roles_and_anonymous_users_are_kept_out(client, firm, bureau):
    response = client.get(NEW_URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for user in (firm, bureau):
        client.force_login(user)
        assert client.get(LIST_URL).status_code == 403
        assert client.post(NEW_URL, form_data()).status_code == 403
    assert not ServiceRequest.objects.exists()


# ---------------------------------------------------------------------------------------
# The list


def test_list_shows_every_state_with_current_round_signups_in_constant_queries(owner_client, owner):
    def render_count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = owner_client.get(LIST_URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    request_draft(owner=owner, title="草稿项目")
    published = published_request(owner=owner, title="报名中项目")
    baseline = render_count()
    for _ in range(3):
        other = published_request(owner=owner)
        SignUp.objects.create(request=other, organisation=firm_user().organisation, round=1, user=owner)
    for _ in range(2):
        SignUp.objects.create(request=published, organisation=firm_user().organisation, round=1, user=owner)
    assert render_count() == baseline
    response = owner_client.get(LIST_URL)
    rows = dict((r.code, n) for r, n in response.context["rows"])
    assert len(rows) == 5 and rows[published.code] == 2
    html = response.content.decode()
    assert "草稿项目" in html and "报名中项目" in html
    assert 'class="badge status-published"' in html and 'class="badge status-draft"' in html


# ---------------------------------------------------------------------------------------
# Cancel and re-publish


def test_cancel_needs_a_reason_and_then_cancels(owner_client, owner):
    req = published_request(owner=owner)
    url = reverse("market:owner_request_cancel", kwargs={"code": req.code})
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "取消须说明理由。" in response.content.decode()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.PUBLISHED
    response = owner_client.post(url, {"reason": "项目计划调整"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.closing_reason) == ("cancelled", "项目计划调整")


def _failed_request(owner) -> ServiceRequest:
    req = published_request(owner=owner)
    request_close_signup(request_id=req.pk, now=req.signup_deadline + timedelta(minutes=1))
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED
    return req


def test_republish_is_only_for_failed_requests(owner_client, owner):
    req = request_draft(owner=owner)
    url = reverse("market:owner_request_republish", kwargs={"code": req.code})
    assert owner_client.get(url).status_code == 409
    deadline, selection = default_deadlines(now=timezone.now())
    data = {"signup_deadline": local_input(deadline), "selection_at": local_input(selection)}
    response = owner_client.post(url, data)
    assert response.status_code == 409
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.DRAFT


def test_republish_of_a_failed_request_opens_a_new_round(owner_client, owner, django_capture_on_commit_callbacks):
    req = _failed_request(owner)
    url = reverse("market:owner_request_republish", kwargs={"code": req.code})
    response = owner_client.get(url)
    assert response.status_code == 200 and response.context["form"]["signup_deadline"].value() is not None
    response = owner_client.post(url, {"signup_deadline": _short_window_deadline(),
                                       "selection_at": local_input(timezone.now() + timedelta(days=20))})
    assert response.status_code == 400
    assert any("报名期不得少于" in e for e in response.context["form"].errors["signup_deadline"])
    deadline, selection = default_deadlines(now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        data = {"signup_deadline": local_input(deadline), "selection_at": local_input(selection)}
        response = owner_client.post(url, data)
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.publish_count) == ("published", 2)
    assert local_input(req.signup_deadline) == local_input(deadline)


def test_exclusions_of_an_edited_draft_are_shown_and_replaced(owner_client, owner):
    first, second = firm_user(), firm_user()
    req = request_draft(owner=owner)
    RequestExclusion.objects.create(request=req, organisation=first.organisation, reason="关联关系")
    form = owner_client.get(edit_url(req)).context["form"]
    assert form["exclusions"].value() == [first.organisation_id]
    assert form["exclusion_reason"].value() == "关联关系"
    owner_client.post(edit_url(req), form_data(exclusions=[second.organisation_id], exclusion_reason="新的理由"))
    assert list(req.exclusions.values_list("organisation_id", "reason")) == [(second.organisation_id, "新的理由")]


# ---------------------------------------------------------------------------------------
# Buttons on the request page (htmx)


def test_htmx_publish_answers_with_a_client_redirect_or_the_reasons(owner_client, owner):
    bad = request_draft(owner=owner, method="direct")
    publish = "market:owner_request_publish"
    response = owner_client.post(reverse(publish, kwargs={"code": bad.code}), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert "直接选取仅在规定情形下适用" in html and "<html" not in html
    good = request_draft(owner=owner)
    response = owner_client.post(reverse(publish, kwargs={"code": good.code}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == detail_url(good)


def test_htmx_cancel_without_a_reason_answers_with_the_reason_fragment(owner_client, owner):
    req = request_draft(owner=owner)
    url = reverse("market:owner_request_cancel", kwargs={"code": req.code})
    response = owner_client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "取消须说明理由。" in response.content.decode()
    response = owner_client.post(url, {"reason": "不再需要"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == detail_url(req)
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.CANCELLED
