"""The TOTP second factor (django-otp) for bureau staff, organisation administrators and
back-office staff, required by REQUIRE_2FA_FOR_STAFF: enrolment with a QR code drawn on
the page, verification at each login, the admin behind the same rule."""

import time

import pytest
from django.test import Client

from audit.models import AuditRecord
from tests.factories import UserFactory, bureau_user, owner_user

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"
SETUP_URL = "/accounts/2fa/setup/"
VERIFY_URL = "/accounts/2fa/verify/"


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True


def code_for(device, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for `device` (a later time step on request:
    django-otp refuses a code of a step already used)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_bureau_staff_must_enrol_then_verify_at_each_login(required):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    officer = bureau_user()
    client = login(officer)
    response = client.get("/bureau/entries/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP_URL)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "启用动态验证码" in html
    assert "<script" not in html.split("</header>")[1]  # the QR code is markup, not a script
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert client.post(SETUP_URL, {"token": "000000" if code_for(device) != "000000" else "111111"}).status_code == 400
    time.sleep(1.1)  # django-otp makes a device wait a second after a wrong code
    response = client.post(SETUP_URL, {"token": code_for(device), "next": "/bureau/entries/"})
    assert response.status_code == 302 and response["Location"] == "/bureau/entries/"
    assert client.get("/bureau/entries/").status_code == 200
    assert AuditRecord.objects.filter(chain=f"user:{officer.pk}", kind="second_factor_enrolled").count() == 1

    again = login(officer)
    response = again.get("/bureau/entries/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY_URL)
    device.refresh_from_db()
    assert again.post(VERIFY_URL, {"token": "12345"}).status_code == 400  # malformed
    response = again.post(VERIFY_URL, {"token": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert again.get("/bureau/entries/").status_code == 200


def test_an_unverified_session_cannot_enrol_a_second_device(required):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    officer = bureau_user()
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    client = login(officer)
    response = client.get(SETUP_URL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY_URL)


def test_owners_are_not_asked(required):
    client = login(owner_user())
    assert client.get("/owner/requests/").status_code == 200


def test_organisation_administrators_are_asked(required):
    client = login(owner_user(is_org_admin=True))
    assert client.get("/owner/requests/")["Location"].startswith(SETUP_URL)


def test_the_admin_is_behind_the_same_rule(required):
    staff = UserFactory(organisation=None, is_staff=True, is_superuser=True)
    client = login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP_URL)


def test_off_unless_required(settings):
    settings.REQUIRE_2FA_FOR_STAFF = False
    client = login(bureau_user())
    assert client.get("/bureau/entries/").status_code == 200


def test_a_socket_of_a_session_without_the_second_factor_is_not_a_valid_login(required):
    from accounts.selectors import session_login_valid

    officer = bureau_user()
    client = login(officer)
    key = client.cookies["sessionid"].value
    assert not session_login_valid(session_key=key, user_id=officer.pk)
    owner = owner_user()
    owner_client = login(owner)
    assert session_login_valid(session_key=owner_client.cookies["sessionid"].value, user_id=owner.pk)
