"""Project owners' registration (项目业主注册): a unit with its credit code and a signed
authorisation letter, or a natural person with a resident ID number; the bureau of its
region approves or returns it with a reason; until approved the owner cannot publish."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Notification, Organisation, OwnerApplication, User
from accounts.registration import owner_application_resubmit, owner_application_review, owner_register
from audit.models import AuditRecord
from audit.selectors import chain_verify
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.idnumber import id_number_check_char
from market.services_requests import request_publish
from tests.factories import bureau_user, make_uscc, request_draft

pytestmark = pytest.mark.django_db

REGISTER_URL = "/accounts/owner/register/"
PASSWORD = "Owner-passphrase-2026"


def letter() -> SimpleUploadedFile:
    return SimpleUploadedFile("授权委托书.pdf", b"%PDF-1.4\n" + b"1" * 2048, content_type="application/pdf")


def id_number(seq: int = 1) -> str:
    body = f"36098219850101{seq:03d}"
    return body + id_number_check_char(body)


def unit_data(**overrides) -> dict:
    return {"is_person": "0", "name": "樟树市交通运输局", "uscc": make_uscc(), "id_number": "", "region": "360982",
            "contact_name": "李华", "phone": "0795-7000000", "email": "lh@example.com", "address": "樟树市药都南大道1号",
            "username": "zs_jtj", "password": PASSWORD, "password2": PASSWORD, **overrides}


def register_unit(**overrides) -> User:
    data = unit_data(**overrides)
    return owner_register(is_person=False, name=data["name"], uscc=data["uscc"], region_code=data["region"],
                          contact_name=data["contact_name"], phone=data["phone"], email=data["email"],
                          address=data["address"], username=data["username"], password=PASSWORD, letter=letter())


def test_a_unit_registers_through_the_page_and_waits_for_review():
    zs_bureau = bureau_user(region_code="360982")
    city_bureau = bureau_user(region_code="360900")
    other_county = bureau_user(region_code="360921")
    client = Client()
    page = client.get(REGISTER_URL)
    assert page.status_code == 200 and "项目业主注册" in page.content.decode()
    data = unit_data()
    response = client.post(REGISTER_URL, {**data, "letter": letter()})
    assert response.status_code == 302 and response["Location"] == "/accounts/owner/"
    user = User.objects.get(username="zs_jtj")
    org = user.organisation
    assert org.kind == Organisation.Kind.OWNER and not org.is_person and org.uscc == data["uscc"]
    assert user.is_org_admin and client.session["_auth_user_id"] == str(user.pk)
    application = org.owner_application
    assert application.status == OwnerApplication.Status.SUBMITTED
    assert application.authorisation_letter.organisation_id == org.pk and len(application.authorisation_letter.sha256) == 64
    assert "正在由樟树市行政审批局审核" in client.get("/accounts/owner/").content.decode()
    # The bureaus that may review it are told; another county's is not.
    assert Notification.objects.filter(organisation=zs_bureau.organisation, kind="owner_application").count() == 1
    assert Notification.objects.filter(organisation=city_bureau.organisation, kind="owner_application").count() == 1
    assert not Notification.objects.filter(organisation=other_county.organisation).exists()
    assert chain_verify(chain=f"owner:{org.pk}").ok


def test_a_natural_person_registers_with_a_resident_id_number():
    number = id_number(7)
    user = owner_register(is_person=True, name="王小明", id_number=number.lower(), region_code="360902",
                          contact_name="王小明", phone="13800000000", email="w@example.com",
                          username="wangxm", password=PASSWORD)
    assert user.organisation.is_person and user.organisation.uscc == ""
    assert user.id_number == number  # normalised: upper-case X, as stored for OIDC lookups
    assert user.organisation.owner_application.authorisation_letter is None


@pytest.mark.parametrize("overrides, field, text", [
    ({"uscc": "91360900MA35L0000X"}, "uscc", "校验位错误"),
    ({"uscc": ""}, "uscc", "请填写统一社会信用代码"),
    ({"name": "局" * 121}, "name", "不能超过120个字"),
    ({"contact_name": "李" * 41}, "contact_name", "不能超过40个字"),
    ({"address": "路" * 201}, "address", "不能超过200个字"),
    ({"phone": "call me"}, "phone", "联系电话格式不正确"),
    ({"region": "999999"}, "region", "请选择所在区划"),
    ({"username": "a"}, "username", "用户名为3至40位"),
])
def test_unit_input_is_checked_and_bounded_in_the_service(overrides, field, text):
    with pytest.raises(ValidationFailed) as exc:
        register_unit(**overrides)
    assert any(text in m for m in exc.value.errors[field]), exc.value.errors
    assert not User.objects.filter(username="zs_jtj").exists()


def test_a_unit_needs_its_letter_and_an_administrators_password():
    data = unit_data()
    with pytest.raises(ValidationFailed) as exc:
        owner_register(is_person=False, name=data["name"], uscc=data["uscc"], region_code="360982",
                       contact_name="李华", phone="0795-7000000", email="lh@example.com", username="zs_jtj",
                       password="Short-pw-1", letter=None)
    assert "授权委托书" in exc.value.errors["letter"][0]
    assert "至少需要12个字符" in " ".join(exc.value.errors["password"])


def test_a_person_needs_a_valid_id_number():
    bad = id_number(3)[:-1] + ("0" if id_number(3)[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        owner_register(is_person=True, name="王小明", id_number=bad, region_code="360902", contact_name="王小明",
                       phone="13800000000", email="w@example.com", username="wangxm", password=PASSWORD)
    assert "校验位错误" in exc.value.errors["id_number"][0]


def test_a_code_or_id_number_registers_once():
    first = register_unit()
    with pytest.raises(ValidationFailed) as exc:
        register_unit(uscc=first.organisation.uscc, username="again")
    assert "已注册" in exc.value.errors["uscc"][0]
    number = id_number(9)
    owner_register(is_person=True, name="甲", id_number=number, region_code="360902", contact_name="甲",
                   phone="13800000001", email="a@example.com", username="person_a", password=PASSWORD)
    with pytest.raises(ValidationFailed) as exc:
        owner_register(is_person=True, name="乙", id_number=number, region_code="360902", contact_name="乙",
                       phone="13800000002", email="b@example.com", username="person_b", password=PASSWORD)
    assert "已注册" in exc.value.errors["id_number"][0]


def test_the_owner_cannot_publish_until_the_bureau_approves():
    user = register_unit()
    draft = request_draft(owner=user)
    with pytest.raises(NotAllowed) as exc:
        request_publish(request_id=draft.pk, user=user)
    assert "尚未通过审核" in exc.value.message
    officer = bureau_user(region_code="360982")
    owner_application_review(user=officer, application_id=user.organisation.owner_application.pk, approve=True)
    published = request_publish(request_id=draft.pk, user=user)
    assert published.status == "published"


def test_only_the_bureau_of_its_region_or_the_city_reviews():
    user = register_unit()
    application_id = user.organisation.owner_application.pk
    with pytest.raises(NotAllowed):
        owner_application_review(user=bureau_user(region_code="360921"), application_id=application_id, approve=True)
    with pytest.raises(NotAllowed):
        owner_application_review(user=user, application_id=application_id, approve=True)
    with pytest.raises(NotAllowed):
        owner_application_review(user=bureau_user(region_code="360900"), application_id="abc", approve=True)
    owner_application_review(user=bureau_user(region_code="360900"), application_id=application_id, approve=True)
    with pytest.raises(InvalidState):
        owner_application_review(user=bureau_user(region_code="360982"), application_id=application_id, approve=True)


def test_returned_with_a_reason_then_corrected_and_resubmitted():
    user = register_unit()
    officer = bureau_user(region_code="360982")
    application_id = user.organisation.owner_application.pk
    with pytest.raises(ValidationFailed):
        owner_application_review(user=officer, application_id=application_id, approve=False, reason="  ")
    with pytest.raises(ValidationFailed) as exc:
        owner_application_review(user=officer, application_id=application_id, approve=False, reason="理" * 501)
    assert "不能超过500个字" in exc.value.errors["reason"][0]
    owner_application_review(user=officer, application_id=application_id, approve=False, reason="授权委托书未盖公章")
    client = Client()
    client.force_login(user)
    html = client.get("/accounts/owner/").content.decode()
    assert "授权委托书未盖公章" in html and "重新提交" in html
    assert Notification.objects.filter(organisation=user.organisation, kind="owner_application_reviewed").exists()
    response = client.post("/accounts/owner/", {
        "name": "樟树市交通运输局", "uscc": user.organisation.uscc, "region": "360982", "contact_name": "李华",
        "phone": "0795-7000001", "email": "lh@example.com", "address": "", "letter": letter()})
    assert response.status_code == 302
    application = OwnerApplication.objects.get(pk=application_id)
    assert application.status == OwnerApplication.Status.SUBMITTED
    kinds = list(AuditRecord.objects.filter(chain=f"owner:{user.organisation_id}").order_by("seq")
                 .values_list("kind", "from_state", "to_state"))
    assert kinds == [("owner_registered", "", "submitted"), ("transition", "submitted", "returned"),
                     ("transition", "returned", "submitted")]
    with pytest.raises(InvalidState):
        owner_application_resubmit(user=user, name="x", region_code="360982", contact_name="李华",
                                   phone="0795-7000001", email="lh@example.com")


def test_the_bureau_pages_show_only_its_scope():
    user = register_unit()
    application = user.organisation.owner_application
    county, other = bureau_user(region_code="360982"), bureau_user(region_code="360921")
    client = Client()
    client.force_login(other)
    assert user.organisation.name not in client.get("/accounts/owner-applications/").content.decode()
    assert client.get(f"/accounts/owner-applications/{application.pk}/").status_code == 404
    client.force_login(county)
    assert user.organisation.name in client.get("/accounts/owner-applications/").content.decode()
    detail = client.get(f"/accounts/owner-applications/{application.pk}/").content.decode()
    assert "授权委托书.pdf" in detail and "提交注册申请" in detail
    # The reviewer can open the letter.
    assert client.get(f"/documents/{application.authorisation_letter_id}/").status_code == 200
    response = client.post(f"/accounts/owner-applications/{application.pk}/", {"decision": "return", "reason": ""})
    assert response.status_code == 400 and "退回" in response.content.decode()
    response = client.post(f"/accounts/owner-applications/{application.pk}/", {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == OwnerApplication.Status.APPROVED
