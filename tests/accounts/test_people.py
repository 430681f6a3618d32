"""People of an organisation: its administrator adds, disables and re-assigns its own
users; the city bureau creates, disables and re-scopes bureau staff of every region.
Every change audited; a new user sets their own password through an emailed link."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Organisation, User
from accounts.services_people import (
    bureau_staff_create,
    bureau_staff_rescope,
    bureau_staff_set_active,
    member_add,
    member_set_active,
    member_set_admin,
    member_update,
)
from audit.models import AuditRecord
from audit.selectors import chain_verify
from core.exceptions import NotAllowed, ValidationFailed
from core.jurisdiction import bureau_covers
from tests.factories import UserFactory, bureau_user, owner_user

pytestmark = pytest.mark.django_db


def kinds(org) -> list[str]:
    return list(AuditRecord.objects.filter(chain=f"org:{org.pk}").order_by("seq").values_list("kind", flat=True))


@pytest.fixture
def admin():
    return owner_user(is_org_admin=True)


def test_the_administrator_adds_a_user_who_sets_a_password_by_the_emailed_link(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member = member_add(actor=admin, username="jbr01", display_name="经办人甲", email="jia@example.com",
                            phone="13900000000")
    assert member.organisation_id == admin.organisation_id and not member.is_org_admin
    assert not member.has_usable_password()
    assert kinds(admin.organisation) == ["member_added"]
    assert len(mail.outbox) == 1 and "设置登录密码" in mail.outbox[0].subject
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_url = client.get(path)["Location"]
    new = "Member-passphrase-2026"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert Client().login(username="jbr01", password=new)


@pytest.mark.parametrize("overrides, field", [
    ({"display_name": "名" * 41}, "display_name"),
    ({"email": "x" * 250 + "@e.cn"}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"phone": "1" * 21}, "phone"),
    ({"username": "有空格 的名字"}, "username"),
    ({"username": ""}, "username"),
])
def test_people_fields_are_bounded_with_chinese_messages(admin, overrides, field):
    data = {"username": "jbr02", "display_name": "经办人乙", "email": "yi@example.com", "phone": "", **overrides}
    with pytest.raises(ValidationFailed) as exc:
        member_add(actor=admin, **data)
    assert exc.value.errors[field] and all(re.search(r"[\u4e00-\u9fff]", m) for m in exc.value.errors[field])
    assert not User.objects.filter(username=data["username"] or "none").exists() or field != "username"


def test_only_the_organisations_administrator_manages_its_people(admin):
    member = member_add(actor=admin, username="jbr03", display_name="丙", email="bing@example.com")
    with pytest.raises(NotAllowed):
        member_add(actor=member, username="jbr04", display_name="丁", email="ding@example.com")
    outsider = owner_user(is_org_admin=True)
    with pytest.raises(NotAllowed):
        member_set_active(actor=outsider, user_id=member.pk, active=False)
    with pytest.raises(NotAllowed):
        member_set_active(actor=admin, user_id="abc", active=False)


def test_disabling_and_enabling_is_audited_and_the_admin_keeps_their_own_account(admin):
    member = member_add(actor=admin, username="jbr05", display_name="戊", email="wu@example.com")
    member_set_active(actor=admin, user_id=member.pk, active=False)
    member.refresh_from_db()
    assert not member.is_active
    member_set_active(actor=admin, user_id=member.pk, active=True)
    with pytest.raises(ValidationFailed):
        member_set_active(actor=admin, user_id=admin.pk, active=False)
    assert kinds(admin.organisation) == ["member_added", "member_disabled", "member_enabled"]


def test_the_administrator_role_is_handed_on_but_never_left_empty(admin):
    member = member_add(actor=admin, username="jbr06", display_name="己", email="ji@example.com")
    with pytest.raises(ValidationFailed):
        member_set_admin(actor=admin, user_id=admin.pk, is_admin=False)
    member = member_set_admin(actor=admin, user_id=member.pk, is_admin=True)
    member_set_admin(actor=member, user_id=admin.pk, is_admin=False)
    admin.refresh_from_db()
    assert not admin.is_org_admin
    member_update(actor=member, user_id=member.pk, display_name="己（更正）", email="ji2@example.com")
    assert kinds(admin.organisation) == ["member_added", "admin_granted", "admin_revoked", "member_updated"]
    assert chain_verify(chain=f"org:{admin.organisation_id}").ok


def test_the_people_page(admin):
    client = Client()
    client.force_login(admin)
    assert client.get("/accounts/people/").status_code == 200
    response = client.post("/accounts/people/", {"action": "add", "username": "jbr07", "display_name": "庚",
                                                 "email": "geng@example.com", "phone": ""})
    assert response.status_code == 302
    member = User.objects.get(username="jbr07")
    assert client.post("/accounts/people/", {"action": "disable", "user": member.pk}).status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert client.post("/accounts/people/", {"action": "disable", "user": "x"}).status_code == 403
    bad = client.post("/accounts/people/", {"action": "add", "username": "jbr08", "display_name": "辛" * 50,
                                            "email": "xin@example.com"})
    assert bad.status_code == 400 and "不能超过40个字符" in bad.content.decode()
    plain = Client()
    plain.force_login(member_add(actor=admin, username="jbr09", display_name="壬", email="ren@example.com"))
    assert plain.get("/accounts/people/").status_code == 403


# --- bureau staff -------------------------------------------------------------------------


@pytest.fixture
def city_admin():
    return bureau_user(region_code="360900", is_org_admin=True)


def test_the_city_bureau_opens_a_county_officers_account(city_admin):
    officer = bureau_staff_create(actor=city_admin, region_code="360921", username="fx_staff",
                                  display_name="奉新审批员", email="fx@example.com")
    org = officer.organisation
    assert org.kind == Organisation.Kind.BUREAU and org.region_id == "360921"
    assert bureau_covers(user=officer, region_id="360921") and not bureau_covers(user=officer, region_id="360982")
    assert kinds(org) == ["bureau_staff_created"] and kinds(city_admin.organisation) == ["bureau_staff_created"]
    # A second officer of the same county joins the same bureau.
    second = bureau_staff_create(actor=city_admin, region_code="360921", username="fx_staff2",
                                 display_name="奉新审批员二", email="fx2@example.com")
    assert second.organisation_id == org.pk


def test_re_scoping_moves_an_officer_to_another_county(city_admin):
    officer = bureau_staff_create(actor=city_admin, region_code="360921", username="mover",
                                  display_name="调动人员", email="m@example.com")
    before = officer.organisation
    bureau_staff_rescope(actor=city_admin, user_id=officer.pk, region_code="360982")
    officer.refresh_from_db()
    assert officer.organisation.region_id == "360982"
    assert bureau_covers(user=officer, region_id="360982") and not bureau_covers(user=officer, region_id="360921")
    assert kinds(before)[-1] == "bureau_staff_rescoped" and kinds(officer.organisation)[-1] == "bureau_staff_rescoped"
    bureau_staff_set_active(actor=city_admin, user_id=officer.pk, active=False)
    officer.refresh_from_db()
    assert not officer.is_active and kinds(officer.organisation)[-1] == "member_disabled"


def test_only_a_city_bureau_administrator_manages_bureau_staff(city_admin):
    county_admin = bureau_user(region_code="360982", is_org_admin=True)
    city_staff = bureau_user(region_code="360900")
    owner_admin = owner_user(is_org_admin=True)
    for actor in (county_admin, city_staff, owner_admin):
        with pytest.raises(NotAllowed):
            bureau_staff_create(actor=actor, region_code="360921", username="nope", display_name="无", email="n@example.com")
    firm_person = UserFactory()
    with pytest.raises(NotAllowed):  # not bureau staff
        bureau_staff_set_active(actor=city_admin, user_id=firm_person.pk, active=False)
    with pytest.raises(ValidationFailed):
        bureau_staff_rescope(actor=city_admin, user_id=city_admin.pk, region_code="360921")
    with pytest.raises(ValidationFailed):
        bureau_staff_create(actor=city_admin, region_code="000000", username="x1", display_name="无", email="n@example.com")


def test_the_bureau_staff_page(city_admin):
    client = Client()
    client.force_login(city_admin)
    assert client.get("/accounts/bureau-staff/").status_code == 200
    response = client.post("/accounts/bureau-staff/", {"action": "create", "region": "360922", "username": "wz01",
                                                       "display_name": "万载审批员", "email": "wz@example.com"})
    assert response.status_code == 302
    officer = User.objects.get(username="wz01")
    assert client.post("/accounts/bureau-staff/", {"action": "rescope", "user": officer.pk,
                                                   "region": "360923"}).status_code == 302
    officer.refresh_from_db()
    assert officer.organisation.region_id == "360923"
    county = Client()
    county.force_login(bureau_user(region_code="360982", is_org_admin=True))
    assert county.get("/accounts/bureau-staff/").status_code == 403
