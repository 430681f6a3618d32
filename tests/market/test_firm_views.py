"""Intermediary pages: registration, the entry application, invitations and sign-ups."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Document, Organisation, User
from accounts.services import document_store
from core.models import Rule
from market.models import (
    Entry,
    Invitation,
    Qualification,
    QualificationType,
    StaffMember,
)
from market.services import (
    entry_review,
    entry_save,
    entry_submit,
    qualification_add,
    staff_add,
)
from market.services_requests import invitations_push, signup_create
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    firm_user,
    make_uscc,
    published_request,
    service_item,
)

pytestmark = pytest.mark.django_db

ENTRY_URL = "/entry/"
QUAL_URL = "/entry/qualifications/"
STAFF_URL = "/entry/staff/"
SUBMIT_URL = "/entry/submit/"


def pdf(name: str = "licence.pdf", size: int = 4096) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * size, content_type="application/pdf")


def new_firm_user(**kwargs) -> User:
    """An intermediary account that has not filled in its entry application yet."""
    org = OrganisationFactory(kind=Organisation.Kind.INTERMEDIARY, name="新注册（待完善）")
    return UserFactory(organisation=org, **kwargs)


def entry_data(**overrides) -> dict:
    data = {
        "name": "江西赣环环境科技有限公司",
        "uscc": make_uscc(),
        "legal_rep": "刘建国",
        "contact_name": "陈敏",
        "phone": "0795-3456789",
        "email": "contact@ganhuan.example.com",
        "address": "宜春市袁州区宜阳大道100号",
        "region": "360902",
        "business_scope": "环境影响评价；环境监测；环保技术咨询。",
    }
    data.update(overrides)
    return data


def qtype_with_grades() -> QualificationType:
    return QualificationType.objects.exclude(grades=[]).order_by("code").first()


def qual_data(qtype: QualificationType, **overrides) -> dict:
    data = {
        "q-qualification_type": str(qtype.pk),
        "q-grade": qtype.grades[-1] if qtype.grades else "",
        "q-cert_no": "ZZ-2025-0001",
        "q-valid_until": (timezone.localdate() + timedelta(days=400)).isoformat(),
        "q-scan": pdf("资质证书.pdf"),
    }
    data.update(overrides)
    return data


def saved_entry(user: User) -> Entry:
    data = entry_data()
    return entry_save(
        user=user, name=data["name"], uscc=data["uscc"], legal_rep=data["legal_rep"],
        contact_name=data["contact_name"], phone=data["phone"], email=data["email"], address=data["address"],
        business_scope=data["business_scope"], region_code=data["region"],
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def newcomer(client):
    user = new_firm_user()
    client.force_login(user)
    return user


# ---------------------------------------------------------------------------------------
# Registration


def test_register_creates_firm_account_and_logs_in(client):
    response = client.post("/register/", {
        "username": "ganhuan", "display_name": "陈敏", "email": "chen@example.com",
        "password": "Yichun-2026-safe", "password2": "Yichun-2026-safe",
    })
    assert response.status_code == 302 and response["Location"] == ENTRY_URL
    user = User.objects.get(username="ganhuan")
    assert user.organisation.kind == Organisation.Kind.INTERMEDIARY
    assert user.organisation.name == "陈敏（待完善）" and user.organisation.region_id == "360900"
    assert user.password != "Yichun-2026-safe" and user.check_password("Yichun-2026-safe")
    page = client.get(ENTRY_URL)
    assert page.status_code == 200 and "入驻申请" in page.content.decode()
    assert page.context["entry_form"]["name"].value() == ""  # the placeholder name is not offered


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"password2": "Different-2026"}, "两次输入的密码不一致"),
        ({"password": "12345678", "password2": "12345678"}, "密码"),
        ({"username": ""}, "该字段是必填项"),
        ({"email": "not-an-email"}, "请输入合法的邮件地址"),
    ],
)
def test_register_refuses_bad_input(client, overrides, message):
    data = {"username": "newfirm", "display_name": "王强", "email": "w@example.com",
            "password": "Yichun-2026-safe", "password2": "Yichun-2026-safe", **overrides}
    response = client.post("/register/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="newfirm").exists()
    assert not Organisation.objects.filter(name__endswith="（待完善）").exists()


def test_register_refuses_taken_username(client):
    UserFactory(username="taken")
    before = Organisation.objects.count()
    response = client.post("/register/", {"username": "Taken", "display_name": "王强", "email": "w@example.com",
                                          "password": "Yichun-2026-safe", "password2": "Yichun-2026-safe"})
    assert response.status_code == 400
    assert "该用户名已被注册" in response.content.decode()
    assert Organisation.objects.count() == before


# ---------------------------------------------------------------------------------------
# Entry application: access


def test_entry_pages_need_an_intermediary(client, owner):
    assert client.get(ENTRY_URL)["Location"].startswith(reverse("accounts:login"))
    client.force_login(owner)
    for url in (ENTRY_URL, "/firm/invitations/", "/firm/signups/"):
        response = client.get(url)
        assert response.status_code == 403 and "无权访问" in response.content.decode()
    assert client.post(STAFF_URL, {"s-name": "张", "s-title": "工程师"}).status_code == 403
    assert not StaffMember.objects.exists()


# ---------------------------------------------------------------------------------------
# Entry application: basic facts and licence


def test_entry_save_creates_entry_with_licence(client, newcomer):
    response = client.post(ENTRY_URL, {**entry_data(), "licence": pdf("营业执照.pdf")})
    assert response.status_code == 302
    entry = Entry.objects.get(organisation=newcomer.organisation)
    org = entry.organisation
    assert entry.status == Entry.Status.DRAFT and entry.legal_rep == "刘建国"
    assert org.name == "江西赣环环境科技有限公司" and org.region_id == "360902"
    assert entry.licence.original_name == "营业执照.pdf" and entry.licence.organisation == org
    html = client.get(ENTRY_URL).content.decode()
    assert "填写中" in html and reverse("market:document_download", args=[entry.licence.pk]) in html


def test_entry_save_normalises_uscc(client, newcomer):
    code = make_uscc()
    response = client.post(ENTRY_URL, entry_data(uscc=f"  {code.lower()} "))
    assert response.status_code == 302
    newcomer.organisation.refresh_from_db()
    assert newcomer.organisation.uscc == code


def _assert_nothing_written(user: User, files_before: int = 0) -> None:
    user.organisation.refresh_from_db()
    assert not Entry.objects.filter(organisation=user.organisation).exists()
    assert user.organisation.name == "新注册（待完善）" and user.organisation.uscc == ""
    assert not Document.objects.exists()
    assert len(stored_files()) == files_before


def test_entry_wrong_uscc_is_refused_with_reason(client, newcomer):
    good = make_uscc()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(ENTRY_URL, {**entry_data(uscc=bad), "licence": pdf()})
    assert response.status_code == 400
    html = response.content.decode()
    assert "统一社会信用代码校验位错误" in html
    _assert_nothing_written(newcomer)


def test_entry_uscc_of_another_firm_is_refused(client, newcomer):
    other = firm_user()
    response = client.post(ENTRY_URL, {**entry_data(uscc=other.organisation.uscc), "licence": pdf()})
    assert response.status_code == 400
    assert "已被其他机构使用" in response.content.decode()
    _assert_nothing_written(newcomer)


def test_entry_missing_fields_are_refused(client, newcomer):
    response = client.post(ENTRY_URL, {"name": "只填了名称"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "该字段是必填项" in html and "请按提示修改入驻信息" in html
    _assert_nothing_written(newcomer)


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("licence.exe", b"MZ\x90\x00" * 100), "只接受"),
        (SimpleUploadedFile("licence.txt", b"plain text"), "只接受"),
        (SimpleUploadedFile("licence.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100), "文件内容与扩展名不符"),
    ],
)
def test_entry_licence_of_wrong_type_is_refused(client, newcomer, upload, message):
    response = client.post(ENTRY_URL, {**entry_data(), "licence": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    _assert_nothing_written(newcomer)


def test_entry_licence_over_the_size_rule_is_refused(client, newcomer):
    Rule.objects.filter(key="upload_max_mb").update(value=Decimal(1))
    big = pdf("big.pdf", size=1024 * 1024 + 10)
    response = client.post(ENTRY_URL, {**entry_data(), "licence": big})
    assert response.status_code == 400
    assert "文件不能超过 1MB" in response.content.decode()
    _assert_nothing_written(newcomer)


def test_entry_refusal_after_upload_keeps_no_file(client, newcomer, monkeypatch):
    """The licence is stored, then the service refuses: no row and no file remain."""
    from core.exceptions import InvalidState
    from market.views import firm as firm_views

    def refuse(**kwargs):
        raise InvalidState("入驻申请已提交或已通过，不能再修改。")

    monkeypatch.setattr(firm_views, "entry_save", refuse)
    response = client.post(ENTRY_URL, {**entry_data(), "licence": pdf()})
    assert response.status_code == 409
    assert "不能再修改" in response.content.decode()
    _assert_nothing_written(newcomer)


def test_submitted_entry_cannot_be_changed(client):
    firm = firm_user()  # approved
    client.force_login(firm)
    html = client.get(ENTRY_URL).content.decode()
    assert "已入驻" in html and 'action="/entry/"' not in html
    response = client.post(ENTRY_URL, entry_data())
    assert response.status_code == 409
    assert "不能再修改" in response.content.decode()
    assert Entry.objects.get(organisation=firm.organisation).legal_rep == "李四"


# ---------------------------------------------------------------------------------------
# Qualifications and staff


def test_qualification_needs_saved_entry_first(client, newcomer):
    response = client.post(QUAL_URL, qual_data(qtype_with_grades()))
    assert response.status_code == 409
    assert "尚未填写入驻申请" in response.content.decode()
    assert not Qualification.objects.exists() and not Document.objects.exists() and not stored_files()


def test_qualification_add_with_scan(client, newcomer):
    saved_entry(newcomer)
    qtype = qtype_with_grades()
    response = client.post(QUAL_URL, qual_data(qtype))
    assert response.status_code == 302
    qual = Qualification.objects.get(organisation=newcomer.organisation)
    assert qual.qualification_type == qtype and qual.grade == qtype.grades[-1]
    assert qual.scan.original_name == "资质证书.pdf"
    html = client.get(ENTRY_URL).content.decode()
    assert "ZZ-2025-0001" in html and qtype.name in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"q-grade": "不存在的等级"}, "等级"),
        ({"q-valid_until": "2000-01-01"}, "该证书已过有效期"),
        ({"q-cert_no": ""}, "该字段是必填项"),
        ({"q-scan": SimpleUploadedFile("scan.txt", b"hello")}, "只接受"),
    ],
)
def test_qualification_bad_input_is_refused(client, newcomer, overrides, message):
    saved_entry(newcomer)
    response = client.post(QUAL_URL, qual_data(qtype_with_grades(), **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Qualification.objects.exists() and not Document.objects.exists() and not stored_files()


def test_duplicate_certificate_is_refused_and_scan_discarded(client, newcomer):
    saved_entry(newcomer)
    qtype = qtype_with_grades()
    assert client.post(QUAL_URL, qual_data(qtype)).status_code == 302
    files = len(stored_files())
    response = client.post(QUAL_URL, qual_data(qtype))
    assert response.status_code == 400
    assert "该资质证书已登记" in response.content.decode()
    assert Qualification.objects.count() == 1 and Document.objects.count() == 1
    assert len(stored_files()) == files


def test_firm_cannot_remove_another_firms_qualification(client, newcomer):
    saved_entry(newcomer)
    other = new_firm_user()
    saved_entry(other)
    qtype = qtype_with_grades()
    theirs = qualification_add(user=other, qualification_type_id=qtype.pk, grade=qtype.grades[0], cert_no="THEIRS-1",
                               valid_until=timezone.localdate() + timedelta(days=30))
    response = client.post(f"/entry/qualifications/{theirs.pk}/remove/")
    assert response.status_code == 403
    assert "无权操作该资质" in response.content.decode()
    assert Qualification.objects.filter(pk=theirs.pk).exists()


def test_firm_removes_its_own_qualification(client, newcomer):
    saved_entry(newcomer)
    qtype = qtype_with_grades()
    mine = qualification_add(user=newcomer, qualification_type_id=qtype.pk, grade=qtype.grades[0], cert_no="MINE-1",
                             valid_until=timezone.localdate() + timedelta(days=30))
    assert client.get(f"/entry/qualifications/{mine.pk}/remove/").status_code == 405
    assert client.post(f"/entry/qualifications/{mine.pk}/remove/").status_code == 302
    assert not Qualification.objects.filter(pk=mine.pk).exists()


def test_firm_sees_only_its_own_entry(client, newcomer):
    other = new_firm_user()
    other_entry = saved_entry(other)
    staff_add(user=other, name="钱多多", title="注册安全工程师", cert_no="AQ-1")
    html = client.get(ENTRY_URL).content.decode()
    assert other_entry.organisation.uscc not in html and "钱多多" not in html


def test_staff_add(client, newcomer):
    saved_entry(newcomer)
    response = client.post(STAFF_URL, {"s-name": "孙工", "s-title": "注册环境影响评价工程师", "s-cert_no": "HP-9"})
    assert response.status_code == 302
    assert StaffMember.objects.get(organisation=newcomer.organisation).name == "孙工"
    response = client.post(STAFF_URL, {"s-name": "", "s-title": ""})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    assert StaffMember.objects.count() == 1


# ---------------------------------------------------------------------------------------
# Submission


def test_submit_reports_everything_missing(client, newcomer):
    saved_entry(newcomer)
    response = client.post(SUBMIT_URL, {})
    assert response.status_code == 400
    html = response.content.decode()
    for text in ("须阅读并签署信用承诺书", "请至少登记一项资质证书", "请至少登记一名执业人员", "请上传营业执照"):
        assert text in html
    assert Entry.objects.get(organisation=newcomer.organisation).status == Entry.Status.DRAFT


def test_full_entry_flow_from_registration_to_submission(client):
    client.post("/register/", {"username": "flow", "display_name": "周平", "email": "zhou@example.com",
                               "password": "Yichun-2026-safe", "password2": "Yichun-2026-safe"})
    assert client.post(ENTRY_URL, {**entry_data(), "licence": pdf()}).status_code == 302
    assert client.post(QUAL_URL, qual_data(qtype_with_grades())).status_code == 302
    assert client.post(STAFF_URL, {"s-name": "周平", "s-title": "注册造价工程师"}).status_code == 302
    html = client.get(ENTRY_URL).content.decode()
    assert "信用承诺书" in html and 'name="commitment"' in html
    response = client.post(SUBMIT_URL, {"commitment": "on"})
    assert response.status_code == 302
    entry = Entry.objects.get(organisation__users__username="flow")
    assert entry.status == Entry.Status.SUBMITTED and entry.commitment_accepted_at is not None
    html = client.get(ENTRY_URL).content.decode()
    assert "待审核" in html and "审核期间不能修改" in html
    assert client.post(SUBMIT_URL, {"commitment": "on"}).status_code == 409


def test_returned_entry_shows_reason_and_can_be_resubmitted(client, newcomer, bureau):
    saved_entry(newcomer)
    licence = document_store(upload=pdf(), organisation=newcomer.organisation, user=newcomer)
    Entry.objects.filter(organisation=newcomer.organisation).update(licence=licence)
    qtype = qtype_with_grades()
    qualification_add(user=newcomer, qualification_type_id=qtype.pk, grade=qtype.grades[0], cert_no="R-1",
                      valid_until=timezone.localdate() + timedelta(days=30))
    staff_add(user=newcomer, name="吴工", title="工程师", cert_no="")
    entry = entry_submit(user=newcomer, commitment_accepted=True)
    entry_review(user=bureau, entry_id=entry.pk, approve=False, reason="营业执照扫描件不清晰，请重新上传。")
    html = client.get(ENTRY_URL).content.decode()
    assert "已退回" in html and "营业执照扫描件不清晰" in html and "重新提交审核" in html
    assert client.post(SUBMIT_URL, {"commitment": "on"}).status_code == 302
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.SUBMITTED


# ---------------------------------------------------------------------------------------
# Invitations and sign-ups


def test_invitations_list_marks_signed_up(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    a = published_request(owner=owner, item=item, title="甲路段环评")
    b = published_request(owner=owner, item=item, title="乙路段环评")
    for req in (a, b):
        invitations_push(request_id=req.pk, round=1)
    signup_create(request_id=a.pk, user=firm)
    client.force_login(firm)
    response = client.get("/firm/invitations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="invitation-list"' in html
    assert a.code in html and b.code in html
    rows = {inv.request_id: inv for inv in response.context["rows"]}
    assert rows[a.pk].signed_up and not rows[b.pk].signed_up
    assert html.index(b.code) < html.index(a.code)  # newest first


def test_invitations_are_only_the_firms_own(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    invitations_push(request_id=req.pk, round=1)
    assert Invitation.objects.filter(organisation=firm.organisation).exists()
    client.force_login(firm_user(item=item, approved=False))
    assert req.code not in client.get("/firm/invitations/").content.decode()


def _invitation_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/firm/invitations/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_invitations_query_count_does_not_grow(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    client.force_login(firm)

    def invite(n):
        for _ in range(n):
            req = published_request(owner=owner, item=item)
            invitations_push(request_id=req.pk, round=1)
            signup_create(request_id=req.pk, user=firm)

    invite(3)
    few = _invitation_queries(client)
    invite(27)
    many = _invitation_queries(client)
    assert few == many


def test_signups_page_lists_the_firms_signups(client, owner):
    item = service_item()
    firm, other = firm_user(item=item), firm_user(item=item)
    mine = published_request(owner=owner, item=item, title="我报名的项目")
    theirs = published_request(owner=owner, item=item, title="别人报名的项目")
    signup_create(request_id=mine.pk, user=firm)
    signup_create(request_id=theirs.pk, user=other)
    client.force_login(firm)
    html = client.get("/firm/signups/").content.decode()
    assert mine.code in html and "报名中" in html
    assert theirs.code not in html


def test_register_asks_for_a_captcha_past_the_limit_per_address(settings):
    from django.test import Client

    from tests.accounts.captcha_support import captcha_answer

    settings.REGISTRATIONS_PER_HOUR = 2
    client = Client(REMOTE_ADDR="192.0.2.77")
    data = {"display_name": "批量", "password": "Yichun-2026-safe", "password2": "Yichun-2026-safe"}
    for i in range(2):
        response = client.post("/register/", {**data, "username": f"bulk{i}", "email": f"b{i}@example.com"})
        assert response.status_code == 302
        client.logout()
    response = client.post("/register/", {**data, "username": "bulk9", "email": "b9@example.com"})
    assert response.status_code == 400
    assert "请输入图中的验证码" in response.content.decode()
    assert not User.objects.filter(username="bulk9").exists()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.78")
    assert other.post("/register/", {**data, "username": "elsewhere", "email": "e@example.com"}).status_code == 302
    # A person who solves the CAPTCHA registers.
    answer = captcha_answer(response.content.decode())
    response = client.post("/register/", {**data, "username": "bulk9", "email": "b9@example.com", **answer})
    assert response.status_code == 302 and User.objects.filter(username="bulk9", is_org_admin=True).exists()


# ---------------------------------------------------------------------------------------
# A restricted firm is told why (issue 12)


def _suspend(user):
    from credit.services import credit_raise_declined

    credit_raise_declined(request=published_request(), organisation_id=user.organisation_id, round=1,
                          reason="项目负责人离职")


def test_a_restricted_firm_is_told_on_its_invitations_page_what_why_and_until_when(client):
    user = firm_user()
    _suspend(user)
    client.force_login(user)
    html = client.get("/firm/invitations/").content.decode()
    assert "您单位正受信用限制：暂停参与" in html and "中选后放弃中选资格" in html and "项目负责人离职" in html
    assert "期满自动解除" in html and "不向您单位推送新的采购邀请" in html
    assert "暂未收到采购邀请。入驻通过" not in html


def test_the_sign_up_button_of_a_restricted_firm_is_disabled_with_the_reason(client):
    user = firm_user()
    req = published_request(item=service_item())
    _suspend(user)
    client.force_login(user)
    html = client.get(f"/requests/{req.code}/").content.decode()
    assert '<button type="submit" disabled aria-describedby="signup-why">报名参加</button>' in html
    why = html[html.index('id="signup-why"'):]
    assert why.index("暂停参与至") < why.index("</span>") and "中选后放弃中选资格" in why[:why.index("</span>")]
